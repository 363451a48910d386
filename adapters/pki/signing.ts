import forge from 'node-forge';
import { createHash, generateKeyPairSync } from 'node:crypto';

/** RSA signatures (PKCS#1 v1.5 with SHA-256) for evidence manifests, with node-forge. */

export const SIGNATURE_ALGORITHM = 'RSASSA-PKCS1-v1_5-SHA256';

export interface SigningKey {
  privateKeyPem: string;
  publicKeyPem: string;
  /** SHA-256 of the DER public key, hex: what a lab publishes so that others can pin its key. */
  fingerprint: string;
  generated: boolean;
}

export function publicKeyFingerprint(publicKeyPem: string): string {
  const der = forge.asn1.toDer(forge.pki.publicKeyToAsn1(forge.pki.publicKeyFromPem(publicKeyPem))).getBytes();
  return createHash('sha256').update(Buffer.from(der, 'binary')).digest('hex');
}

export function loadSigningKey(privateKeyPem: string): SigningKey {
  const privateKey = forge.pki.privateKeyFromPem(privateKeyPem) as forge.pki.rsa.PrivateKey;
  const publicKeyPem = forge.pki.publicKeyToPem(forge.pki.setRsaPublicKey(privateKey.n, privateKey.e));
  return { privateKeyPem, publicKeyPem, fingerprint: publicKeyFingerprint(publicKeyPem), generated: false };
}

/** A one-off key for a run without a lab key; only its public half is kept (in the manifest). */
export function generateSigningKey(): SigningKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 3072 });
  const key = loadSigningKey(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  return { ...key, generated: true };
}

export function sign(data: Buffer, key: SigningKey): string {
  const md = forge.md.sha256.create();
  md.update(data.toString('binary'));
  const privateKey = forge.pki.privateKeyFromPem(key.privateKeyPem) as forge.pki.rsa.PrivateKey;
  return Buffer.from(privateKey.sign(md), 'binary').toString('base64');
}

export function verifySignature(data: Buffer, signatureBase64: string, publicKeyPem: string): boolean {
  try {
    const md = forge.md.sha256.create();
    md.update(data.toString('binary'));
    const publicKey = forge.pki.publicKeyFromPem(publicKeyPem) as forge.pki.rsa.PublicKey;
    return publicKey.verify(md.digest().bytes(), Buffer.from(signatureBase64, 'base64').toString('binary'));
  } catch {
    return false;
  }
}
