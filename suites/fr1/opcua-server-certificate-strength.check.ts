import { defineCheck, fail, pass } from '../../core/check.js';
import { describeCertificate } from '../../adapters/pki/inspect.js';
import { opcuaTarget } from '../../adapters/opcua/target.js';

const STRONG_HASHES = ['SHA-256', 'SHA-384', 'SHA-512'];

export default defineCheck({
  id: 'opcua.public-key.server-certificate-strength',
  requirement: 'CR 1.9',
  sl: [2, 3, 4],
  protocol: 'opcua',
  disruptive: false,
  title: 'OPC UA server certificates use strong keys and signatures',
  expectation: 'Every endpoint certificate has an RSA key of at least 2048 bits (or EC of at least 256), a SHA-256 or stronger signature, current validity and key usage fit for signing and key transport',
  timeoutMs: 30_000,
  async run(ctx) {
    const target = opcuaTarget(ctx);
    try {
      const inventory = await target.inventory();
      const byThumbprint = new Map<string, { facts: ReturnType<typeof describeCertificate>; endpoints: string[] }>();
      for (const endpoint of inventory.endpoints) {
        if (!endpoint.serverCertificateDer) continue;
        const facts = describeCertificate(endpoint.serverCertificateDer);
        const entry = byThumbprint.get(facts.thumbprint) ?? { facts, endpoints: [] };
        entry.endpoints.push(`${endpoint.securityMode}/${endpoint.securityPolicy}`);
        byThumbprint.set(facts.thumbprint, entry);
      }
      if (byThumbprint.size === 0) return fail('no endpoint presents an application certificate', { endpoints: inventory.endpoints.length });
      const problems: string[] = [];
      const certificates = [...byThumbprint.values()].map(({ facts, endpoints }) => {
        const own: string[] = [];
        const minimum = facts.keyType === 'EC' ? 256 : 2048;
        if (!['RSA', 'RSA-PSS', 'EC'].includes(facts.keyType)) own.push(`key type ${facts.keyType}`);
        else if ((facts.keyBits ?? 0) < minimum) own.push(`${facts.keyType.toUpperCase()} key of ${facts.keyBits ?? '?'} bits (< ${minimum})`);
        if (!STRONG_HASHES.includes(facts.signatureHash)) own.push(`signature ${facts.signatureAlgorithm}`);
        if (facts.validity === 'not-yet-valid') own.push(`not valid before ${facts.notBefore}`);
        if (facts.validity === 'expired') own.push(`expired ${facts.notAfter}`);
        const needed = facts.keyType === 'EC' ? ['digitalSignature'] : ['digitalSignature', 'keyEncipherment'];
        const missing = needed.filter((usage) => !facts.keyUsage.includes(usage));
        if (missing.length > 0) own.push(`key usage lacks ${missing.join(', ')}`);
        problems.push(...own.map((problem) => `${facts.subject}: ${problem}`));
        return { thumbprint: facts.thumbprint, subject: facts.subject, keyType: facts.keyType, keyBits: facts.keyBits, signatureAlgorithm: facts.signatureAlgorithm, notBefore: facts.notBefore, notAfter: facts.notAfter, keyUsage: facts.keyUsage, endpoints, problems: own };
      });
      const details = { certificates };
      if (problems.length > 0) return fail(problems.join('; '), details);
      const first = certificates[0]!;
      return pass(`${certificates.length} endpoint certificate${certificates.length > 1 ? 's' : ''}: ${first.keyType.toUpperCase()} ${first.keyBits} bits, ${first.signatureAlgorithm}, valid until ${first.notAfter.slice(0, 10)}, key usage ${first.keyUsage.join(', ')}`, details);
    } finally {
      target.attachTranscript();
    }
  },
});
