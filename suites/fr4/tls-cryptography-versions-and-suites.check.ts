import { defineCheck, fail, pass } from '../../core/check.js';
import { analysisSummary, assessCryptography, certificateLine, displayVersion } from '../../adapters/tls/index.js';
import { analyseInterfaceService } from '../../adapters/tls/services.js';

export default defineCheck({
  id: 'tls.cryptography.versions-and-suites',
  requirement: 'CR 4.3',
  sl: [1, 2, 3, 4],
  protocol: 'tls',
  disruptive: false,
  title: 'TLS services accept only current protocol versions and strong cipher suites',
  expectation:
    'The TLS service refuses SSL 3.0, TLS 1.0 and 1.1 and every NULL, EXPORT, RC4, 3DES/64-bit-block and anonymous suite, and offers at least one suite with forward secrecy',
  timeoutMs: 180_000,
  async run(ctx) {
    const { label, analysis } = await analyseInterfaceService(ctx, { enumerateSuites: true });
    const findings = assessCryptography(analysis);
    const versions = analysis.acceptedVersions.map(displayVersion).join(', ');
    const certificate = analysis.certificates[0] ? `; certificate ${certificateLine(analysis.certificates[0])}` : '';
    const details = { service: label, findings, analysis: analysisSummary(analysis) };
    if (findings.problems.length > 0) return fail(`${label} ${findings.problems.join('; ')} (accepted versions: ${versions}${certificate})`, details);
    const staticNote = findings.staticKeyExchangeSuites.length ? `, ${findings.staticKeyExchangeSuites.length} without forward secrecy` : '';
    return pass(`${label} accepts ${versions} with ${analysis.suites.length} suite(s), none weak, forward secrecy offered${staticNote}${certificate}`, details);
  },
});
