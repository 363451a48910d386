import { defineCheck, fail, pass } from '../../core/check.js';
import { analyseTls, analysisSummary, assessCryptography, certificateLine, displayVersion, suitesCsv } from '../../adapters/tls/index.js';
import type { EnipEndpoint } from '../../adapters/enip/endpoint.js';
import { DTLS_NOTE } from '../../adapters/enip/security.js';

export default defineCheck({
  id: 'enip-security.cryptography.versions-and-suites',
  requirement: 'CR 4.3',
  sl: [1, 2, 3, 4],
  protocol: 'enip-security',
  disruptive: false,
  title: 'CIP Security accepts only current TLS versions and strong cipher suites',
  expectation:
    'The CIP Security port refuses SSL 3.0, TLS 1.0 and 1.1 and every NULL, EXPORT, RC4, 3DES/64-bit-block and anonymous suite, and offers forward secrecy (the TLS analysis every TLS service gets)',
  timeoutMs: 180_000,
  async run(ctx) {
    const port = (ctx.interface.endpoint as EnipEndpoint).cipSecurityPort!;
    const label = `CIP Security (${ctx.host}:${port})`;
    const analysis = await ctx.step(`TLS analysis of ${label}`, () =>
      analyseTls({ host: ctx.host, port, signal: ctx.signal, connectTimeoutMs: ctx.settings.connectTimeoutMs, timeoutMs: ctx.settings.requestTimeoutMs, log: (line) => ctx.log(line), enumerateSuites: true }),
    );
    ctx.attach({ name: 'CIP Security accepted TLS suites', contentType: 'text/csv', extension: 'csv', content: suitesCsv(analysis) });
    if (analysis.certificates.length > 0) {
      ctx.attach({ name: 'CIP Security certificate chain', contentType: 'application/x-pem-file', extension: 'pem', content: analysis.certificates.map((facts) => facts.pem).join('') });
    }
    const findings = assessCryptography(analysis);
    const versions = analysis.acceptedVersions.map(displayVersion).join(', ');
    const certificate = analysis.certificates[0] ? `; certificate ${certificateLine(analysis.certificates[0])}` : '';
    const details = { findings, analysis: analysisSummary(analysis), dtls: DTLS_NOTE };
    if (findings.problems.length > 0) return fail(`${label} ${findings.problems.join('; ')} (accepted versions: ${versions}${certificate})`, details);
    const staticNote = findings.staticKeyExchangeSuites.length ? `, ${findings.staticKeyExchangeSuites.length} without forward secrecy` : '';
    return pass(`${label} accepts ${versions} with ${analysis.suites.length} suite(s), none weak, forward secrecy offered${staticNote}${certificate}; ${DTLS_NOTE}`, details);
  },
});
