import forge from 'node-forge';
import { X509Certificate } from 'node:crypto';

/**
 * Reads what a strength check needs from any X.509 certificate, RSA or EC. Node's X509Certificate gives key and
 * validity; the signature algorithm and the key-usage bits come from the DER itself (node-forge's certificate
 * reader rejects EC keys, its ASN.1 reader does not).
 */

export interface CertificateFacts {
  subject: string;
  issuer: string;
  selfIssued: boolean;
  keyType: string;
  /** RSA modulus length or EC field size in bits. */
  keyBits?: number;
  curve?: string;
  signatureAlgorithm: string;
  /** Hash of the signature: sha1, sha256, ..., or "unknown". */
  signatureHash: string;
  notBefore: Date;
  notAfter: Date;
  sanUris: string[];
  sanDns: string[];
  sanIps: string[];
  keyUsage: string[];
  extendedKeyUsage: string[];
  /** SHA-1 thumbprint, upper-case hex. */
  thumbprint: string;
}

const SIGNATURE_ALGORITHMS: Record<string, { name: string; hash: string }> = {
  '1.2.840.113549.1.1.4': { name: 'md5WithRSAEncryption', hash: 'md5' },
  '1.2.840.113549.1.1.5': { name: 'sha1WithRSAEncryption', hash: 'sha1' },
  '1.2.840.113549.1.1.11': { name: 'sha256WithRSAEncryption', hash: 'sha256' },
  '1.2.840.113549.1.1.12': { name: 'sha384WithRSAEncryption', hash: 'sha384' },
  '1.2.840.113549.1.1.13': { name: 'sha512WithRSAEncryption', hash: 'sha512' },
  '1.2.840.113549.1.1.10': { name: 'rsassaPss', hash: 'sha256' },
  '1.2.840.10045.4.1': { name: 'ecdsaWithSHA1', hash: 'sha1' },
  '1.2.840.10045.4.3.2': { name: 'ecdsaWithSHA256', hash: 'sha256' },
  '1.2.840.10045.4.3.3': { name: 'ecdsaWithSHA384', hash: 'sha384' },
  '1.2.840.10045.4.3.4': { name: 'ecdsaWithSHA512', hash: 'sha512' },
};

const KEY_USAGE_BITS = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly'];
const EXTENDED_KEY_USAGES: Record<string, string> = { '1.3.6.1.5.5.7.3.1': 'serverAuth', '1.3.6.1.5.5.7.3.2': 'clientAuth' };
const CURVE_BITS: Record<string, number> = { prime256v1: 256, 'P-256': 256, secp384r1: 384, 'P-384': 384, secp521r1: 521, 'P-521': 521, brainpoolP256r1: 256, brainpoolP384r1: 384 };

type Asn1 = forge.asn1.Asn1;
const children = (node: Asn1 | undefined): Asn1[] => (node && Array.isArray(node.value) ? (node.value as Asn1[]) : []);

function keyUsageFromDer(tbs: Asn1): { keyUsage: string[]; extendedKeyUsage: string[] } {
  const result = { keyUsage: [] as string[], extendedKeyUsage: [] as string[] };
  const extensionsWrapper = children(tbs).find((node) => node.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && node.type === 3);
  for (const extension of children(children(extensionsWrapper)[0])) {
    const parts = children(extension);
    const oid = forge.asn1.derToOid(parts[0]!.value as string);
    const octets = parts[parts.length - 1]!.value as string;
    if (oid === '2.5.29.15') {
      const bitString = forge.asn1.fromDer(octets).value as string;
      const unused = bitString.charCodeAt(0);
      const bytes = [...bitString.slice(1)].map((char) => char.charCodeAt(0));
      const totalBits = bytes.length * 8 - unused;
      for (let bit = 0; bit < totalBits && bit < KEY_USAGE_BITS.length; bit++) {
        if ((bytes[bit >> 3]! >> (7 - (bit & 7))) & 1) result.keyUsage.push(KEY_USAGE_BITS[bit]!);
      }
    } else if (oid === '2.5.29.37') {
      for (const purpose of children(forge.asn1.fromDer(octets))) {
        const purposeOid = forge.asn1.derToOid(purpose.value as string);
        result.extendedKeyUsage.push(EXTENDED_KEY_USAGES[purposeOid] ?? purposeOid);
      }
    }
  }
  return result;
}

function splitAltNames(text: string | undefined): { uris: string[]; dns: string[]; ips: string[] } {
  const out = { uris: [] as string[], dns: [] as string[], ips: [] as string[] };
  for (const part of (text ?? '').split(/,\s*/)) {
    const [kind, ...rest] = part.split(':');
    const value = rest.join(':');
    if (kind === 'URI') out.uris.push(value);
    else if (kind === 'DNS') out.dns.push(value);
    else if (kind === 'IP Address') out.ips.push(value);
  }
  return out;
}

export function inspectCertificate(der: Buffer): CertificateFacts {
  const x509 = new X509Certificate(der);
  const root = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
  const [tbs, signatureAlgorithmNode] = children(root);
  const signatureOid = forge.asn1.derToOid(children(signatureAlgorithmNode)[0]!.value as string);
  const signature = SIGNATURE_ALGORITHMS[signatureOid] ?? { name: signatureOid, hash: 'unknown' };
  const details = x509.publicKey.asymmetricKeyDetails ?? {};
  const keyType = x509.publicKey.asymmetricKeyType ?? 'unknown';
  const curve = details.namedCurve;
  const keyBits = details.modulusLength ?? (curve ? CURVE_BITS[curve] : undefined);
  const alt = splitAltNames(x509.subjectAltName);
  return {
    subject: x509.subject.replace(/\n/g, ', '),
    issuer: x509.issuer.replace(/\n/g, ', '),
    selfIssued: x509.subject === x509.issuer,
    keyType,
    keyBits,
    curve,
    signatureAlgorithm: signature.name,
    signatureHash: signature.hash,
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    sanUris: alt.uris,
    sanDns: alt.dns,
    sanIps: alt.ips,
    ...keyUsageFromDer(tbs!),
    thumbprint: x509.fingerprint.replace(/:/g, ''),
  };
}

/** The first certificate of a DER chain (OPC UA endpoints may send the leaf followed by its issuers). */
export function firstCertificateOfChain(der: Buffer): Buffer {
  if (der.length < 4 || der[0] !== 0x30) return der;
  let length = der[1]!;
  let offset = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    length = 0;
    for (let i = 0; i < count; i++) length = (length << 8) | der[2 + i]!;
    offset = 2 + count;
  }
  return der.subarray(0, Math.min(der.length, offset + length));
}

/** PEM for a certificate given as PEM or DER bytes. */
export function certificateToPem(content: Buffer | string): string {
  const text = Buffer.isBuffer(content) ? content.toString('latin1') : content;
  if (text.includes('-----BEGIN CERTIFICATE-----')) return text;
  const der = Buffer.isBuffer(content) ? content : Buffer.from(content, 'latin1');
  return new X509Certificate(der).toString();
}
