import { defineCheck, fail, pass } from '../../core/check.js';
import { cleartextRequest, describeAccess, hex, isNormalResponse, modbusTarget, outcomeText, readPdu, requiresSecurityCredentials, tryRequest, valuesOf } from '../../adapters/modbus/index.js';

export default defineCheck({
  id: 'modbus.confidentiality.encrypted-transport',
  requirement: 'CR 4.1',
  sl: [1, 2, 3, 4],
  protocol: 'modbus',
  disruptive: false,
  title: 'Modbus process data is encrypted in transit',
  expectation:
    'Process data leaves the device only inside TLS with an encrypting cipher, and its TLS port does not answer cleartext Modbus; plain Modbus/TCP sends every value in clear, a gap unless a countermeasure is declared',
  requires: requiresSecurityCredentials(['clientCertificate', 'clientPrivateKey']),
  async run(ctx) {
    const { target, label, read, readLabel, options } = modbusTarget(ctx);
    const pdu = readPdu(read);

    if (!target.tls) {
      const result = await ctx.step(`read ${readLabel} on ${label}`, () => tryRequest(target, pdu, options));
      if (result.kind !== 'request' || result.outcome.kind !== 'reply' || !isNormalResponse(pdu, result.outcome)) {
        throw new Error(`${label} answered no plain read (${describeAccess(result, (outcome) => outcomeText(pdu, outcome))})`);
      }
      const frame = result.outcome.received.frame;
      return fail(`plain Modbus/TCP on ${label} sent ${readLabel} = ${valuesOf(pdu, result.outcome)?.join(', ')} in clear text (reply on the wire: ${hex(frame)})`, {
        transport: 'Modbus/TCP',
        replyOnTheWire: hex(frame),
      });
    }

    const session = await ctx.step(`read ${readLabel} over TLS`, () => tryRequest(target, pdu, options));
    const sessionText = describeAccess(session, (outcome) => outcomeText(pdu, outcome));
    if (session.kind !== 'request' || !isNormalResponse(pdu, session.outcome)) throw new Error(`the read over TLS was not served (${sessionText})`);
    const cleartext = await ctx.step(`plain Modbus/TCP read of ${readLabel} sent to the TLS port`, () => cleartextRequest(target, pdu, options));
    const cleartextText = outcomeText(pdu, cleartext);
    ctx.log(`cleartext to the TLS port: ${cleartextText}`);
    const problems: string[] = [];
    if (!session.cipher || /NULL|anon|EXPORT/i.test(session.cipher)) problems.push(`negotiated cipher ${session.cipher ?? 'unknown'} does not encrypt`);
    if (cleartext.kind === 'reply') problems.push(`the TLS port answered a cleartext Modbus request (${cleartextText})`);
    const details = { transport: 'Modbus/TCP Security', protocol: session.protocol, cipher: session.cipher, cleartextToTlsPort: cleartextText };
    if (problems.length > 0) return fail(`${label}: ${problems.join('; ')}`, details);
    return pass(`${label} carried the read inside ${session.protocol} with ${session.cipher} and did not answer cleartext Modbus (${cleartextText})`, details);
  },
});
