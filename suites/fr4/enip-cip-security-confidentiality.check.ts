import { defineCheck, fail, pass } from '../../core/check.js';
import { DTLS_NOTE, isCurrentTls, observeCipSecurity, unsecuredLine, unsecuredProblem } from '../../adapters/enip/security.js';
import type { EnipEndpoint } from '../../adapters/enip/endpoint.js';

export default defineCheck({
  id: 'enip.confidentiality.cip-security',
  requirement: 'CR 4.1',
  sl: [1, 2, 3, 4],
  protocol: 'enip',
  disruptive: false,
  title: 'EtherNet/IP is offered inside CIP Security with encryption, the unsecured port closed or read-only',
  expectation:
    'CIP Security serves EtherNet/IP inside TLS 1.2 or newer with an encrypting cipher suite on its port, and the unsecured port is closed or read-only as the profile documents (a write there refused where the run may write); without CIP Security every explicit message travels in clear, a gap unless a countermeasure is declared',
  async run(ctx) {
    const port = (ctx.interface.endpoint as EnipEndpoint).port;
    const seen = await observeCipSecurity(ctx);
    const details = { ...seen, dtls: DTLS_NOTE };
    const clear = seen.unsecured.clearText ? `; the unsecured port answered ListIdentity in clear (${seen.unsecured.clearText})` : '';
    if (!seen.secure) return fail(`no CIP Security: ${seen.noSecure}${clear}; explicit messages travel unencrypted`, details);
    const problems = [
      ...(isCurrentTls(seen.secure.protocol) ? [] : [`CIP Security negotiated ${seen.secure.protocol}, older than TLS 1.2`]),
      ...(seen.secure.encrypts ? [] : [`CIP Security negotiated ${seen.secure.cipher}, an integrity-only suite that does not encrypt`]),
      ...[unsecuredProblem(seen.unsecured, port)].filter((problem): problem is string => problem !== undefined),
    ];
    const secureLine = `CIP Security on ${seen.secure.port}: ${seen.secure.protocol} with ${seen.secure.cipher}, EtherNet/IP served inside ("${seen.secure.productName}")`;
    if (problems.length > 0) return fail(`${problems.join('; ')} (${secureLine})`, details);
    return pass(`${secureLine}; ${unsecuredLine(seen.unsecured, port)}; ${DTLS_NOTE}`, details);
  },
});
