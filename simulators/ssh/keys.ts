import { generateKeyPairSync } from 'node:crypto';
import ssh2 from 'ssh2';

/**
 * Host keys for the simulated SSH server, made anew at every start. Node exports DSA keys only as PKCS#8, while
 * ssh2 reads DSA keys in OpenSSL's traditional form, so that form is assembled here from the PKCS#8 fields.
 */

interface Tlv {
  start: number;
  end: number;
}

function readTlv(der: Buffer, offset: number): Tlv {
  let length = der[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    length = der.readUIntBE(start, count);
    start += count;
  }
  return { start, end: start + length };
}

function children(der: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let offset = parent.start; offset < parent.end; ) {
    const child = readTlv(der, offset);
    out.push(child);
    offset = child.end;
  }
  return out;
}

const bigIntOf = (der: Buffer, tlv: Tlv) => BigInt(`0x${der.subarray(tlv.start, tlv.end).toString('hex') || '0'}`);

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  if (length < 0x100) return Buffer.from([0x81, length]);
  return Buffer.from([0x82, length >> 8, length & 0xff]);
}

function derInteger(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02]), encodeLength(bytes.length), bytes]);
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}

/** A 1024-bit DSA key (the only size SSH's ssh-dss allows) in traditional PEM. */
export function dsaHostKey(): string {
  const der = generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 }).privateKey.export({ type: 'pkcs8', format: 'der' });
  const [, algorithm, privateOctets] = children(der, readTlv(der, 0));
  const [p, q, g] = children(der, children(der, algorithm!)[1]!).map((tlv) => bigIntOf(der, tlv)) as [bigint, bigint, bigint];
  const x = bigIntOf(der, readTlv(der, privateOctets!.start));
  const body = Buffer.concat([derInteger(0n), derInteger(p), derInteger(q), derInteger(g), derInteger(modPow(g, x, p)), derInteger(x)]);
  const sequence = Buffer.concat([Buffer.from([0x30]), encodeLength(body.length), body]);
  return `-----BEGIN DSA PRIVATE KEY-----\n${sequence.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END DSA PRIVATE KEY-----\n`;
}

export function rsaHostKey(bits: number): string {
  return ssh2.utils.generateKeyPairSync('rsa', { bits }).private;
}

/**
 * ssh2's key generator strips leading zero bytes from the 32-byte ed25519 public key (mscdex/ssh2#1390), so about one
 * key in 256 is one ssh2 itself cannot read back and the server would not start: such a key is drawn again.
 */
export function ed25519HostKey(): string {
  for (;;) {
    const key = ssh2.utils.generateKeyPairSync('ed25519').private;
    if (!(ssh2.utils.parseKey(key) instanceof Error)) return key;
  }
}

export function ecdsaHostKey(bits: 256 | 384 | 521): string {
  return ssh2.utils.generateKeyPairSync('ecdsa', { bits }).private;
}
