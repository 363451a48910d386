import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';

/**
 * Facts about one X.509 certificate, for every interface that presents one (a TLS service's chain, an OPC UA
 * application certificate): read with Node's X509Certificate (which handles RSA, EC and EdDSA keys alike) plus a few
 * lines of DER reading for the signature algorithm and the key usages, which Node 20 does not expose.
 */

export interface CertificateFacts {
  subject: string;
  issuer: string;
  serialNumber: string;
  selfSigned: boolean;
  notBefore: string;
  notAfter: string;
  /** Relative to the moment of inspection. */
  validity: 'valid' | 'expired' | 'not-yet-valid';
  keyType: string;
  /** RSA/DSA modulus length, EC curve size; undefined when unknown. */
  keyBits?: number;
  curve?: string;
  signatureAlgorithm: string;
  signatureAlgorithmOid: string;
  /** Hash of the signature: "SHA-1", "SHA-256", "intrinsic" for EdDSA. */
  signatureHash: string;
  san: { dns: string[]; ips: string[]; uris: string[] };
  /** Key usage bits by name: "digitalSignature", "keyEncipherment", … (empty when the extension is absent). */
  keyUsage: string[];
  /** Extended key usages: "serverAuth", "clientAuth", or the OID. */
  extendedKeyUsage: string[];
  fingerprintSha256: string;
  /** SHA-1 thumbprint, upper-case hex without separators, as OPC UA trust lists name certificates. */
  thumbprint: string;
  pem: string;
}

const SIGNATURE_ALGORITHMS: Record<string, { name: string; hash: string }> = {
  '1.2.840.113549.1.1.2': { name: 'md2WithRSAEncryption', hash: 'MD2' },
  '1.2.840.113549.1.1.4': { name: 'md5WithRSAEncryption', hash: 'MD5' },
  '1.2.840.113549.1.1.5': { name: 'sha1WithRSAEncryption', hash: 'SHA-1' },
  '1.2.840.113549.1.1.14': { name: 'sha224WithRSAEncryption', hash: 'SHA-224' },
  '1.2.840.113549.1.1.11': { name: 'sha256WithRSAEncryption', hash: 'SHA-256' },
  '1.2.840.113549.1.1.12': { name: 'sha384WithRSAEncryption', hash: 'SHA-384' },
  '1.2.840.113549.1.1.13': { name: 'sha512WithRSAEncryption', hash: 'SHA-512' },
  '1.2.840.113549.1.1.10': { name: 'rsassaPss', hash: 'SHA-1' },
  '1.2.840.10045.4.1': { name: 'ecdsa-with-SHA1', hash: 'SHA-1' },
  '1.2.840.10045.4.3.1': { name: 'ecdsa-with-SHA224', hash: 'SHA-224' },
  '1.2.840.10045.4.3.2': { name: 'ecdsa-with-SHA256', hash: 'SHA-256' },
  '1.2.840.10045.4.3.3': { name: 'ecdsa-with-SHA384', hash: 'SHA-384' },
  '1.2.840.10045.4.3.4': { name: 'ecdsa-with-SHA512', hash: 'SHA-512' },
  '1.2.840.10040.4.3': { name: 'dsa-with-sha1', hash: 'SHA-1' },
  '2.16.840.1.101.3.4.3.2': { name: 'dsa-with-sha256', hash: 'SHA-256' },
  '1.3.101.112': { name: 'Ed25519', hash: 'intrinsic' },
  '1.3.101.113': { name: 'Ed448', hash: 'intrinsic' },
};

const HASH_OIDS: Record<string, string> = {
  '1.3.14.3.2.26': 'SHA-1',
  '2.16.840.1.101.3.4.2.4': 'SHA-224',
  '2.16.840.1.101.3.4.2.1': 'SHA-256',
  '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
};

const CURVE_BITS: Record<string, number> = {
  prime256v1: 256,
  'P-256': 256,
  secp256k1: 256,
  secp384r1: 384,
  'P-384': 384,
  secp521r1: 521,
  'P-521': 521,
  secp224r1: 224,
  prime192v1: 192,
  brainpoolP256r1: 256,
  brainpoolP384r1: 384,
  brainpoolP512r1: 512,
};

const KEY_USAGE_BITS = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly'];
const EXTENDED_KEY_USAGES: Record<string, string> = { '1.3.6.1.5.5.7.3.1': 'serverAuth', '1.3.6.1.5.5.7.3.2': 'clientAuth' };

const KEY_TYPES: Record<string, string> = { rsa: 'RSA', 'rsa-pss': 'RSA-PSS', dsa: 'DSA', ec: 'EC', ed25519: 'Ed25519', ed448: 'Ed448' };

interface DerNode {
  tag: number;
  /** Offset of the content within the whole buffer. */
  start: number;
  end: number;
}

function readNode(der: Buffer, offset: number): DerNode {
  if (offset + 2 > der.length) throw new Error('truncated DER');
  const tag = der[offset]!;
  let length = der[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || start + count > der.length) throw new Error('unsupported DER length');
    length = der.readUIntBE(start, count);
    start += count;
  }
  if (start + length > der.length) throw new Error('truncated DER');
  return { tag, start, end: start + length };
}

function children(der: Buffer, node: DerNode): DerNode[] {
  const nodes: DerNode[] = [];
  for (let offset = node.start; offset < node.end; ) {
    const child = readNode(der, offset);
    nodes.push(child);
    offset = child.end;
  }
  return nodes;
}

function decodeOid(bytes: Buffer): string {
  const parts: number[] = [];
  let value = 0;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      if (parts.length === 0) parts.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

/** The outer signatureAlgorithm of a certificate, with the PSS hash read from its parameters. */
export function signatureAlgorithmOf(der: Buffer): { oid: string; name: string; hash: string } {
  const certificate = readNode(der, 0);
  const [, algorithm] = children(der, certificate);
  if (!algorithm) throw new Error('certificate without signatureAlgorithm');
  const [oidNode, parameters] = children(der, algorithm);
  const oid = decodeOid(der.subarray(oidNode!.start, oidNode!.end));
  const known = SIGNATURE_ALGORITHMS[oid] ?? { name: oid, hash: 'unknown' };
  if (oid === '1.2.840.113549.1.1.10' && parameters && parameters.tag === 0x30) {
    // RSASSA-PSS-params: [0] hashAlgorithm AlgorithmIdentifier, absent means SHA-1.
    const hashField = children(der, parameters).find((node) => node.tag === 0xa0);
    if (hashField) {
      const [identifier] = children(der, hashField);
      const [hashOid] = identifier ? children(der, identifier) : [];
      if (hashOid) {
        const hash = HASH_OIDS[decodeOid(der.subarray(hashOid.start, hashOid.end))] ?? 'unknown';
        return { oid, name: `rsassaPss with ${hash}`, hash };
      }
    }
  }
  return { oid, ...known };
}

/** Key usage (2.5.29.15) and extended key usage (2.5.29.37) from the extensions of tbsCertificate. */
function usagesOf(der: Buffer): { keyUsage: string[]; extendedKeyUsage: string[] } {
  const result = { keyUsage: [] as string[], extendedKeyUsage: [] as string[] };
  const [tbs] = children(der, readNode(der, 0));
  const extensionsField = tbs ? children(der, tbs).find((node) => node.tag === 0xa3) : undefined;
  const [extensions] = extensionsField ? children(der, extensionsField) : [];
  for (const extension of extensions ? children(der, extensions) : []) {
    const parts = children(der, extension);
    const oid = decodeOid(der.subarray(parts[0]!.start, parts[0]!.end));
    const value = parts.at(-1)!;
    if (oid === '2.5.29.15') {
      const bits = readNode(der, value.start);
      const unused = der[bits.start]!;
      const totalBits = (bits.end - bits.start - 1) * 8 - unused;
      for (let bit = 0; bit < totalBits && bit < KEY_USAGE_BITS.length; bit++) {
        if ((der[bits.start + 1 + (bit >> 3)]! >> (7 - (bit & 7))) & 1) result.keyUsage.push(KEY_USAGE_BITS[bit]!);
      }
    } else if (oid === '2.5.29.37') {
      for (const purpose of children(der, readNode(der, value.start))) {
        const purposeOid = decodeOid(der.subarray(purpose.start, purpose.end));
        result.extendedKeyUsage.push(EXTENDED_KEY_USAGES[purposeOid] ?? purposeOid);
      }
    }
  }
  return result;
}

function parseSubjectAltName(text: string | undefined): CertificateFacts['san'] {
  const san: CertificateFacts['san'] = { dns: [], ips: [], uris: [] };
  if (!text) return san;
  // Node writes "DNS:a, IP Address:1.2.3.4, URI:urn:x"; values with commas are quoted JSON strings.
  for (const match of text.matchAll(/(DNS|IP Address|URI):("(?:[^"\\]|\\.)*"|[^,]*)/g)) {
    const raw = match[2]!.trim();
    const value = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
    if (match[1] === 'DNS') san.dns.push(value);
    else if (match[1] === 'IP Address') san.ips.push(value);
    else san.uris.push(value);
  }
  return san;
}

const NAME_ATTRIBUTES: Record<string, string> = { '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.10': 'O', '2.5.4.11': 'OU', '0.9.2342.19200300.100.1.25': 'DC' };

/** A DER Name (as a CertificateRequest lists them) as "CN=Device CA, O=Vendor". */
export function distinguishedNameText(der: Buffer): string {
  try {
    const name = readNode(der, 0);
    const parts: string[] = [];
    for (const set of children(der, name)) {
      for (const attribute of children(der, set)) {
        const [type, value] = children(der, attribute);
        if (!type || !value) continue;
        const oid = decodeOid(der.subarray(type.start, type.end));
        parts.push(`${NAME_ATTRIBUTES[oid] ?? oid}=${der.subarray(value.start, value.end).toString(value.tag === 0x1e ? 'utf16le' : 'utf8')}`);
      }
    }
    return parts.join(', ');
  } catch {
    return `unreadable name (${der.length} bytes)`;
  }
}

const oneLine = (name: string) => name.split('\n').filter(Boolean).join(', ');

export function describeCertificate(der: Buffer, now: Date = new Date()): CertificateFacts {
  const certificate = new X509Certificate(der);
  const key = certificate.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  const keyType = KEY_TYPES[key.asymmetricKeyType ?? ''] ?? key.asymmetricKeyType ?? 'unknown';
  let keyBits = details.modulusLength;
  const curve = details.namedCurve;
  if (curve) keyBits = CURVE_BITS[curve];
  if (keyType === 'Ed25519') keyBits = 256;
  if (keyType === 'Ed448') keyBits = 456;
  const notBefore = new Date(certificate.validFrom);
  const notAfter = new Date(certificate.validTo);
  const signature = signatureAlgorithmOf(der);
  const selfSigned = certificate.subject === certificate.issuer && safeVerify(certificate);
  return {
    subject: oneLine(certificate.subject),
    issuer: oneLine(certificate.issuer),
    serialNumber: certificate.serialNumber,
    selfSigned,
    notBefore: notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    validity: now < notBefore ? 'not-yet-valid' : now > notAfter ? 'expired' : 'valid',
    keyType,
    keyBits,
    curve,
    signatureAlgorithm: signature.name,
    signatureAlgorithmOid: signature.oid,
    signatureHash: signature.hash,
    san: parseSubjectAltName(certificate.subjectAltName),
    ...usagesOf(der),
    fingerprintSha256: certificate.fingerprint256,
    thumbprint: certificate.fingerprint.replace(/:/g, ''),
    pem: certificate.toString(),
  };
}

function safeVerify(certificate: X509Certificate): boolean {
  try {
    return certificate.verify(certificate.publicKey);
  } catch {
    return false;
  }
}

/** "RSA 2048-bit", "EC 256-bit (prime256v1)". */
export function describeKey(facts: Pick<CertificateFacts, 'keyType' | 'keyBits' | 'curve'>): string {
  return `${facts.keyType} ${facts.keyBits ?? '?'}-bit${facts.curve ? ` (${facts.curve})` : ''}`;
}

/** Whether the SAN names the host: an IP address must be an IP entry, a name a DNS entry (wildcards per RFC 6125). */
export function sanMatchesHost(certificatePemOrDer: string | Buffer, host: string): boolean {
  const certificate = new X509Certificate(certificatePemOrDer);
  if (isIP(host)) return certificate.checkIP(host) !== undefined;
  return certificate.checkHost(host, { subject: 'never' }) !== undefined;
}

/**
 * Follows the presented chain from the leaf by issuer name. A chain that comes back to a certificate it already
 * passed (A issued by B, B issued by A) cannot lead to a trust anchor; describing it as if it did would be wrong.
 * Returns the loop as text, or undefined for a chain that ends (self-signed root, or an issuer not presented).
 */
export function chainLoop(chain: CertificateFacts[]): string | undefined {
  if (chain.length === 0) return undefined;
  const seen = new Set<string>();
  const path: string[] = [];
  let current: CertificateFacts | undefined = chain[0];
  while (current) {
    if (seen.has(current.fingerprintSha256)) return [...path, current.subject].join(' → ');
    seen.add(current.fingerprintSha256);
    path.push(current.subject);
    if (current.selfSigned) return undefined;
    const issuer: string = current.issuer;
    current = chain.find((candidate) => candidate.subject === issuer);
  }
  return undefined;
}

/** The first certificate of a DER chain (OPC UA endpoints may send the leaf followed by its issuers). */
export function firstCertificateOfChain(der: Buffer): Buffer {
  if (der.length < 4 || der[0] !== 0x30) return der;
  try {
    return der.subarray(0, readNode(der, 0).end);
  } catch {
    return der;
  }
}

/** PEM for a certificate given as PEM or DER bytes. */
export function certificateToPem(content: Buffer | string): string {
  const text = Buffer.isBuffer(content) ? content.toString('latin1') : content;
  if (text.includes('-----BEGIN CERTIFICATE-----')) return text;
  const der = Buffer.isBuffer(content) ? content : Buffer.from(content, 'latin1');
  return new X509Certificate(der).toString();
}

/** Whether a presented chain leads to a trust anchor the profile names, and the path it took. */
export interface ChainVerification {
  verified: boolean;
  /** Subjects from the server certificate up to the anchor (or as far as the chain went). */
  path: string[];
  /** The anchor reached, or the anchors that were looked for. */
  anchor: string;
  problem?: string;
}

/** The certificates of a PEM bundle, in order. */
export function certificatesOfPem(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((block) => new X509Certificate(block));
}

const issuedBy = (subject: X509Certificate, issuer: X509Certificate): boolean => {
  try {
    return subject.checkIssued(issuer) && subject.verify(issuer.publicKey);
  } catch {
    return false;
  }
};

const validNow = (certificate: X509Certificate, now: Date): boolean => now >= new Date(certificate.validFrom) && now <= new Date(certificate.validTo);

/**
 * Walks from the server certificate through the certificates it presented to one of the anchors, checking each
 * signature and the validity of every CA on the way (the server certificate's own validity is judged elsewhere). Name
 * and key-usage constraints beyond the issuer match are left to the device's clients; this answers "does the chain end
 * at the CA the vendor names".
 */
export function verifyChain(presented: CertificateFacts[], anchors: X509Certificate[], now: Date = new Date()): ChainVerification {
  const anchorNames = anchors.map((anchor) => oneLine(anchor.subject)).join(' or ');
  if (presented.length === 0) return { verified: false, path: [], anchor: anchorNames, problem: 'the server presented no certificate' };
  const chain = presented.map((facts) => new X509Certificate(facts.pem));
  const path: string[] = [];
  const used = new Set<string>();
  let current = chain[0]!;
  for (let depth = 0; depth < 10; depth++) {
    path.push(oneLine(current.subject));
    used.add(current.fingerprint256);
    if (anchors.some((anchor) => anchor.fingerprint256 === current.fingerprint256)) return { verified: true, path, anchor: oneLine(current.subject) };
    const anchor = anchors.find((candidate) => issuedBy(current, candidate));
    if (anchor) {
      path.push(oneLine(anchor.subject));
      if (!validNow(anchor, now)) return { verified: false, path, anchor: oneLine(anchor.subject), problem: `the profile's CA ${oneLine(anchor.subject)} is valid only from ${anchor.validFrom} to ${anchor.validTo}` };
      return { verified: true, path, anchor: oneLine(anchor.subject) };
    }
    const next = chain.find((candidate) => !used.has(candidate.fingerprint256) && candidate.ca && issuedBy(current, candidate));
    if (!next) {
      const selfSigned = current.subject === current.issuer && safeVerify(current);
      return {
        verified: false,
        path,
        anchor: anchorNames,
        problem: selfSigned
          ? `it ends at the self-signed ${oneLine(current.subject)}, not at the profile's CA (${anchorNames})`
          : `${oneLine(current.subject)} is issued by ${oneLine(current.issuer)}, which is neither the profile's CA (${anchorNames}) nor a CA certificate the server presented`,
      };
    }
    if (!validNow(next, now)) return { verified: false, path: [...path, oneLine(next.subject)], anchor: anchorNames, problem: `intermediate CA ${oneLine(next.subject)} is valid only from ${next.validFrom} to ${next.validTo}` };
    current = next;
  }
  return { verified: false, path, anchor: anchorNames, problem: 'the chain is longer than 10 certificates' };
}
