import { defineCheck, fail, pass } from '../../core/check.js';
import { DTLS_NOTE, isCurrentTls, observeCipSecurity, unsecuredLine, unsecuredProblem } from '../../adapters/enip/security.js';
import type { EnipEndpoint } from '../../adapters/enip/endpoint.js';

export default defineCheck({
  id: 'enip.integrity.cip-security',
  requirement: 'CR 3.1',
  sl: [1, 2, 3, 4],
  protocol: 'enip',
  disruptive: false,
  title: 'EtherNet/IP messages are integrity-protected by CIP Security, the unsecured port closed or read-only',
  expectation:
    'CIP Security serves EtherNet/IP inside TLS 1.2 or newer (every such suite authenticates each record, the integrity-only ones included), and the unsecured port, whose messages carry no integrity protection, is closed or read-only as the profile documents (a write there refused where the run may write)',
  async run(ctx) {
    const port = (ctx.interface.endpoint as EnipEndpoint).port;
    const seen = await observeCipSecurity(ctx);
    const details = { ...seen, dtls: DTLS_NOTE };
    if (!seen.secure) return fail(`no CIP Security: ${seen.noSecure}; explicit messages on ${port} carry no integrity protection, so a value altered on the wire would be executed`, details);
    const problems = [
      ...(isCurrentTls(seen.secure.protocol) ? [] : [`CIP Security negotiated ${seen.secure.protocol}, older than TLS 1.2`]),
      ...[unsecuredProblem(seen.unsecured, port)].filter((problem): problem is string => problem !== undefined),
    ];
    const secureLine = `CIP Security on ${seen.secure.port}: ${seen.secure.protocol} with ${seen.secure.cipher}`;
    if (problems.length > 0) return fail(`${problems.join('; ')} (${secureLine})`, details);
    return pass(`${secureLine}; ${unsecuredLine(seen.unsecured, port)}; ${DTLS_NOTE}`, details);
  },
});
