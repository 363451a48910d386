import { defineCheck, fail, pass } from '../../core/check.js';
import { analyseTls, analysisSummary, assessCryptography, certificateLine, displayVersion, suitesCsv } from '../../adapters/tls/index.js';

export default defineCheck({
  id: 'modbus-tls.cryptography.versions-and-suites',
  requirement: 'CR 4.3',
  sl: [1, 2, 3, 4],
  protocol: 'modbus-tls',
  disruptive: false,
  title: 'Modbus/TCP Security accepts only current TLS versions and strong cipher suites',
  expectation:
    'The Modbus/TCP Security port refuses SSL 3.0, TLS 1.0 and 1.1 and every NULL, EXPORT, RC4, 3DES/64-bit-block and anonymous suite, and offers forward secrecy',
  timeoutMs: 180_000,
  async run(ctx) {
    const port = ctx.profile.endpoints.modbus!.port;
    const label = `Modbus/TCP Security (${ctx.host}:${port})`;
    const analysis = await ctx.step(`TLS analysis of ${label}`, () =>
      analyseTls({
        host: ctx.host,
        port,
        signal: ctx.signal,
        connectTimeoutMs: ctx.settings.connectTimeoutMs,
        timeoutMs: ctx.settings.requestTimeoutMs,
        log: (line) => ctx.log(line),
        enumerateSuites: true,
      }),
    );
    ctx.attach({ name: 'Modbus/TCP Security accepted TLS suites', contentType: 'text/csv', extension: 'csv', content: suitesCsv(analysis) });
    if (analysis.certificates.length > 0) {
      ctx.attach({ name: 'Modbus/TCP Security certificate chain', contentType: 'application/x-pem-file', extension: 'pem', content: analysis.certificates.map((facts) => facts.pem).join('') });
    }
    const findings = assessCryptography(analysis);
    const versions = analysis.acceptedVersions.map(displayVersion).join(', ');
    const certificate = analysis.certificates[0] ? `; certificate ${certificateLine(analysis.certificates[0])}` : '';
    const details = { findings, analysis: analysisSummary(analysis) };
    if (findings.problems.length > 0) return fail(`${label} ${findings.problems.join('; ')} (accepted versions: ${versions}${certificate})`, details);
    const staticNote = findings.staticKeyExchangeSuites.length ? `, ${findings.staticKeyExchangeSuites.length} without forward secrecy` : '';
    return pass(`${label} accepts ${versions} with ${analysis.suites.length} suite(s), none weak, forward secrecy offered${staticNote}${certificate}`, details);
  },
});
