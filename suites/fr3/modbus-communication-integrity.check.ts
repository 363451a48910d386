import { defineCheck, fail, pass } from '../../core/check.js';
import { describeAccess, isNormalResponse, modbusTarget, outcomeText, readPdu, requiresSecurityCredentials, tamperedRequest, tryRequest } from '../../adapters/modbus/index.js';

const CURRENT_TLS = new Set(['TLSv1.2', 'TLSv1.3']);

export default defineCheck({
  id: 'modbus.integrity.tampered-request-rejected',
  requirement: 'CR 3.1',
  sl: [1, 2, 3, 4],
  protocol: 'modbus',
  disruptive: false,
  title: 'Modbus traffic is protected against modification in transit',
  expectation:
    'Requests travel inside TLS 1.2 or newer and a request altered on the way is dropped instead of executed; plain Modbus/TCP has no integrity protection, a gap unless a countermeasure is declared',
  requires: requiresSecurityCredentials(['clientCertificate', 'clientPrivateKey']),
  async run(ctx) {
    const { target, label, read, readLabel, options } = modbusTarget(ctx);
    const pdu = readPdu(read);

    if (!target.tls) {
      const result = await ctx.step(`read ${readLabel} on ${label}`, () => tryRequest(target, pdu, options));
      if (result.kind !== 'request' || !isNormalResponse(pdu, result.outcome)) {
        throw new Error(`${label} answered no plain read (${describeAccess(result, (outcome) => outcomeText(pdu, outcome))}), so nothing can be said of its integrity`);
      }
      return fail(`plain Modbus/TCP on ${label}: requests and replies carry no message authentication (no TLS, no MAC), so a value altered on the wire would be executed; the read of ${readLabel} was served this way`, {
        transport: 'Modbus/TCP',
      });
    }

    const control = await ctx.step(`read ${readLabel} over TLS, unaltered`, () => tryRequest(target, pdu, options));
    const controlText = describeAccess(control, (outcome) => outcomeText(pdu, outcome));
    if (control.kind !== 'request' || !isNormalResponse(pdu, control.outcome)) throw new Error(`the unaltered read was not served (${controlText}), so a refused altered one would prove nothing`);
    const tampered = await ctx.step(`read ${readLabel} with one bit of its TLS record flipped in transit`, () => tamperedRequest(target, pdu, options));
    if (!tampered.tampered) throw new Error('the request record could not be altered (no application-data record was seen on the wire)');
    const seen = outcomeText(pdu, tampered.outcome);
    ctx.log(`altered record: ${seen}`);
    const details = { transport: 'Modbus/TCP Security', protocol: tampered.protocol, cipher: tampered.cipher, control: controlText, tampered: seen };
    const problems: string[] = [];
    if (!tampered.protocol || !CURRENT_TLS.has(tampered.protocol)) problems.push(`negotiated ${tampered.protocol ?? 'an unknown protocol'} (TLS 1.2 or newer required)`);
    if (tampered.outcome.kind === 'reply') problems.push(`the altered request was answered (${seen})`);
    if (problems.length > 0) return fail(`${label}: ${problems.join('; ')}`, details);
    return pass(`${label} (${tampered.protocol}, ${tampered.cipher}) dropped a request whose TLS record was altered in transit (${seen}) and served the unaltered one`, details);
  },
});
