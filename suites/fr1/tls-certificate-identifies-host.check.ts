import { defineCheck, fail, pass } from '../../core/check.js';
import { assessIdentity, certificateLine } from '../../adapters/tls/index.js';
import { analyseInterfaceService } from '../../adapters/tls/services.js';

export default defineCheck({
  id: 'tls.certificate.identifies-host',
  requirement: 'CR 1.2',
  sl: [2, 3, 4],
  protocol: 'tls',
  disruptive: false,
  title: 'TLS server certificates identify the device and are within validity',
  expectation: "The TLS service presents a certificate that is valid now and names the device's address or host name in its subjectAltName",
  timeoutMs: 90_000,
  async run(ctx) {
    const { label, analysis } = await analyseInterfaceService(ctx, { enumerateSuites: false });
    const problems = assessIdentity(analysis.certificates, ctx.host);
    const leaf = analysis.certificates[0];
    const details = { service: label, problems, certificate: leaf && { ...leaf, pem: undefined } };
    if (problems.length > 0) return fail(`${label}: ${problems.join('; ')}${leaf ? ` (${certificateLine(leaf)})` : ''}`, details);
    return pass(`${label}: ${certificateLine(leaf!)} names ${ctx.host}`, details);
  },
});
