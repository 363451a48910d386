import { Socket } from 'node:net';
import { withSocket } from '../../core/net/socket.js';
import { cipherSuite } from './cipher-suites.js';
import {
  alertName,
  buildClientHello,
  CONTENT,
  HANDSHAKE,
  newKeyShare,
  parseCertificateMessage,
  parseCertificateRequestAuthorities,
  parseServerHello,
  parseServerKeyExchange,
  record,
  Tls13HandshakeDecrypter,
  TlsDecodeError,
  VERSION_CODES,
  type KeyShare,
  type ServerHello,
  type TlsVersion,
} from './wire.js';

/** One connection: a hand-built ClientHello out, the server's first flight in. */

export interface ProbeTarget {
  host: string;
  port: number;
  /** DNS name to send as SNI; IP addresses are not sent. */
  serverName?: string;
  connectTimeoutMs: number;
  /** How long to wait for the server's answer once connected. */
  responseTimeoutMs: number;
  signal: AbortSignal;
}

export interface ProbeRequest {
  version: TlsVersion;
  suites: readonly number[];
  /** Read past the ServerHello to the certificate (and a certificate request); otherwise stop at the ServerHello. */
  readFlight: boolean;
  /** TLS 1.3: groups to send key shares for (default x25519 and secp256r1). */
  keyShareGroups?: number[];
}

export type ProbeOutcome = 'server-hello' | 'alert' | 'closed' | 'timeout' | 'not-tls';

export interface ProbeResult {
  outcome: ProbeOutcome;
  serverHello?: ServerHello;
  alert?: { level: number; description: number; text: string };
  /** DER certificates the server sent, leaf first. */
  certificates?: Buffer[];
  certificateRequested?: boolean;
  /** Raw DER distinguished names the CertificateRequest named. */
  certificateAuthorities?: Buffer[];
  /** Ephemeral key of a TLS 1.2-and-older (EC)DHE exchange, e.g. "x25519" or "DH 2048-bit". */
  ephemeralKey?: string;
  /** The first bytes of an answer that is not TLS (e.g. "HTTP/1.1 400"). */
  plaintextAnswer?: string;
  /** Why reading stopped short of what was asked, when it did. */
  note?: string;
}

/** The TCP connection itself failed: refused, unreachable, or no answer to the SYN. */
export class TlsConnectError extends Error {
  override name = 'TlsConnectError';
}

const MAX_FLIGHT_BYTES = 1 << 20;

export function probe(target: ProbeTarget, request: ProbeRequest): Promise<ProbeResult> {
  const tls13 = request.version === 'TLSv1.3';
  const keyShares: KeyShare[] = tls13 ? (request.keyShareGroups ?? [0x001d, 0x0017]).map(newKeyShare) : [];
  const clientHello = buildClientHello({ version: request.version, suites: request.suites, serverName: target.serverName, keyShares });
  const recordVersion = request.version === 'SSLv3' ? VERSION_CODES.SSLv3 : VERSION_CODES.TLSv1;

  const socket = new Socket();
  return withSocket<ProbeResult>(socket, { signal: target.signal }, (scope) => {
    const result: ProbeResult = { outcome: 'closed' };
    let connected = false;
    let received = Buffer.alloc(0);
    let totalBytes = 0;
    let plainHandshake = Buffer.alloc(0);
    let protectedHandshake = Buffer.alloc(0);
    let decrypter: Tls13HandshakeDecrypter | undefined;
    let negotiatedTls13 = false;

    const finish = (error?: Error) => (error ? scope.reject(error) : scope.resolve(result));
    scope.deadline(target.connectTimeoutMs, () => finish(new TlsConnectError(`TCP connect to ${target.host}:${target.port} timed out after ${target.connectTimeoutMs} ms`)));

    scope.once('connect', () => {
      connected = true;
      scope.deadline(target.responseTimeoutMs, () => {
        if (result.outcome === 'closed') result.outcome = result.serverHello ? 'server-hello' : 'timeout';
        if (result.serverHello) result.note ??= `the server's flight stopped before the certificate (waited ${target.responseTimeoutMs} ms)`;
        finish();
      });
      socket.write(record(CONTENT.handshake, recordVersion, clientHello));
    });
    scope.on('error', (error: NodeJS.ErrnoException) => {
      if (!connected) {
        const reason = error.code === 'ECONNREFUSED' ? 'connection refused' : error.code ?? error.message;
        finish(new TlsConnectError(`cannot connect to ${target.host}:${target.port}: ${reason}`));
      } else {
        // A reset after connecting is the server's way of refusing the hello.
        if (!result.serverHello && result.outcome === 'closed') result.note = `connection reset (${error.code ?? error.message})`;
        if (result.serverHello) result.outcome = 'server-hello';
        finish();
      }
    });
    scope.on('close', () => {
      if (result.serverHello && result.outcome === 'closed') result.outcome = 'server-hello';
      finish();
    });
    scope.on('data', (chunk: Buffer) => {
      totalBytes += chunk.length;
      if (totalBytes > MAX_FLIGHT_BYTES) {
        result.note = `the server sent more than ${MAX_FLIGHT_BYTES} bytes without finishing its first flight`;
        if (result.serverHello) result.outcome = 'server-hello';
        finish();
        return;
      }
      received = Buffer.concat([received, chunk]);
      try {
        if (consumeRecords()) finish();
      } catch (error) {
        if (error instanceof TlsDecodeError) {
          result.note = `unreadable server flight: ${(error as Error).message}`;
          if (result.serverHello) result.outcome = 'server-hello';
          finish();
        } else {
          finish(error as Error);
        }
      }
    });
    socket.connect({ host: target.host, port: target.port });

    /** Returns true when enough has been read. */
    function consumeRecords(): boolean {
      if (received.length > 0 && result.outcome === 'closed' && !result.serverHello && (received[0]! < 20 || received[0]! > 23)) {
        result.outcome = 'not-tls';
        result.plaintextAnswer = received.subarray(0, 64).toString('latin1').replace(/[^\x20-\x7e]/g, '.');
        return true;
      }
      while (received.length >= 5) {
        const contentType = received[0]!;
        const length = received.readUInt16BE(3);
        if (received.length < 5 + length) return false;
        const header = received.subarray(0, 5);
        const fragment = received.subarray(5, 5 + length);
        received = received.subarray(5 + length);
        if (contentType === CONTENT.alert) {
          if (fragment.length >= 2) result.alert = { level: fragment[0]!, description: fragment[1]!, text: alertName(fragment[1]!) };
          if (!result.serverHello) result.outcome = 'alert';
          else {
            result.outcome = 'server-hello';
            result.note = `the server sent ${result.alert?.text ?? 'an alert'} after its ServerHello`;
          }
          return true;
        }
        if (contentType === CONTENT.handshake) {
          plainHandshake = Buffer.concat([plainHandshake, fragment]);
          if (consumeHandshake(false)) return true;
        } else if (contentType === CONTENT.applicationData && decrypter) {
          const { contentType: inner, content } = decrypter.open(header, fragment);
          if (inner === CONTENT.alert) {
            result.note = `the server sent an encrypted alert (${content.length >= 2 ? alertName(content[1]!) : '?'})`;
            return true;
          }
          if (inner === CONTENT.handshake) {
            protectedHandshake = Buffer.concat([protectedHandshake, content]);
            if (consumeHandshake(true)) return true;
          }
        } else if (contentType === CONTENT.applicationData) {
          return true;
        }
        // change_cipher_spec is middlebox compatibility noise in TLS 1.3 and ends the readable part in TLS 1.2.
        if (contentType === CONTENT.changeCipherSpec && !negotiatedTls13) return true;
      }
      return false;
    }

    function consumeHandshake(isProtected: boolean): boolean {
      for (;;) {
        const buffer = isProtected ? protectedHandshake : plainHandshake;
        if (buffer.length < 4) return false;
        const length = buffer.readUIntBE(1, 3);
        if (buffer.length < 4 + length) return false;
        const message = buffer.subarray(0, 4 + length);
        if (isProtected) protectedHandshake = buffer.subarray(4 + length);
        else plainHandshake = buffer.subarray(4 + length);
        if (handleMessage(message[0]!, message.subarray(4), message)) return true;
      }
    }

    function handleMessage(type: number, body: Buffer, message: Buffer): boolean {
      if (type === HANDSHAKE.serverHello && !result.serverHello) {
        const hello = parseServerHello(body);
        result.serverHello = hello;
        result.outcome = 'server-hello';
        negotiatedTls13 = hello.version === VERSION_CODES['TLSv1.3'];
        if (!request.readFlight || hello.helloRetryRequest) return true;
        if (negotiatedTls13) {
          const share = keyShares.find((candidate) => candidate.group === hello.keyShare?.group);
          if (!share || !hello.keyShare?.key || !Tls13HandshakeDecrypter.supports(hello.suite)) {
            result.note = 'the encrypted TLS 1.3 flight cannot be read with the negotiated key share or suite';
            return true;
          }
          decrypter = new Tls13HandshakeDecrypter(hello.suite, share.secretWith(hello.keyShare.key), [clientHello, message]);
        }
        return false;
      }
      if (!result.serverHello) throw new TlsDecodeError(`handshake message type ${type} before ServerHello`);
      switch (type) {
        case HANDSHAKE.certificate:
          result.certificates = parseCertificateMessage(body, negotiatedTls13);
          // In TLS 1.3 the CertificateRequest comes before the Certificate, so the flight has told everything needed.
          if (negotiatedTls13) {
            result.certificateRequested ??= false;
            return true;
          }
          return false;
        case HANDSHAKE.serverKeyExchange:
          result.ephemeralKey = parseServerKeyExchange(body, cipherSuite(result.serverHello.suite).keyExchange);
          return false;
        case HANDSHAKE.certificateRequest:
          result.certificateRequested = true;
          result.certificateAuthorities = parseCertificateRequestAuthorities(body, negotiatedTls13);
          return false;
        case HANDSHAKE.serverHelloDone:
          result.certificateRequested ??= false;
          return true;
        case HANDSHAKE.finished:
          return true;
        default:
          return false;
      }
    }
  });
}
