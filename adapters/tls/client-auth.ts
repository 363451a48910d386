import { connect, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import { withSocket } from '../../core/net/socket.js';

/**
 * Whether a server that asks for a client certificate also insists on one. Only a complete handshake tells, so this
 * uses Node's TLS client (security level lowered so old servers are reachable) and offers no certificate at all.
 */

export interface ClientAuthTarget {
  host: string;
  port: number;
  serverName?: string;
  /** A version the server accepted, pinned so a refusal cannot be a version mismatch. */
  version: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  connectTimeoutMs: number;
  responseTimeoutMs: number;
  signal: AbortSignal;
}

export interface ClientAuthVerdict {
  /** undefined: no handshake could be completed, so it stays unknown. */
  required: boolean | undefined;
  detail: string;
}

/** How long a refused client normally takes to be dropped after the handshake; a server that keeps it longer accepted it. */
const SETTLE_MS = 1_500;

const REFUSAL = /alert number (40|42|116)|certificate required|peer did not return a certificate|handshake failure|ECONNRESET|socket hang up/i;

/** OpenSSL's "80EC…:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:…:SSL alert number 116" as "tlsv13 alert certificate required (alert 116)". */
export function shortTlsError(message: string): string {
  const reason = /SSL routines:[^:]*:([^:]+):/.exec(message)?.[1];
  const alert = /SSL alert number (\d+)/.exec(message)?.[1];
  if (!reason) return message.trim();
  return alert ? `${reason} (alert ${alert})` : reason;
}

export function probeClientCertificateRequired(target: ClientAuthTarget): Promise<ClientAuthVerdict> {
  target.signal.throwIfAborted();
  const socket = connect({
    host: target.host,
    port: target.port,
    servername: target.serverName && isIP(target.serverName) === 0 ? target.serverName : undefined,
    rejectUnauthorized: false,
    minVersion: target.version,
    maxVersion: target.version,
    ciphers: 'ALL:@SECLEVEL=0',
  });
  return withSocket<ClientAuthVerdict, TLSSocket>(socket, { signal: target.signal }, (scope) => {
    let secured = false;
    scope.deadline(target.connectTimeoutMs + target.responseTimeoutMs, () =>
      scope.resolve({ required: undefined, detail: `no TLS handshake completed within ${target.connectTimeoutMs + target.responseTimeoutMs} ms` }),
    );
    scope.once('secureConnect', () => {
      secured = true;
      scope.deadline(Math.min(SETTLE_MS, target.responseTimeoutMs), () =>
        scope.resolve({ required: false, detail: `handshake without a client certificate completed (${socket.getProtocol()}) and the connection stayed open` }),
      );
    });
    scope.on('error', (error: Error) => {
      const reason = shortTlsError(error.message);
      if (REFUSAL.test(error.message)) scope.resolve({ required: true, detail: `refused without a client certificate: ${reason}` });
      else if (secured) scope.resolve({ required: true, detail: `connection failed right after a handshake without a client certificate: ${reason}` });
      else scope.resolve({ required: undefined, detail: `no handshake with this machine's TLS client: ${reason}` });
    });
    scope.on('close', () => {
      if (secured) scope.resolve({ required: true, detail: 'the server closed the connection right after a handshake without a client certificate' });
      else scope.resolve({ required: undefined, detail: 'the server closed the connection during the handshake' });
    });
  });
}
