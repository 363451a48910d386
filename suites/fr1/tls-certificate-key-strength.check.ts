import { defineCheck } from '../../core/check.js';
import { keyStrengthOutcome } from '../../adapters/tls/index.js';
import { analyseInterfaceService } from '../../adapters/tls/services.js';

export default defineCheck({
  id: 'tls.certificate.key-strength',
  requirement: 'CR 1.9',
  sl: [2, 3, 4],
  protocol: 'tls',
  disruptive: false,
  title: 'TLS server certificates use strong keys and signatures',
  expectation: 'Every certificate the TLS service presents has at least a 2048-bit RSA or 256-bit EC key and is signed with SHA-256 or stronger',
  timeoutMs: 90_000,
  async run(ctx) {
    const { label, analysis } = await analyseInterfaceService(ctx, { enumerateSuites: false });
    return keyStrengthOutcome(label, analysis);
  },
});
