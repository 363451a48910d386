import { isIP } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { withSocket } from '../../core/net/socket.js';
import type { EssentialProbe } from '../../core/load/index.js';

/**
 * A TLS service as an essential function to watch under load: each sample is what a browser or client does, a new
 * connection with a TLS handshake and, for a web interface, a GET / that must be answered with an HTTP status line.
 * Like a browser, it resumes the previous TLS session when the server allows, so the sample measures the service and
 * not the cost of a full RSA handshake on a busy test machine.
 */

export interface TlsServiceProbeOptions {
  host: string;
  port: number;
  name: string;
  /** The service is HTTPS: the sample also needs the HTTP answer. */
  http: boolean;
  maxLatencyMs: number;
}

export function tlsServiceProbe(options: TlsServiceProbeOptions): EssentialProbe {
  const { host, port } = options;
  let session: Buffer | undefined;
  return {
    name: `${options.name} (${options.http ? 'TLS handshake + GET /' : 'TLS handshake'})`,
    maxLatencyMs: options.maxLatencyMs,
    sample: (signal) => {
      const socket = connect({ host, port, servername: isIP(host) ? undefined : host, rejectUnauthorized: false, minVersion: 'TLSv1', ciphers: 'ALL:@SECLEVEL=0', session });
      // The monitor bounds each sample through the signal.
      return withSocket<void, TLSSocket>(socket, { signal }, (scope) => {
        scope.on('session', (ticket: Buffer) => (session = ticket));
        let secured = false;
        scope.once('secureConnect', () => {
          secured = true;
          if (!options.http) return scope.resolve();
          socket.write(`GET / HTTP/1.1\r\nHost: ${host}:${port}\r\nUser-Agent: iec62443-harness\r\nConnection: close\r\n\r\n`);
        });
        let head = '';
        scope.on('data', (chunk: Buffer) => {
          head += chunk.toString('latin1');
          if (head.length < 12) return;
          if (/^HTTP\/\d(\.\d)? \d{3}/.test(head)) scope.resolve();
          else scope.reject(new Error(`answered "${head.slice(0, 20)}" instead of HTTP`));
        });
        scope.once('close', () => scope.reject(new Error(secured ? 'closed without answering' : 'closed during the TLS handshake')));
        scope.once('error', (error: NodeJS.ErrnoException) => scope.reject(new Error(error.code === 'ECONNREFUSED' ? 'connection refused' : (error.code ?? error.message))));
      });
    },
  };
}
