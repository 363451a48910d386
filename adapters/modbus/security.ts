import net from 'node:net';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { Duplex } from 'node:stream';
import { issueCertificate, type IssuedCertificate } from '../pki/certificates.js';
import { issuerFromPem } from '../pki/issuer.js';
import { readUtf8Extension } from '../pki/extensions.js';
import { FrameReader, ModbusChannel, type Outcome } from './channel.js';
import { openSocket, abortError, ModbusConnectError, type ModbusTarget, type ModbusTlsCredentials, type StepOptions } from './connection.js';
import { encodeFrame, MODBUS_ROLE_OID, Pdu, type Table } from './wire.js';

/**
 * Modbus/TCP Security probes: access with chosen client certificates, the server's own certificate, tampered
 * records and cleartext on the TLS port. Refusal can come at the handshake or, with TLS 1.3, as an alert after it,
 * so every probe goes on to a request and reports what finally happened.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

export interface RequestOptions extends StepOptions {
  requestTimeoutMs: number;
}

export type AccessResult =
  | { kind: 'handshake-refused'; detail: string }
  | { kind: 'request'; outcome: Outcome; protocol?: string; cipher?: string };

/** Test client certificates issued for one run; only certificates (never keys) are meant for evidence. */
export interface TestCertificate {
  label: string;
  credentials: ModbusTlsCredentials;
  certPem: string;
}

export function roleOf(certPem: string): string | undefined {
  return readUtf8Extension(new X509Certificate(certPem).raw, MODBUS_ROLE_OID);
}

/** A client certificate with a Modbus role, signed by the profile's CA; `expired` puts its validity in the past. */
export function issueRoleCertificate(ca: { certPem: string; keyPem: string }, role: string, options: { expired?: boolean } = {}): IssuedCertificate {
  const now = Date.now();
  return issueCertificate({
    commonName: `iec62443-harness ${role}${options.expired ? ' (expired)' : ''}`,
    organization: 'IEC 62443 harness test',
    issuer: issuerFromPem(ca.certPem, ca.keyPem),
    extKeyUsage: ['clientAuth'],
    keyUsage: ['digitalSignature', 'keyEncipherment'],
    utf8Extensions: [{ oid: MODBUS_ROLE_OID, value: role }],
    ...(options.expired ? { notBefore: new Date(now - 30 * DAY_MS), notAfter: new Date(now - DAY_MS) } : {}),
  });
}

/** An operator certificate from a CA the device has never seen. */
export function issueUntrustedCertificate(role = 'operator'): { ca: IssuedCertificate; leaf: IssuedCertificate } {
  const ca = issueCertificate({ commonName: 'iec62443-harness untrusted CA', isCA: true });
  const leaf = issueCertificate({
    commonName: `iec62443-harness ${role} (untrusted CA)`,
    issuer: ca,
    extKeyUsage: ['clientAuth'],
    keyUsage: ['digitalSignature', 'keyEncipherment'],
    utf8Extensions: [{ oid: MODBUS_ROLE_OID, value: role }],
  });
  return { ca, leaf };
}

export function withCredentials(target: ModbusTarget, credentials: Partial<ModbusTlsCredentials>): ModbusTarget {
  return { ...target, tls: { ...target.tls, ...credentials } };
}

/** Connects with the target's credentials and sends one request; a handshake failure is a result, not an error. */
export async function tryRequest(target: ModbusTarget, pdu: Buffer, options: RequestOptions): Promise<AccessResult> {
  let channel: ModbusChannel;
  try {
    channel = await ModbusChannel.open(target, options);
  } catch (error) {
    if (options.signal?.aborted) throw error;
    if (error instanceof ModbusConnectError && error.phase === 'tls') return { kind: 'handshake-refused', detail: error.message };
    throw error;
  }
  try {
    const socket = channel.tlsSocket;
    const { outcome } = await channel.request(pdu, { timeoutMs: options.requestTimeoutMs, signal: options.signal });
    return { kind: 'request', outcome, protocol: socket?.getProtocol() ?? undefined, cipher: socket?.getCipher()?.name };
  } finally {
    channel.destroy();
  }
}

export const readPdu = (read: { table: Table; address: number; count: number }): Buffer => Pdu.read(read.table, read.address, read.count);

export interface ServerIdentity {
  protocol?: string;
  cipher?: string;
  /** Verified against the profile's CA. */
  authorized: boolean;
  authorizationError?: string;
  /** The certificate names the host (subjectAltName), per RFC 6125 as Node checks it. */
  identityError?: string;
  chainPem: string[];
  subject?: string;
  issuer?: string;
  validTo?: string;
}

/** The server's certificate chain and whether it verifies against the CA and names the host. */
export function inspectServer(target: ModbusTarget, options: StepOptions): Promise<ServerIdentity> {
  const credentials = target.tls ?? {};
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: target.host,
      port: target.port,
      cert: credentials.certPem,
      key: credentials.keyPem,
      ca: credentials.caPem,
      rejectUnauthorized: false,
      servername: net.isIP(target.host) ? '' : target.host,
      minVersion: 'TLSv1',
    });
    const timer = setTimeout(() => finish(new Error(`no TLS handshake with ${target.host}:${target.port} within ${options.connectTimeoutMs} ms`)), options.connectTimeoutMs);
    const onAbort = () => finish(abortError(options.signal!));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (error?: Error, identity?: ServerIdentity) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (error) reject(error);
      else resolve(identity!);
    };
    socket.once('error', (error: NodeJS.ErrnoException) => finish(new Error(`TLS handshake with ${target.host}:${target.port} failed: ${error.code ?? error.message}`)));
    socket.once('secureConnect', () => {
      const chainPem: string[] = [];
      let certificate: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
      const seen = new Set<string>();
      while (certificate?.raw && !seen.has(certificate.fingerprint256)) {
        seen.add(certificate.fingerprint256);
        chainPem.push(new X509Certificate(certificate.raw).toString());
        certificate = certificate.issuerCertificate;
      }
      const leaf = socket.getPeerCertificate();
      const identityError = leaf?.raw ? tls.checkServerIdentity(target.host, leaf)?.message : 'no certificate presented';
      finish(undefined, {
        protocol: socket.getProtocol() ?? undefined,
        cipher: socket.getCipher()?.name,
        authorized: credentials.caPem !== undefined && socket.authorized,
        authorizationError: credentials.caPem === undefined ? 'no CA certificate in the profile to verify against' : socket.authorized ? undefined : String(socket.authorizationError),
        identityError,
        chainPem,
        subject: leaf?.subject ? Object.entries(leaf.subject).map(([key, value]) => `${key}=${String(value)}`).join(', ') : undefined,
        issuer: leaf?.issuer ? Object.entries(leaf.issuer).map(([key, value]) => `${key}=${String(value)}`).join(', ') : undefined,
        validTo: leaf?.valid_to,
      });
    });
  });
}

/**
 * Sends one read whose TLS record is altered in transit (one bit of the record's authentication tag flipped), as a
 * man in the middle would. A device with integrity protection drops the connection instead of answering.
 */
export async function tamperedRequest(target: ModbusTarget, pdu: Buffer, options: RequestOptions): Promise<{ tampered: boolean; outcome: Outcome; protocol?: string; cipher?: string }> {
  if (!target.tls) throw new Error('tampering needs a TLS endpoint');
  const raw = await openSocket({ ...target, tls: undefined }, options);
  let tamperNext = false;
  let tampered = false;
  let lastWriteAt = performance.now();
  const wire = new Duplex({
    write(chunk: Buffer, _encoding, callback) {
      lastWriteAt = performance.now();
      let data = chunk;
      if (tamperNext && data.length > 5 && data[0] === 0x17) {
        data = Buffer.from(data);
        data[data.length - 1]! ^= 0x01;
        tamperNext = false;
        tampered = true;
      }
      raw.write(data);
      callback();
    },
    read() {},
    final(callback) {
      raw.end();
      callback();
    },
  });
  raw.on('data', (chunk: Buffer) => wire.push(chunk));
  raw.on('end', () => wire.push(null));
  raw.on('close', () => wire.destroy());
  raw.on('error', () => undefined);
  wire.on('error', () => undefined);
  const credentials = target.tls;
  const secure = tls.connect({
    socket: wire,
    cert: credentials.certPem,
    key: credentials.keyPem,
    ca: credentials.caPem,
    rejectUnauthorized: false,
    servername: net.isIP(target.host) ? '' : target.host,
    minVersion: credentials.minVersion ?? 'TLSv1.2',
  });
  secure.on('error', () => undefined);
  // Reading must be on from the start: a TLS socket over a plain stream otherwise leaves the device's alert unread.
  secure.on('data', () => undefined);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no TLS handshake within ${options.connectTimeoutMs} ms`)), options.connectTimeoutMs);
      secure.once('secureConnect', () => {
        clearTimeout(timer);
        resolve();
      });
      secure.once('close', () => {
        clearTimeout(timer);
        reject(new Error('the device closed the connection during the TLS handshake'));
      });
    });
    const protocol = secure.getProtocol() ?? undefined;
    const cipher = secure.getCipher()?.name;
    // With TLS 1.3 the client's certificate and Finished leave after secureConnect: let them go out unaltered first.
    const quietSince = performance.now();
    while (performance.now() - lastWriteAt < 20 && performance.now() - quietSince < 500) await new Promise((resolve) => setTimeout(resolve, 5));
    tamperNext = true;
    const waiting = awaitFirstFrame(secure, options);
    secure.write(encodeFrame({ transactionId: 0x7a7a, unitId: target.unitId, pdu }));
    const outcome = await waiting;
    return { tampered, outcome, protocol, cipher };
  } finally {
    secure.destroy();
    raw.destroy();
  }
}

/**
 * The first flight (ClientHello) Node's TLS client would send to this target, captured without connecting. A storm
 * replays it on fresh connections so that only the device does handshake cryptography, as a handshake flood would.
 */
export function captureClientHello(target: ModbusTarget): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let captured = false;
    const wire = new Duplex({
      write(chunk: Buffer, _encoding, callback) {
        if (!captured) {
          captured = true;
          resolve(Buffer.from(chunk));
        }
        callback();
      },
      read() {},
    });
    const client = tls.connect({
      socket: wire,
      rejectUnauthorized: false,
      servername: net.isIP(target.host) ? '' : target.host,
      minVersion: target.tls?.minVersion ?? 'TLSv1.2',
    });
    client.on('error', () => undefined);
    setImmediate(() => {
      client.destroy();
      wire.destroy();
      if (!captured) reject(new Error('the TLS client wrote no ClientHello'));
    });
  });
}

/** Sends a plain Modbus/TCP read to the TLS port: a device that only speaks TLS there must not answer it in clear. */
export async function cleartextRequest(target: ModbusTarget, pdu: Buffer, options: RequestOptions): Promise<Outcome> {
  const socket = await openSocket({ ...target, tls: undefined }, options);
  try {
    const outcome = awaitFirstFrame(socket, options);
    socket.write(encodeFrame({ transactionId: 0x0c0c, unitId: target.unitId, pdu }));
    return await outcome;
  } finally {
    socket.destroy();
  }
}

/** Resolves with the first complete Modbus frame, or the close, or the timeout; bytes that are no Modbus frame (a TLS alert) count as a close. */
function awaitFirstFrame(socket: net.Socket, options: RequestOptions): Promise<Outcome> {
  const startedAt = performance.now();
  return new Promise((resolve, reject) => {
    const reader = new FrameReader();
    let reason: string | undefined;
    let settled = false;
    const finish = (outcome?: Outcome, error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.removeListener('data', onData);
      socket.removeListener('close', onClose);
      if (error) reject(error);
      else resolve(outcome!);
    };
    const onData = (chunk: Buffer) => {
      const { frames, garbage } = reader.push(chunk);
      if (frames.length > 0) finish({ kind: 'reply', received: frames[0]!, latencyMs: performance.now() - startedAt });
      else if (garbage) reason = `${garbage.bytes.length} bytes that are no Modbus frame (${garbage.reason})`;
    };
    const onClose = () => finish({ kind: 'closed', afterMs: performance.now() - startedAt, reason: reason ?? 'closed by peer' });
    const onAbort = () => finish(undefined, abortError(options.signal!));
    const timer = setTimeout(() => finish({ kind: 'timeout', afterMs: performance.now() - startedAt }), options.requestTimeoutMs);
    socket.on('data', onData);
    socket.once('close', onClose);
    // An alert from the device surfaces as an error; over a wrapped stream the close may come much later.
    socket.on('error', (error: NodeJS.ErrnoException) => finish({ kind: 'closed', afterMs: performance.now() - startedAt, reason: error.code ?? error.message }));
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** "closed by the device (ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED)", "handshake refused: …", "answered: …". */
export function describeAccess(result: AccessResult, describe: (outcome: Outcome) => string): string {
  if (result.kind === 'handshake-refused') return `handshake refused (${result.detail})`;
  return describe(result.outcome);
}

/** Any refusal counts: a failed handshake, a close or alert after it, an exception, or silence. Only a normal answer is access. */
export function wasServed(result: AccessResult, isNormalResponse: (outcome: Outcome) => boolean): boolean {
  return result.kind === 'request' && isNormalResponse(result.outcome);
}
