import { defineCheck, fail, pass } from '../../core/check.js';
import {
  caKeyFromProfile,
  describeAccess,
  issueRoleCertificate,
  issueUntrustedCertificate,
  isNormalResponse,
  modbusTarget,
  outcomeText,
  readPdu,
  requiresSecurityCredentials,
  roleOf,
  tryRequest,
  valuesOf,
  withCredentials,
  type AccessResult,
} from '../../adapters/modbus/index.js';

export default defineCheck({
  id: 'modbus.authentication.client-certificate-required',
  requirement: 'CR 1.1',
  sl: [1, 2, 3, 4],
  protocol: 'modbus',
  disruptive: false,
  title: 'Modbus requests are served only to authenticated clients',
  expectation:
    'Modbus/TCP Security serves no request without a valid client certificate (none, one from an unknown CA, an expired one); plain Modbus/TCP, which authenticates nobody, is a gap unless a countermeasure is declared',
  requires: requiresSecurityCredentials(['clientCertificate', 'clientPrivateKey', 'caCertificate', 'caPrivateKey']),
  async run(ctx) {
    const { target, label, read, readLabel, options } = modbusTarget(ctx);
    const pdu = readPdu(read);
    const served = (result: AccessResult) => result.kind === 'request' && isNormalResponse(pdu, result.outcome);
    const text = (result: AccessResult) => describeAccess(result, (outcome) => outcomeText(pdu, outcome));

    if (!target.tls) {
      const result = await ctx.step(`read ${readLabel} on ${label} without any credentials`, () => tryRequest(target, pdu, options));
      ctx.log(`anonymous read: ${text(result)}`);
      if (!served(result)) throw new Error(`${label} answered no plain read (${text(result)}), so whether it authenticates cannot be told`);
      const values = result.kind === 'request' ? valuesOf(pdu, result.outcome) : undefined;
      return fail(`plain Modbus/TCP on ${label} served an unauthenticated read of ${readLabel} (value ${values?.join(', ')}); the protocol carries no user or client identity`, {
        transport: 'Modbus/TCP',
        anonymousRead: text(result),
      });
    }

    const control = await ctx.step(`read ${readLabel} with the profile's client certificate`, () => tryRequest(target, pdu, options));
    ctx.log(`profile certificate: ${text(control)}`);
    if (!served(control)) throw new Error(`the profile's own client certificate was not served (${text(control)}), so refusals below would prove nothing`);

    const ca = caKeyFromProfile(ctx.profile)!;
    // The test certificates carry the profile certificate's own role, so only their trust or validity differs from it.
    const role = (target.tls.certPem ? roleOf(target.tls.certPem) : undefined) ?? 'operator';
    const untrusted = issueUntrustedCertificate(role);
    const expired = issueRoleCertificate(ca, role, { expired: true });
    ctx.attach({ name: 'Test client certificate from an unknown CA', contentType: 'application/x-pem-file', extension: 'pem', content: untrusted.leaf.certPem + untrusted.ca.certPem });
    ctx.attach({ name: 'Expired test client certificate', contentType: 'application/x-pem-file', extension: 'pem', content: expired.certPem });

    const attempts: Array<{ name: string; result: AccessResult }> = [];
    for (const [name, credentials] of [
      ['without a client certificate', { certPem: undefined, keyPem: undefined }],
      ['with a certificate from an unknown CA', { certPem: untrusted.leaf.certPem, keyPem: untrusted.leaf.keyPem }],
      ['with an expired certificate of the trusted CA', { certPem: expired.certPem, keyPem: expired.keyPem }],
    ] as const) {
      const result = await ctx.step(`read ${readLabel} ${name}`, () => tryRequest(withCredentials(target, credentials), pdu, options));
      ctx.log(`${name}: ${text(result)}`);
      attempts.push({ name, result });
    }
    const details = {
      transport: 'Modbus/TCP Security',
      control: text(control),
      attempts: attempts.map(({ name, result }) => ({ name, served: served(result), seen: text(result) })),
    };
    const servedAttempts = attempts.filter(({ result }) => served(result));
    const summary = attempts.map(({ name, result }) => `${name}: ${text(result)}`).join('; ');
    if (servedAttempts.length > 0) {
      return fail(`${label} served reads ${servedAttempts.map(({ name }) => name).join(', ')}: ${summary}`, details);
    }
    return pass(`${label} refused every unauthenticated client (${summary}) and served the profile's certificate`, details);
  },
});
