import { createDecipheriv, createECDH, createHash, createHmac, generateKeyPairSync, randomBytes, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';

/**
 * The TLS record and handshake layer, written out by hand so that the harness can offer protocol versions and cipher
 * suites this machine's OpenSSL refuses to speak (TLS 1.0, SSL 3.0, 3DES, RC4, EXPORT) and read what the server answers.
 * Only the server's first flight is read; no application data is ever exchanged.
 */

export const TLS_VERSIONS = ['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
export type TlsVersion = (typeof TLS_VERSIONS)[number];

export const VERSION_CODES: Record<TlsVersion, number> = { SSLv3: 0x0300, TLSv1: 0x0301, 'TLSv1.1': 0x0302, 'TLSv1.2': 0x0303, 'TLSv1.3': 0x0304 };

export function versionName(code: number): TlsVersion | `0x${string}` {
  const found = TLS_VERSIONS.find((version) => VERSION_CODES[version] === code);
  return found ?? `0x${code.toString(16).padStart(4, '0')}`;
}

/** Display form used in reports: "TLS 1.0", "SSL 3.0". */
export function displayVersion(version: TlsVersion): string {
  return version === 'SSLv3' ? 'SSL 3.0' : version === 'TLSv1' ? 'TLS 1.0' : version.replace('TLSv', 'TLS ');
}

export const CONTENT = { changeCipherSpec: 20, alert: 21, handshake: 22, applicationData: 23 } as const;
export const HANDSHAKE = {
  clientHello: 1,
  serverHello: 2,
  newSessionTicket: 4,
  encryptedExtensions: 8,
  certificate: 11,
  serverKeyExchange: 12,
  certificateRequest: 13,
  serverHelloDone: 14,
  certificateVerify: 15,
  finished: 20,
} as const;

const ALERT_NAMES: Record<number, string> = {
  0: 'close_notify',
  10: 'unexpected_message',
  20: 'bad_record_mac',
  40: 'handshake_failure',
  42: 'bad_certificate',
  43: 'unsupported_certificate',
  46: 'certificate_unknown',
  47: 'illegal_parameter',
  48: 'unknown_ca',
  50: 'decode_error',
  51: 'decrypt_error',
  70: 'protocol_version',
  71: 'insufficient_security',
  80: 'internal_error',
  86: 'inappropriate_fallback',
  90: 'user_canceled',
  109: 'missing_extension',
  110: 'unsupported_extension',
  112: 'unrecognized_name',
  116: 'certificate_required',
  120: 'no_application_protocol',
};

export function alertName(description: number): string {
  return `${ALERT_NAMES[description] ?? 'alert'} (${description})`;
}

/** Named groups: x25519 and the NIST curves carry key shares; the rest are only advertised. */
export const GROUPS: Record<number, string> = {
  0x0017: 'secp256r1',
  0x0018: 'secp384r1',
  0x0019: 'secp521r1',
  0x001d: 'x25519',
  0x001e: 'x448',
  0x0100: 'ffdhe2048',
  0x0101: 'ffdhe3072',
  0x0102: 'ffdhe4096',
};
const ADVERTISED_GROUPS = [0x001d, 0x0017, 0x0018, 0x0019, 0x001e, 0x0100, 0x0101, 0x0102];
const NIST_CURVES: Record<number, string> = { 0x0017: 'prime256v1', 0x0018: 'secp384r1', 0x0019: 'secp521r1' };

/** Every signature scheme, old ones included, so a server with a SHA-1-only or DSA key is not refused by the probe. */
const SIGNATURE_SCHEMES = [
  0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805, 0x0806, 0x0809, 0x080a, 0x080b, 0x0401, 0x0501, 0x0601, 0x0303, 0x0301, 0x0302, 0x0203, 0x0201, 0x0202,
  0x0402, 0x0502, 0x0602,
];

// ---------------------------------------------------------------------------------------------------------------------
// Encoding

const u8 = (value: number) => Buffer.from([value & 0xff]);
const u16 = (value: number) => Buffer.from([(value >> 8) & 0xff, value & 0xff]);
const u24 = (value: number) => Buffer.from([(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff]);
const vector8 = (body: Buffer) => Buffer.concat([u8(body.length), body]);
const vector16 = (body: Buffer) => Buffer.concat([u16(body.length), body]);
const u16List = (values: readonly number[]) => Buffer.concat(values.map(u16));
const extension = (type: number, body: Buffer) => Buffer.concat([u16(type), vector16(body)]);

export function handshakeMessage(type: number, body: Buffer): Buffer {
  return Buffer.concat([u8(type), u24(body.length), body]);
}

export function record(contentType: number, version: number, fragment: Buffer): Buffer {
  return Buffer.concat([u8(contentType), u16(version), vector16(fragment)]);
}

/** An ephemeral key pair for a TLS 1.3 key share, kept so the server's flight can be decrypted. */
export interface KeyShare {
  group: number;
  publicKey: Buffer;
  secretWith(serverShare: Buffer): Buffer;
}

export function newKeyShare(group: number): KeyShare {
  if (group === 0x001d) {
    const { publicKey, privateKey } = generateKeyPairSync('x25519');
    const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
    return {
      group,
      publicKey: raw,
      secretWith: (serverShare) => diffieHellman({ privateKey, publicKey: x25519PublicKey(serverShare) }),
    };
  }
  const curve = NIST_CURVES[group];
  if (!curve) throw new Error(`no key share implementation for group 0x${group.toString(16)}`);
  const ecdh = createECDH(curve);
  const raw = ecdh.generateKeys();
  return { group, publicKey: raw, secretWith: (serverShare) => ecdh.computeSecret(serverShare) };
}

function x25519PublicKey(raw: Buffer): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: raw.toString('base64url') }, format: 'jwk' });
}

export function keyShareGroupSupported(group: number): boolean {
  return group === 0x001d || group in NIST_CURVES;
}

export interface ClientHelloSpec {
  version: TlsVersion;
  suites: readonly number[];
  /** DNS name for SNI; IP addresses are never sent as SNI (RFC 6066). */
  serverName?: string;
  /** TLS 1.3 only: the groups to send key shares for. */
  keyShares?: KeyShare[];
}

/** A ClientHello handshake message (without record header). */
export function buildClientHello(spec: ClientHelloSpec): Buffer {
  const tls13 = spec.version === 'TLSv1.3';
  const legacyVersion = tls13 ? VERSION_CODES['TLSv1.2'] : VERSION_CODES[spec.version];
  const extensions: Buffer[] = [];
  if (spec.version !== 'SSLv3') {
    if (spec.serverName && isIP(spec.serverName) === 0) {
      const name = Buffer.from(spec.serverName, 'ascii');
      extensions.push(extension(0x0000, vector16(Buffer.concat([u8(0), vector16(name)]))));
    }
    extensions.push(extension(0x000a, vector16(u16List(ADVERTISED_GROUPS))));
    extensions.push(extension(0x000b, vector8(u8(0))));
    if (spec.version === 'TLSv1.2' || tls13) extensions.push(extension(0x000d, vector16(u16List(SIGNATURE_SCHEMES))));
    extensions.push(extension(0xff01, vector8(Buffer.alloc(0))));
    if (tls13) {
      extensions.push(extension(0x002b, vector8(u16List([VERSION_CODES['TLSv1.3']]))));
      extensions.push(extension(0x002d, vector8(u8(1))));
      const shares = (spec.keyShares ?? []).map((share) => Buffer.concat([u16(share.group), vector16(share.publicKey)]));
      extensions.push(extension(0x0033, vector16(Buffer.concat(shares))));
    }
  }
  const head = Buffer.concat([
    u16(legacyVersion),
    randomBytes(32),
    // A session id makes TLS 1.3 look like a resumption to middleboxes, as every browser does.
    vector8(tls13 ? randomBytes(32) : Buffer.alloc(0)),
    vector16(u16List(spec.suites)),
    vector8(u8(0)),
  ]);
  let extensionBlock = Buffer.concat(extensions);
  // Some TLS stacks hang on ClientHellos of 256 to 511 bytes; the padding extension (RFC 7685) steps over that range.
  const length = 4 + head.length + (extensions.length ? 2 + extensionBlock.length : 0);
  if (extensions.length && length >= 256 && length < 512) {
    extensionBlock = Buffer.concat([extensionBlock, extension(0x0015, Buffer.alloc(Math.max(0, 512 - length - 4)))]);
  }
  const body = extensions.length ? Buffer.concat([head, vector16(extensionBlock)]) : head;
  return handshakeMessage(HANDSHAKE.clientHello, body);
}

// ---------------------------------------------------------------------------------------------------------------------
// Decoding

export class Reader {
  private offset = 0;
  constructor(private readonly buffer: Buffer) {}
  get remaining(): number {
    return this.buffer.length - this.offset;
  }
  private need(count: number): void {
    if (this.remaining < count) throw new TlsDecodeError(`truncated message: needed ${count} byte(s), ${this.remaining} left`);
  }
  u8(): number {
    this.need(1);
    return this.buffer[this.offset++]!;
  }
  u16(): number {
    this.need(2);
    const value = this.buffer.readUInt16BE(this.offset);
    this.offset += 2;
    return value;
  }
  u24(): number {
    this.need(3);
    const value = this.buffer.readUIntBE(this.offset, 3);
    this.offset += 3;
    return value;
  }
  bytes(count: number): Buffer {
    this.need(count);
    const value = this.buffer.subarray(this.offset, this.offset + count);
    this.offset += count;
    return value;
  }
  vector8(): Buffer {
    return this.bytes(this.u8());
  }
  vector16(): Buffer {
    return this.bytes(this.u16());
  }
  vector24(): Buffer {
    return this.bytes(this.u24());
  }
}

export class TlsDecodeError extends Error {
  override name = 'TlsDecodeError';
}

const HELLO_RETRY_RANDOM = Buffer.from('CF21AD74E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C', 'hex');

export interface ServerHello {
  /** The version the server chose (supported_versions for TLS 1.3). */
  version: number;
  suite: number;
  helloRetryRequest: boolean;
  /** TLS 1.3: the server's key share (group and public value); for a HelloRetryRequest only the group. */
  keyShare?: { group: number; key?: Buffer };
  extensions: number[];
}

export function parseServerHello(body: Buffer): ServerHello {
  const reader = new Reader(body);
  const legacyVersion = reader.u16();
  const random = reader.bytes(32);
  reader.vector8();
  const suite = reader.u16();
  reader.u8();
  let version = legacyVersion;
  let keyShare: ServerHello['keyShare'];
  const extensions: number[] = [];
  const helloRetryRequest = random.equals(HELLO_RETRY_RANDOM);
  if (reader.remaining >= 2) {
    const block = new Reader(reader.vector16());
    while (block.remaining > 0) {
      const type = block.u16();
      const data = new Reader(block.vector16());
      extensions.push(type);
      if (type === 0x002b) version = data.u16();
      if (type === 0x0033) {
        const group = data.u16();
        keyShare = helloRetryRequest ? { group } : { group, key: data.vector16() };
      }
    }
  }
  return { version, suite, helloRetryRequest, keyShare, extensions };
}

/** Certificates of a Certificate message, leaf first, as DER. */
export function parseCertificateMessage(body: Buffer, tls13: boolean): Buffer[] {
  const reader = new Reader(body);
  if (tls13) reader.vector8();
  const list = new Reader(reader.vector24());
  const certificates: Buffer[] = [];
  while (list.remaining > 0) {
    certificates.push(Buffer.from(list.vector24()));
    if (tls13) list.vector16();
  }
  return certificates;
}

/** Distinguished names of the CAs a CertificateRequest names (raw DER, for display), TLS 1.2 and older only. */
export function parseCertificateRequestAuthorities(body: Buffer, tls13: boolean): Buffer[] {
  const reader = new Reader(body);
  const names: Buffer[] = [];
  if (tls13) {
    reader.vector8();
    const extensions = new Reader(reader.vector16());
    while (extensions.remaining > 0) {
      const type = extensions.u16();
      const data = extensions.vector16();
      if (type === 0x002f) {
        const list = new Reader(new Reader(data).vector16());
        while (list.remaining > 0) names.push(Buffer.from(list.vector16()));
      }
    }
    return names;
  }
  reader.vector8();
  if (reader.remaining > 2) {
    // TLS 1.2 adds signature algorithms before the authorities; TLS 1.0/1.1 do not. Try the 1.2 layout first.
    const attempt = (withAlgorithms: boolean): Buffer[] | undefined => {
      try {
        const inner = new Reader(body);
        inner.vector8();
        if (withAlgorithms) inner.vector16();
        const list = new Reader(inner.vector16());
        const found: Buffer[] = [];
        while (list.remaining > 0) found.push(Buffer.from(list.vector16()));
        return inner.remaining === 0 ? found : undefined;
      } catch {
        return undefined;
      }
    };
    return attempt(true) ?? attempt(false) ?? [];
  }
  return names;
}

/** What a TLS 1.2-and-older ServerKeyExchange says about the ephemeral key: the named curve or the DH prime size. */
export function parseServerKeyExchange(body: Buffer, keyExchange: string): string | undefined {
  try {
    const reader = new Reader(body);
    if (/^ECDHE|^ECDH_anon/.test(keyExchange)) {
      if (reader.u8() !== 3) return 'explicit curve';
      const group = reader.u16();
      return GROUPS[group] ?? `group 0x${group.toString(16)}`;
    }
    if (/^DHE|^DH_anon/.test(keyExchange)) {
      const prime = reader.vector16();
      let bits = prime.length * 8;
      for (let index = 0; index < prime.length && prime[index] === 0; index++) bits -= 8;
      const first = prime.find((byte) => byte !== 0) ?? 0;
      bits -= Math.clz32(first) - 24;
      return `DH ${bits}-bit`;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------------
// TLS 1.3 handshake decryption (RFC 8446 section 7): enough to read the server's encrypted first flight.

interface Tls13Suite {
  hash: 'sha256' | 'sha384';
  cipher: 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305' | 'aes-128-ccm';
  keyLength: number;
  tagLength: number;
}

const TLS13_SUITES: Record<number, Tls13Suite> = {
  0x1301: { hash: 'sha256', cipher: 'aes-128-gcm', keyLength: 16, tagLength: 16 },
  0x1302: { hash: 'sha384', cipher: 'aes-256-gcm', keyLength: 32, tagLength: 16 },
  0x1303: { hash: 'sha256', cipher: 'chacha20-poly1305', keyLength: 32, tagLength: 16 },
  0x1304: { hash: 'sha256', cipher: 'aes-128-ccm', keyLength: 16, tagLength: 16 },
  0x1305: { hash: 'sha256', cipher: 'aes-128-ccm', keyLength: 16, tagLength: 8 },
};

function hkdfExtract(hash: string, salt: Buffer, ikm: Buffer): Buffer {
  return createHmac(hash, salt).update(ikm).digest();
}

function hkdfExpand(hash: string, prk: Buffer, info: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let counter = 1; Buffer.concat(blocks).length < length; counter++) {
    previous = createHmac(hash, prk).update(Buffer.concat([previous, info, u8(counter)])).digest();
    blocks.push(previous);
  }
  return Buffer.concat(blocks).subarray(0, length);
}

function expandLabel(hash: string, secret: Buffer, label: string, context: Buffer, length: number): Buffer {
  const info = Buffer.concat([u16(length), vector8(Buffer.from(`tls13 ${label}`, 'ascii')), vector8(context)]);
  return hkdfExpand(hash, secret, info, length);
}

/** Decrypts the records the server protects with its handshake traffic secret. */
export class Tls13HandshakeDecrypter {
  private readonly suite: Tls13Suite;
  private readonly key: Buffer;
  private readonly iv: Buffer;
  private sequence = 0n;

  constructor(suiteCode: number, sharedSecret: Buffer, transcript: Buffer[]) {
    const suite = TLS13_SUITES[suiteCode];
    if (!suite) throw new Error(`cannot decrypt TLS 1.3 suite 0x${suiteCode.toString(16)}`);
    this.suite = suite;
    const { hash } = suite;
    const hashLength = createHash(hash).digest().length;
    const zeros = Buffer.alloc(hashLength);
    const early = hkdfExtract(hash, zeros, zeros);
    const derived = expandLabel(hash, early, 'derived', createHash(hash).digest(), hashLength);
    const handshakeSecret = hkdfExtract(hash, derived, sharedSecret);
    const transcriptHash = transcript.reduce((digest, message) => digest.update(message), createHash(hash)).digest();
    const serverSecret = expandLabel(hash, handshakeSecret, 's hs traffic', transcriptHash, hashLength);
    this.key = expandLabel(hash, serverSecret, 'key', Buffer.alloc(0), suite.keyLength);
    this.iv = expandLabel(hash, serverSecret, 'iv', Buffer.alloc(0), 12);
  }

  static supports(suiteCode: number): boolean {
    return suiteCode in TLS13_SUITES;
  }

  /** Returns the inner content type and plaintext of one protected record. */
  open(header: Buffer, payload: Buffer): { contentType: number; content: Buffer } {
    const nonce = Buffer.from(this.iv);
    const sequence = Buffer.alloc(8);
    sequence.writeBigUInt64BE(this.sequence++);
    for (let index = 0; index < 8; index++) nonce[4 + index]! ^= sequence[index]!;
    const { tagLength } = this.suite;
    const ciphertext = payload.subarray(0, payload.length - tagLength);
    const tag = payload.subarray(payload.length - tagLength);
    let plain: Buffer;
    try {
      plain = this.decrypt(ciphertext, tag, header, nonce);
    } catch (error) {
      throw new TlsDecodeError(`cannot decrypt the server's protected handshake record: ${(error as Error).message}`);
    }
    let end = plain.length;
    while (end > 0 && plain[end - 1] === 0) end--;
    if (end === 0) throw new TlsDecodeError('protected record without content type');
    return { contentType: plain[end - 1]!, content: plain.subarray(0, end - 1) };
  }

  private decrypt(ciphertext: Buffer, tag: Buffer, header: Buffer, nonce: Buffer): Buffer {
    const { cipher, tagLength } = this.suite;
    if (cipher === 'aes-128-ccm') {
      const decipher = createDecipheriv(cipher, this.key, nonce, { authTagLength: tagLength });
      decipher.setAuthTag(tag);
      decipher.setAAD(header, { plaintextLength: ciphertext.length });
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    }
    // GCM and ChaCha20-Poly1305 share the same AEAD interface; the cast only picks one of Node's overloads.
    const decipher = createDecipheriv(cipher as 'aes-128-gcm', this.key, nonce, { authTagLength: tagLength });
    decipher.setAuthTag(tag);
    decipher.setAAD(header);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  }
}
