import type { KexInit } from './wire.js';

/**
 * The SSH algorithm policy the CR 4.3 and CR 1.9 checks apply. One table, so the README and the report can show it.
 *
 * Weak (a fail when offered):
 * - key exchange with SHA-1 (diffie-hellman-group1-sha1, -group14-sha1, -group-exchange-sha1, rsa1024-sha1, GSS SHA-1);
 * - host-key signatures with SHA-1 or DSA (ssh-rsa, ssh-dss and their certificate and X.509 forms);
 * - ciphers in CBC mode, 3DES, arcfour (RC4), Blowfish, CAST-128, DES, and "none";
 * - MACs hmac-md5 (and -96), hmac-sha1-96, and "none";
 * - host keys of type DSA, and RSA shorter than 2048 bits.
 * Legacy (recorded as an observation, not a fail): hmac-sha1 and hmac-sha1-etm, which OpenSSH still offers by
 * default and whose HMAC construction SHA-1's collision weakness does not break; umac-64 (a 64-bit tag).
 * Names that are signalling extensions rather than algorithms (ext-info-*, kex-strict-*) are left out.
 */

export type AlgorithmCategory = 'kex' | 'host-key' | 'cipher' | 'mac';
export type Grade = 'weak' | 'legacy' | 'ok';

export interface AlgorithmVerdict {
  category: AlgorithmCategory;
  name: string;
  grade: Grade;
  /** Why it is weak or legacy. */
  reason?: string;
}

interface Rule {
  test: RegExp;
  grade: Exclude<Grade, 'ok'>;
  reason: string;
}

const RULES: Record<AlgorithmCategory, Rule[]> = {
  kex: [
    { test: /^diffie-hellman-group1-sha1$/, grade: 'weak', reason: 'SHA-1 key exchange over a 1024-bit group' },
    { test: /sha1/, grade: 'weak', reason: 'key exchange hashed with SHA-1' },
  ],
  'host-key': [
    { test: /^(ssh-dss|x509v3-sign-dss)|^ssh-dss-cert/, grade: 'weak', reason: 'DSA signatures (1024-bit, SHA-1)' },
    { test: /^ssh-rsa(-cert-v0[01]@openssh\.com)?$|^x509v3-sign-rsa$/, grade: 'weak', reason: 'RSA signatures with SHA-1' },
  ],
  cipher: [
    { test: /^none$/, grade: 'weak', reason: 'no encryption' },
    { test: /^arcfour/, grade: 'weak', reason: 'RC4 stream cipher' },
    { test: /^(3des|des)(-|$)/, grade: 'weak', reason: '(Triple) DES, 64-bit block' },
    { test: /^(blowfish|cast128)/, grade: 'weak', reason: '64-bit block cipher' },
    { test: /-cbc(@|$)/, grade: 'weak', reason: 'CBC mode (plaintext recovery attacks on SSH)' },
  ],
  mac: [
    { test: /^none$/, grade: 'weak', reason: 'no integrity protection' },
    { test: /^hmac-md5/, grade: 'weak', reason: 'MD5-based MAC' },
    { test: /^hmac-sha1-96/, grade: 'weak', reason: 'truncated 96-bit SHA-1 MAC' },
    { test: /^hmac-sha1(-etm@openssh\.com)?$/, grade: 'legacy', reason: 'HMAC-SHA-1 (still sound, but on its way out)' },
    { test: /^umac-64/, grade: 'legacy', reason: '64-bit MAC tag' },
  ],
};

/** Signalling pseudo-algorithms that servers list among the key exchanges. */
const NOT_ALGORITHMS = /^(ext-info-[cs]|kex-strict-[cs]-v00@openssh\.com)$/;

export function gradeAlgorithm(category: AlgorithmCategory, name: string): AlgorithmVerdict {
  const rule = RULES[category].find((candidate) => candidate.test.test(name));
  return rule ? { category, name, grade: rule.grade, reason: rule.reason } : { category, name, grade: 'ok' };
}

/** Every algorithm the server offers, each graded once (the two directions are merged). */
export function gradeOffer(kexInit: KexInit): AlgorithmVerdict[] {
  const unique = (...lists: string[][]) => [...new Set(lists.flat())];
  const offered: Array<[AlgorithmCategory, string[]]> = [
    ['kex', kexInit.kex.filter((name) => !NOT_ALGORITHMS.test(name))],
    ['host-key', kexInit.hostKey],
    ['cipher', unique(kexInit.ciphersClientToServer, kexInit.ciphersServerToClient)],
    ['mac', unique(kexInit.macsClientToServer, kexInit.macsServerToClient)],
  ];
  return offered.flatMap(([category, names]) => names.map((name) => gradeAlgorithm(category, name)));
}

export interface HostKeyInfo {
  /** The key's type as the blob names it: ssh-rsa, ssh-dss, ecdsa-sha2-nistp256, ssh-ed25519, … */
  type: string;
  /** Modulus size for RSA, prime size for DSA, curve size for ECDSA, 256 for Ed25519; undefined when unknown. */
  bits?: number;
  /** SHA-256 fingerprint in OpenSSH's notation. */
  fingerprint: string;
}

export const MIN_RSA_BITS = 2048;

export function gradeHostKey(key: HostKeyInfo): { grade: Grade; reason?: string } {
  if (key.type === 'ssh-dss') return { grade: 'weak', reason: `DSA host key (${key.bits ?? '?'} bits): DSA is limited to SHA-1 signatures` };
  if (key.type === 'ssh-rsa' && (key.bits ?? 0) < MIN_RSA_BITS) return { grade: 'weak', reason: `RSA host key of ${key.bits ?? '?'} bits, below ${MIN_RSA_BITS}` };
  if (/^(ssh-rsa|ssh-ed25519|ssh-ed448|ecdsa-sha2-nistp(256|384|521))$/.test(key.type)) return { grade: 'ok' };
  return { grade: 'legacy', reason: `host key type ${key.type} is not judged by this policy` };
}
