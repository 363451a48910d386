import { defineCheck } from '../../core/check.js';
import { analyseTls, keyStrengthOutcome } from '../../adapters/tls/index.js';
import type { EnipEndpoint } from '../../adapters/enip/endpoint.js';

export default defineCheck({
  id: 'enip-security.certificate.key-strength',
  requirement: 'CR 1.9',
  sl: [2, 3, 4],
  protocol: 'enip-security',
  disruptive: false,
  title: 'The CIP Security device certificate uses a strong key and signature',
  expectation: 'Every certificate the CIP Security port presents has at least a 2048-bit RSA or 256-bit EC key and is signed with SHA-256 or stronger, as the TLS services of the component are judged',
  timeoutMs: 90_000,
  async run(ctx) {
    const port = (ctx.interface.endpoint as EnipEndpoint).cipSecurityPort!;
    const label = `CIP Security (${ctx.host}:${port})`;
    const analysis = await ctx.step(`TLS handshake with ${label} for its certificate chain`, () =>
      analyseTls({ host: ctx.host, port, signal: ctx.signal, connectTimeoutMs: ctx.settings.connectTimeoutMs, timeoutMs: ctx.settings.requestTimeoutMs, log: (line) => ctx.log(line), enumerateSuites: false }),
    );
    return keyStrengthOutcome(label, analysis);
  },
});
