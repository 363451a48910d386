import { defineCheck, fail, pass } from '../../core/check.js';
import { assessKeyStrength, certificateLine, displayVersion } from '../../adapters/tls/index.js';
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
    if (analysis.certificates.length === 0) throw new Error(`${label} presented no certificate that could be read, so key strength cannot be judged`);
    const problems = assessKeyStrength(analysis.certificates);
    const chain = analysis.certificates.map(certificateLine).join(' ← ');
    const versions = analysis.acceptedVersions.map(displayVersion).join(', ');
    const details = { service: label, problems, certificates: analysis.certificates.map(({ pem: _pem, ...facts }) => facts) };
    if (problems.length > 0) return fail(`${label}: ${problems.join('; ')} (chain: ${chain}; accepted versions: ${versions})`, details);
    return pass(`${label}: ${chain}`, details);
  },
});
