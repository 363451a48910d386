import { defineCheck, fail, pass } from '../../core/check.js';
import { assessIdentity, certificateLine, verifyChain } from '../../adapters/tls/index.js';
import { analyseInterfaceService, tlsServiceOf, trustAnchorsOf } from '../../adapters/tls/services.js';

export default defineCheck({
  id: 'tls.certificate.identifies-host',
  requirement: 'CR 1.2',
  sl: [2, 3, 4],
  protocol: 'tls',
  disruptive: false,
  title: 'TLS server certificates identify the device, are within validity and chain to the named CA',
  expectation:
    "The TLS service presents a certificate that is valid now, names the device's address or host name in its subjectAltName, and chains to the CA the profile names (caCertificate); without that CA the chain is described, not judged",
  timeoutMs: 90_000,
  async run(ctx) {
    const service = tlsServiceOf(ctx.interface);
    const index = (ctx.profile.endpoints.tls ?? []).indexOf(service);
    const anchors = trustAnchorsOf(service, index >= 0 ? index : undefined);
    const { label, analysis } = await analyseInterfaceService(ctx, { enumerateSuites: false });
    const problems = assessIdentity(analysis.certificates, ctx.host);
    const leaf = analysis.certificates[0];
    const chain = anchors ? verifyChain(analysis.certificates, anchors) : undefined;
    // Trust is a vendor's statement: without the CA it names, a self-signed or CA-issued certificate is only described.
    let trust: string;
    if (chain?.verified) trust = `chain verified to the profile's CA ${chain.anchor} (${chain.path.join(' ← ')})`;
    else if (chain) {
      trust = `chain not verified to the profile's CA: ${chain.problem}`;
      problems.push(`the certificate does not chain to the profile's CA: ${chain.problem}`);
    } else trust = leaf?.selfSigned ? 'self-signed, trust not checked' : 'chain not verified: no caCertificate in the profile';
    ctx.log(`trust: ${trust}`);
    const details = { service: label, problems, trust, chain, certificate: leaf && { ...leaf, pem: undefined } };
    if (problems.length > 0) return fail(`${label}: ${problems.join('; ')}${leaf ? ` (${certificateLine(leaf)}; ${chain ? `path ${chain.path.join(' ← ')}` : trust})` : ''}`, details);
    return pass(`${label}: ${certificateLine(leaf!)} names ${ctx.host}; ${trust}`, details);
  },
});
