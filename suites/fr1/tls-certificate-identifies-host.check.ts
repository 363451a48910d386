import { defineCheck, fail, pass } from '../../core/check.js';
import { assessIdentity, certificateLine } from '../../adapters/tls/index.js';
import { analyseDeclaredServices } from '../../adapters/tls/services.js';

export default defineCheck({
  id: 'tls.certificate.identifies-host',
  requirement: 'CR 1.2',
  sl: [2, 3, 4],
  protocol: 'tls',
  disruptive: false,
  title: 'TLS server certificates identify the device and are within validity',
  expectation: "Every TLS service presents a certificate that is valid now and names the device's address or host name in its subjectAltName",
  timeoutMs: 90_000,
  async run(ctx) {
    const analysed = await analyseDeclaredServices(ctx, { enumerateSuites: false });
    const failures: string[] = [];
    const summaries: string[] = [];
    const details = [];
    for (const { label, analysis } of analysed) {
      const problems = assessIdentity(analysis.certificates, ctx.host);
      const leaf = analysis.certificates[0];
      if (problems.length > 0) failures.push(`${label}: ${problems.join('; ')}${leaf ? ` (${certificateLine(leaf)})` : ''}`);
      else summaries.push(`${label}: ${certificateLine(leaf!)} names ${ctx.host}`);
      details.push({ service: label, problems, certificate: leaf && { ...leaf, pem: undefined } });
    }
    if (failures.length > 0) return fail(failures.join(' | '), details);
    return pass(summaries.join(' | '), details);
  },
});
