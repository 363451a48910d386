import { defineCheck, fail, pass } from '../../core/check.js';
import { assessKeyStrength, certificateLine, displayVersion } from '../../adapters/tls/index.js';
import { analyseDeclaredServices } from '../../adapters/tls/services.js';

export default defineCheck({
  id: 'tls.certificate.key-strength',
  requirement: 'CR 1.9',
  sl: [2, 3, 4],
  protocol: 'tls',
  disruptive: false,
  title: 'TLS server certificates use strong keys and signatures',
  expectation: 'Every certificate a TLS service presents has at least a 2048-bit RSA or 256-bit EC key and is signed with SHA-256 or stronger',
  timeoutMs: 90_000,
  async run(ctx) {
    const analysed = await analyseDeclaredServices(ctx, { enumerateSuites: false });
    const failures: string[] = [];
    const summaries: string[] = [];
    const details = [];
    for (const { label, analysis } of analysed) {
      if (analysis.certificates.length === 0) throw new Error(`${label} presented no certificate that could be read, so key strength cannot be judged`);
      const problems = assessKeyStrength(analysis.certificates);
      const chain = analysis.certificates.map(certificateLine).join(' ← ');
      const versions = analysis.acceptedVersions.map(displayVersion).join(', ');
      if (problems.length > 0) failures.push(`${label}: ${problems.join('; ')} (chain: ${chain}; accepted versions: ${versions})`);
      else summaries.push(`${label}: ${chain}`);
      details.push({ service: label, problems, certificates: analysis.certificates.map(({ pem: _pem, ...facts }) => facts) });
    }
    if (failures.length > 0) return fail(failures.join(' | '), details);
    return pass(summaries.join(' | '), details);
  },
});
