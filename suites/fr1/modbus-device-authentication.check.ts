import { defineCheck, fail, pass } from '../../core/check.js';
import {
  describeAccess,
  inspectServer,
  issueUntrustedCertificate,
  isNormalResponse,
  modbusTarget,
  outcomeText,
  readPdu,
  requiresSecurityCredentials,
  roleOf,
  tryRequest,
  withCredentials,
  type AccessResult,
} from '../../adapters/modbus/index.js';

export default defineCheck({
  id: 'modbus.authentication.mutual-device-authentication',
  requirement: 'CR 1.2',
  sl: [2, 3, 4],
  protocol: 'modbus',
  disruptive: false,
  title: 'Device and client authenticate each other on Modbus',
  expectation:
    'Over Modbus/TCP Security the device presents a certificate that chains to the trusted CA and names its address, and refuses a client certificate it cannot verify; plain Modbus/TCP authenticates neither side',
  requires: requiresSecurityCredentials(['clientCertificate', 'clientPrivateKey', 'caCertificate']),
  async run(ctx) {
    const { target, label, read, readLabel, options } = modbusTarget(ctx);
    const pdu = readPdu(read);
    const served = (result: AccessResult) => result.kind === 'request' && isNormalResponse(pdu, result.outcome);
    const text = (result: AccessResult) => describeAccess(result, (outcome) => outcomeText(pdu, outcome));

    if (!target.tls) {
      const result = await ctx.step(`read ${readLabel} on ${label} without any credentials`, () => tryRequest(target, pdu, options));
      if (!served(result)) throw new Error(`${label} answered no plain read (${text(result)}), so its authentication cannot be assessed`);
      return fail(`plain Modbus/TCP on ${label}: the device presented no proof of identity and served a client that presented none (${text(result)})`, {
        transport: 'Modbus/TCP',
        read: text(result),
      });
    }

    const identity = await ctx.step(`TLS handshake with ${label}: the device's certificate`, () => inspectServer(target, options));
    ctx.log(`device certificate: subject ${identity.subject ?? '?'}, issuer ${identity.issuer ?? '?'}, valid to ${identity.validTo ?? '?'}, ${identity.protocol} ${identity.cipher}`);
    if (identity.chainPem.length > 0) {
      ctx.attach({ name: 'Device certificate chain as presented', contentType: 'application/x-pem-file', extension: 'pem', content: identity.chainPem.join('') });
    }
    // Silence towards a stranger counts as refusal only if the device serves the profile's own certificate first.
    const control = await ctx.step(`read ${readLabel} with the profile's client certificate`, () => tryRequest(target, pdu, options));
    ctx.log(`profile certificate: ${text(control)}`);
    if (!served(control)) throw new Error(`the profile's own client certificate was not served (${text(control)}), so a refused stranger would prove nothing`);
    const untrusted = issueUntrustedCertificate((target.tls.certPem ? roleOf(target.tls.certPem) : undefined) ?? 'operator');
    ctx.attach({ name: 'Test client certificate from an unknown CA', contentType: 'application/x-pem-file', extension: 'pem', content: untrusted.leaf.certPem + untrusted.ca.certPem });
    const stranger = await ctx.step(`read ${readLabel} with a certificate from an unknown CA`, () =>
      tryRequest(withCredentials(target, { certPem: untrusted.leaf.certPem, keyPem: untrusted.leaf.keyPem }), pdu, options),
    );
    ctx.log(`unknown CA: ${text(stranger)}`);

    const problems: string[] = [];
    if (!identity.authorized) problems.push(`the device certificate does not verify against the profile's CA (${identity.authorizationError})`);
    if (identity.identityError) problems.push(`the device certificate does not name ${ctx.host} (${identity.identityError})`);
    if (served(stranger)) problems.push(`a client certificate from an unknown CA was served (${text(stranger)})`);
    const details = {
      transport: 'Modbus/TCP Security',
      device: { subject: identity.subject, issuer: identity.issuer, validTo: identity.validTo, authorized: identity.authorized, authorizationError: identity.authorizationError, identityError: identity.identityError, protocol: identity.protocol, cipher: identity.cipher },
      control: text(control),
      unknownCaClient: text(stranger),
    };
    if (problems.length > 0) return fail(`${label}: ${problems.join('; ')}`, details);
    return pass(
      `${label} presented a certificate (${identity.subject}) that chains to the profile's CA and names ${ctx.host}, served the profile's certificate (${text(control)}) and refused one from an unknown CA (${text(stranger)})`,
      details,
    );
  },
});
