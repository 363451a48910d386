import { fail, pass, type CheckOutcome } from '../../core/check.js';
import { suiteWeaknesses } from './cipher-suites.js';
import { describeKey, sanMatchesHost, type CertificateFacts } from '../pki/inspect.js';
import type { TlsAnalysis } from './analyse.js';
import { displayVersion, TLS_VERSIONS, type TlsVersion } from './wire.js';

/**
 * The rules the TLS checks apply to an analysis, kept beside the analysis so every protocol that runs over TLS
 * (HTTPS, Modbus/TCP Security, OPC UA over HTTPS) judges it the same way.
 */

/** RFC 8996 deprecates TLS 1.0 and 1.1; SSL 3.0 was deprecated by RFC 7568. */
export const DEPRECATED_VERSIONS: readonly TlsVersion[] = ['SSLv3', 'TLSv1', 'TLSv1.1'];
export const MIN_RSA_BITS = 2048;
export const MIN_EC_BITS = 256;
export const MIN_DH_BITS = 2048;
const STRONG_HASHES = new Set(['SHA-256', 'SHA-384', 'SHA-512', 'intrinsic']);

export interface CryptographyFindings {
  deprecatedVersions: TlsVersion[];
  /** Each weak suite once, with the versions it was accepted at and why it is weak. */
  weakSuites: Array<{ name: string; versions: TlsVersion[]; reasons: string[] }>;
  forwardSecrecyOffered: boolean;
  /** Finite-field ephemeral groups below MIN_DH_BITS, e.g. "DH 1024-bit". */
  weakEphemeralKeys: string[];
  /** Accepted suites without forward secrecy (reported, not a failure on their own while FS is offered). */
  staticKeyExchangeSuites: string[];
  /** One line per problem, for the observed text. */
  problems: string[];
}

export function assessCryptography(analysis: TlsAnalysis): CryptographyFindings {
  const deprecatedVersions = analysis.acceptedVersions.filter((version) => DEPRECATED_VERSIONS.includes(version));
  const weak = new Map<string, { name: string; versions: TlsVersion[]; reasons: string[] }>();
  const weakEphemeral = new Set<string>();
  const staticSuites = new Set<string>();
  for (const suite of analysis.suites) {
    const reasons = suiteWeaknesses(suite);
    if (reasons.length > 0) {
      const entry = weak.get(suite.name) ?? { name: suite.name, versions: [], reasons };
      if (!entry.versions.includes(suite.version)) entry.versions.push(suite.version);
      entry.versions.sort((a, b) => TLS_VERSIONS.indexOf(a) - TLS_VERSIONS.indexOf(b));
      weak.set(suite.name, entry);
    }
    const dhBits = /^DH (\d+)-bit$/.exec(suite.ephemeralKey ?? '')?.[1];
    if (dhBits && Number(dhBits) < MIN_DH_BITS) weakEphemeral.add(suite.ephemeralKey!);
    if (!suite.forwardSecrecy) staticSuites.add(suite.name);
  }
  const weakSuites = [...weak.values()];
  const problems: string[] = [];
  if (deprecatedVersions.length > 0) problems.push(`accepts ${deprecatedVersions.map(displayVersion).join(', ')} (deprecated by RFC 8996)`);
  for (const suite of weakSuites) problems.push(`accepts ${suite.name} [${suite.reasons.join(', ')}] with ${suite.versions.map(displayVersion).join(', ')}`);
  const forwardSecrecyOffered = analysis.forwardSecrecy.offered;
  if (!forwardSecrecyOffered) problems.push('offers no suite with forward secrecy (no ECDHE, DHE or TLS 1.3 key exchange)');
  if (weakEphemeral.size > 0) problems.push(`uses ephemeral ${[...weakEphemeral].join(', ')} groups (below ${MIN_DH_BITS} bits)`);
  return { deprecatedVersions, weakSuites, forwardSecrecyOffered, weakEphemeralKeys: [...weakEphemeral], staticKeyExchangeSuites: [...staticSuites], problems };
}

/** "CN=device: RSA 1024-bit, sha1WithRSAEncryption, valid until 2024-01-01, SAN none" */
export function certificateLine(facts: CertificateFacts): string {
  const san = [...facts.san.dns.map((name) => `DNS:${name}`), ...facts.san.ips.map((ip) => `IP:${ip}`), ...facts.san.uris.map((uri) => `URI:${uri}`)];
  const validity = facts.validity === 'expired' ? `expired ${facts.notAfter.slice(0, 10)}` : facts.validity === 'not-yet-valid' ? `not valid before ${facts.notBefore.slice(0, 10)}` : `valid until ${facts.notAfter.slice(0, 10)}`;
  return `${facts.subject || '(empty subject)'}: ${describeKey(facts)}, ${facts.signatureAlgorithm}, ${validity}, SAN ${san.join(' ') || 'none'}`;
}

/** CR 1.9: key sizes and signature hashes of the presented chain. A self-signed CA's own signature is left out (trust anchors are not trusted for it). */
export function assessKeyStrength(certificates: CertificateFacts[]): string[] {
  const problems: string[] = [];
  certificates.forEach((facts, index) => {
    const role = index === 0 ? 'server certificate' : `chain certificate ${index} (${facts.subject})`;
    const bits = facts.keyBits ?? 0;
    if (['RSA', 'RSA-PSS', 'DSA'].includes(facts.keyType) && bits < MIN_RSA_BITS) problems.push(`${role} key is ${describeKey(facts)} (at least ${MIN_RSA_BITS}-bit required)`);
    else if (facts.keyType === 'EC' && bits < MIN_EC_BITS) problems.push(`${role} key is ${describeKey(facts)} (at least ${MIN_EC_BITS}-bit required)`);
    else if (!['RSA', 'RSA-PSS', 'DSA', 'EC', 'Ed25519', 'Ed448'].includes(facts.keyType)) problems.push(`${role} has a key of unknown type ${facts.keyType}`);
    const trustAnchor = index > 0 && facts.selfSigned;
    if (!trustAnchor && !STRONG_HASHES.has(facts.signatureHash)) problems.push(`${role} is signed with ${facts.signatureAlgorithm} (${facts.signatureHash}; SHA-256 or stronger required)`);
  });
  return problems;
}

/** The CR 1.9 verdict on the chain a TLS service presented, as every check of a service over TLS words it. */
export function keyStrengthOutcome(label: string, analysis: TlsAnalysis): CheckOutcome {
  if (analysis.certificates.length === 0) throw new Error(`${label} presented no certificate that could be read, so key strength cannot be judged`);
  const problems = assessKeyStrength(analysis.certificates);
  const chain = analysis.certificates.map(certificateLine).join(' ← ');
  const versions = analysis.acceptedVersions.map(displayVersion).join(', ');
  const details = { service: label, problems, certificates: analysis.certificates.map(({ pem: _pem, ...facts }) => facts) };
  if (problems.length > 0) return fail(`${label}: ${problems.join('; ')} (chain: ${chain}; accepted versions: ${versions})`, details);
  return pass(`${label}: ${chain}`, details);
}

/** CR 1.2: the server certificate identifies this host now. */
export function assessIdentity(certificates: CertificateFacts[], host: string): string[] {
  const leaf = certificates[0];
  if (!leaf) return ['the server presented no certificate'];
  const problems: string[] = [];
  if (leaf.validity === 'expired') problems.push(`the server certificate expired on ${leaf.notAfter}`);
  if (leaf.validity === 'not-yet-valid') problems.push(`the server certificate is not valid before ${leaf.notBefore}`);
  const entries = leaf.san.dns.length + leaf.san.ips.length + leaf.san.uris.length;
  if (entries === 0) problems.push(`the server certificate has no subjectAltName, so it cannot name ${host}`);
  else if (!sanMatchesHost(leaf.pem, host)) {
    const listed = [...leaf.san.dns.map((name) => `DNS:${name}`), ...leaf.san.ips.map((ip) => `IP:${ip}`), ...leaf.san.uris.map((uri) => `URI:${uri}`)].join(' ');
    problems.push(`the server certificate's subjectAltName (${listed}) does not name ${host}`);
  }
  return problems;
}
