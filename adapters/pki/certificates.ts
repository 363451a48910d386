import forge from 'node-forge';
import { createSign, generateKeyPairSync, X509Certificate } from 'node:crypto';

/**
 * Test PKI: certificates and CRLs built with node-forge for simulators and negative test cases.
 * Keys come from Node's native generator (forge's pure-JS RSA generation is far too slow for 1024+ bits).
 */

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
  certDer: Buffer;
  serialNumber: string;
  /** SHA-1 thumbprint, upper-case hex, as OPC UA trust lists name certificates. */
  thumbprint: string;
}

export interface CertificateSpec {
  commonName: string;
  organization?: string;
  keyBits?: number;
  hash?: 'sha1' | 'sha256' | 'sha384' | 'sha512';
  notBefore?: Date;
  notAfter?: Date;
  /** Signer; absent for a self-signed certificate. */
  issuer?: IssuedCertificate;
  isCA?: boolean;
  /** Hex, without leading zero byte issues; random when absent. */
  serialNumber?: string;
  san?: { uris?: string[]; dns?: string[]; ips?: string[] };
  keyUsage?: Array<'digitalSignature' | 'nonRepudiation' | 'keyEncipherment' | 'dataEncipherment' | 'keyCertSign' | 'cRLSign'>;
  extKeyUsage?: Array<'serverAuth' | 'clientAuth'>;
  /** Additional non-critical extensions whose value is one ASN.1 UTF8String (e.g. the Modbus role, OID 1.3.6.1.4.1.50316.802.1). */
  utf8Extensions?: Array<{ oid: string; value: string }>;
  /** Reuse an existing key (PEM) instead of generating one. */
  keyPem?: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function randomSerial(): string {
  // A positive 16-byte serial: the top bit is cleared so DER does not read it as negative.
  const bytes = forge.random.getBytesSync(16);
  const hex = forge.util.bytesToHex(bytes);
  return (parseInt(hex[0]!, 16) & 0x7).toString(16) + hex.slice(1);
}

function newRsaKeyPem(bits: number): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: 0x10001 });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/**
 * Signs as forge's cert.sign does, but with Node's native RSA: forge's pure-JS modular exponentiation took about a
 * third of a second per run for the OPC UA test certificates, on every target of a fleet run.
 */
function signCertificate(cert: forge.pki.Certificate, signerKeyPem: string, hash: NonNullable<CertificateSpec['hash']>): void {
  const algorithmOid = forge.pki.oids[`${hash}WithRSAEncryption`]!;
  cert.signatureOid = algorithmOid;
  (cert as unknown as { siginfo: { algorithmOid: string } }).siginfo.algorithmOid = algorithmOid;
  const tbs = (forge.pki as unknown as { getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(cert);
  (cert as unknown as { tbsCertificate: forge.asn1.Asn1 }).tbsCertificate = tbs;
  cert.signature = signBytes(forge.asn1.toDer(tbs).getBytes(), signerKeyPem, hash);
}

/** An RSA PKCS#1 v1.5 signature of forge's binary string, as a binary string. */
function signBytes(bytes: string, keyPem: string, hash: string): string {
  return createSign(hash).update(Buffer.from(bytes, 'binary')).sign(keyPem).toString('binary');
}

function utf8StringExtension(oid: string, value: string): { id: string; critical: boolean; value: string } {
  const der = forge.asn1.toDer(forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.UTF8, false, forge.util.encodeUtf8(value))).getBytes();
  return { id: oid, critical: false, value: der };
}

export function issueCertificate(spec: CertificateSpec): IssuedCertificate {
  const keyPem = spec.keyPem ?? newRsaKeyPem(spec.keyBits ?? 2048);
  const privateKey = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const publicKey = forge.pki.setRsaPublicKey(privateKey.n, privateKey.e);

  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = spec.serialNumber ?? randomSerial();
  const now = Date.now();
  cert.validity.notBefore = spec.notBefore ?? new Date(now - DAY_MS);
  cert.validity.notAfter = spec.notAfter ?? new Date(now + 365 * DAY_MS);

  const subject: forge.pki.CertificateField[] = [{ name: 'commonName', value: spec.commonName }];
  if (spec.organization) subject.push({ name: 'organizationName', value: spec.organization });
  cert.setSubject(subject);
  const issuerCert = spec.issuer ? forge.pki.certificateFromPem(spec.issuer.certPem) : undefined;
  cert.setIssuer(issuerCert ? issuerCert.subject.attributes : subject);

  const isCA = spec.isCA ?? false;
  const usage = new Set(spec.keyUsage ?? (isCA ? ['keyCertSign', 'cRLSign', 'digitalSignature'] : ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment']));
  const extensions: object[] = [
    { name: 'basicConstraints', cA: isCA, critical: isCA },
    {
      name: 'keyUsage',
      critical: true,
      digitalSignature: usage.has('digitalSignature'),
      nonRepudiation: usage.has('nonRepudiation'),
      keyEncipherment: usage.has('keyEncipherment'),
      dataEncipherment: usage.has('dataEncipherment'),
      keyCertSign: usage.has('keyCertSign'),
      cRLSign: usage.has('cRLSign'),
    },
    { name: 'subjectKeyIdentifier' },
  ];
  if (!isCA) {
    const ext = spec.extKeyUsage ?? ['serverAuth', 'clientAuth'];
    extensions.push({ name: 'extKeyUsage', serverAuth: ext.includes('serverAuth'), clientAuth: ext.includes('clientAuth') });
  }
  const altNames = [
    ...(spec.san?.uris ?? []).map((value) => ({ type: 6, value })),
    ...(spec.san?.dns ?? []).map((value) => ({ type: 2, value })),
    ...(spec.san?.ips ?? []).map((ip) => ({ type: 7, ip })),
  ];
  if (altNames.length > 0) extensions.push({ name: 'subjectAltName', altNames });
  if (issuerCert) extensions.push({ name: 'authorityKeyIdentifier', keyIdentifier: issuerCert.generateSubjectKeyIdentifier().getBytes() });
  for (const extension of spec.utf8Extensions ?? []) extensions.push(utf8StringExtension(extension.oid, extension.value));
  cert.setExtensions(extensions);

  signCertificate(cert, spec.issuer?.keyPem ?? keyPem, spec.hash ?? 'sha256');

  const certPem = forge.pki.certificateToPem(cert);
  const certDer = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
  const thumbprint = new X509Certificate(certDer).fingerprint.replace(/:/g, '');
  return { certPem, keyPem, certDer, serialNumber: cert.serialNumber, thumbprint };
}

export interface CrlSpec {
  revokedSerials: string[];
  thisUpdate?: Date;
  nextUpdate?: Date;
  crlNumber?: number;
}

/** A v2 CRL signed by the CA with SHA-256, as DER. forge has no CRL writer, so the ASN.1 is built here. */
export function issueCrl(ca: IssuedCertificate, spec: CrlSpec): { der: Buffer; pem: string } {
  const { asn1 } = forge;
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const now = spec.thisUpdate ?? new Date(Date.now() - 60_000);
  const next = spec.nextUpdate ?? new Date(now.getTime() + 30 * DAY_MS);
  const sha256WithRsa = () =>
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(forge.pki.oids['sha256WithRSAEncryption']!).getBytes()),
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, ''),
    ]);
  const utc = (date: Date) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(date));
  const integerFromHex = (hex: string) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, forge.util.hexToBytes(hex.length % 2 ? `0${hex}` : hex));

  const revoked = spec.revokedSerials.map((serial) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [integerFromHex(serial), utc(now)]));
  const crlNumberExtension = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer('2.5.29.20').getBytes()),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, asn1.toDer(integerFromHex((spec.crlNumber ?? 1).toString(16))).getBytes()),
  ]);
  const authorityKeyId = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer('2.5.29.35').getBytes()),
    asn1.create(
      asn1.Class.UNIVERSAL,
      asn1.Type.OCTETSTRING,
      false,
      asn1.toDer(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, false, caCert.generateSubjectKeyIdentifier().getBytes())])).getBytes(),
    ),
  ]);
  const tbsParts = [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(1).getBytes()),
    sha256WithRsa(),
    forge.pki.distinguishedNameToAsn1(caCert.subject),
    utc(now),
    utc(next),
  ];
  if (revoked.length > 0) tbsParts.push(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, revoked));
  tbsParts.push(asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [authorityKeyId, crlNumberExtension])]));
  const tbs = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, tbsParts);

  const signature = signBytes(asn1.toDer(tbs).getBytes(), ca.keyPem, 'sha256');
  const crl = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    tbs,
    sha256WithRsa(),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, String.fromCharCode(0) + signature),
  ]);
  const der = Buffer.from(asn1.toDer(crl).getBytes(), 'binary');
  const pem = `-----BEGIN X509 CRL-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END X509 CRL-----\n`;
  return { der, pem };
}
