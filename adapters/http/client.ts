import { request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type Socket } from 'node:net';
import type { PeerCertificate, TLSSocket } from 'node:tls';

/**
 * One HTTP exchange on Node's own client: a fresh connection each time (no pooling, so the answer of one request never
 * depends on a socket another left behind), a deadline over the whole exchange, the abort signal, redirects returned
 * and never followed, and on https the server's certificate recorded without being trusted or refused.
 */

export const DEFAULT_TIMEOUT_MS = 5_000;
/** Bodies beyond this are cut: a hostile device must not fill the harness's memory. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface HttpRequestSpec {
  method?: string;
  url: URL;
  headers?: OutgoingHttpHeaders;
  body?: string | Buffer;
  /** Deadline for the whole exchange, connect to the last body byte. */
  timeoutMs?: number;
  maxBodyBytes?: number;
  signal?: AbortSignal;
  /** Verify the server certificate against the system's CAs (or `ca`). Off by default: the harness records, the checks judge. */
  rejectUnauthorized?: boolean;
  ca?: string | Buffer;
}

export interface CertificateFacts {
  subject: string;
  issuer: string;
  subjectAltName?: string;
  validFrom: string;
  validTo: string;
  serialNumber: string;
  fingerprint256: string;
  /** DER of the certificate chain as sent, leaf first. */
  chain: Buffer[];
}

export interface TlsFacts {
  protocol: string | null;
  cipher: string;
  /** Whether the chain verified against the trusted CAs (always computed, only enforced with rejectUnauthorized). */
  authorized: boolean;
  authorizationError?: string;
  certificate?: CertificateFacts;
}

export interface HttpResponse {
  method: string;
  url: string;
  status: number;
  statusMessage: string;
  /** Lower-case names; repeated headers joined with ", " (Set-Cookie is kept apart in setCookie). */
  headers: Record<string, string>;
  /** Every header line as received, in order, so repeated challenges (WWW-Authenticate) stay apart. */
  rawHeaders: Array<[string, string]>;
  setCookie: string[];
  /** The Location header resolved against the request URL. */
  location?: string;
  body: Buffer;
  text: string;
  truncated: boolean;
  /** Request start to the first response byte, and to the last body byte. */
  headersMs: number;
  durationMs: number;
  tls?: TlsFacts;
}

export class HttpTimeoutError extends Error {
  constructor(
    readonly url: string,
    readonly timeoutMs: number,
    readonly stage: 'connect' | 'answer' | 'body',
  ) {
    super(`${url}: no ${stage === 'connect' ? 'connection' : stage === 'answer' ? 'answer' : 'complete body'} within ${timeoutMs} ms`);
    this.name = 'HttpTimeoutError';
  }
}

export class HttpConnectionError extends Error {
  constructor(
    readonly url: string,
    readonly code: string,
    detail: string,
  ) {
    super(`${url}: ${detail}`);
    this.name = 'HttpConnectionError';
  }
}

export function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

function certificateFacts(socket: TLSSocket): CertificateFacts | undefined {
  const leaf = socket.getPeerCertificate(true);
  if (!leaf || Object.keys(leaf).length === 0) return undefined;
  const chain: Buffer[] = [];
  const seen = new Set<string>();
  for (let current: PeerCertificate | undefined = leaf; current && current.raw && !seen.has(current.fingerprint256); ) {
    seen.add(current.fingerprint256);
    chain.push(current.raw);
    current = (current as PeerCertificate & { issuerCertificate?: PeerCertificate }).issuerCertificate;
  }
  const name = (entries: Record<string, string | string[]> | undefined) =>
    Object.entries(entries ?? {})
      .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : value}`)
      .join(', ');
  return {
    subject: name(leaf.subject as unknown as Record<string, string>),
    issuer: name(leaf.issuer as unknown as Record<string, string>),
    ...(leaf.subjectaltname ? { subjectAltName: leaf.subjectaltname } : {}),
    validFrom: leaf.valid_from,
    validTo: leaf.valid_to,
    serialNumber: leaf.serialNumber,
    fingerprint256: leaf.fingerprint256,
    chain,
  };
}

function connectionError(url: string, error: NodeJS.ErrnoException): HttpConnectionError {
  const code = error.code ?? 'ERROR';
  const detail =
    code === 'ECONNREFUSED'
      ? 'connection refused (nothing listens there)'
      : code === 'ECONNRESET'
        ? 'the connection was reset by the device'
        : code === 'EPROTO' || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS')
          ? `TLS handshake failed (${error.message})`
          : `${code}: ${error.message}`;
  return new HttpConnectionError(url, code, detail);
}

/** Sends one request and reads the whole answer (up to maxBodyBytes). Rejects on the deadline or the signal. */
export function sendRequest(spec: HttpRequestSpec): Promise<HttpResponse> {
  const method = (spec.method ?? 'GET').toUpperCase();
  const url = spec.url;
  const timeoutMs = spec.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBodyBytes = spec.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const https = url.protocol === 'https:';
  if (!https && url.protocol !== 'http:') return Promise.reject(new Error(`${url.href}: not an http:// or https:// URL`));
  spec.signal?.throwIfAborted();

  return new Promise<HttpResponse>((resolve, reject) => {
    const started = performance.now();
    let stage: HttpTimeoutError['stage'] = 'connect';
    let settled = false;
    let tls: TlsFacts | undefined;
    let request: ClientRequest | undefined;
    const headers: OutgoingHttpHeaders = { ...spec.headers };
    if (spec.body !== undefined && headers['content-length'] === undefined) headers['content-length'] = Buffer.byteLength(spec.body);

    const finish = (error: Error | undefined, response?: HttpResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onAbort);
      if (error) {
        request?.destroy();
        reject(error);
      } else resolve(response!);
    };
    const timer = setTimeout(() => finish(new HttpTimeoutError(url.href, timeoutMs, stage)), timeoutMs);
    const onAbort = () => finish(spec.signal!.reason instanceof Error ? spec.signal!.reason : new Error('aborted'));
    spec.signal?.addEventListener('abort', onAbort, { once: true });

    const options = {
      method,
      headers,
      agent: false as const,
      ...(https
        ? {
            rejectUnauthorized: spec.rejectUnauthorized ?? false,
            ...(spec.ca ? { ca: spec.ca } : {}),
            ...(isIP(url.hostname) === 0 ? { servername: url.hostname } : {}),
            // Old devices speak TLS 1.0 with weak suites; the harness still has to log in to them to test the rest.
            minVersion: 'TLSv1' as const,
            ciphers: 'DEFAULT:@SECLEVEL=0',
          }
        : {}),
    };
    try {
      request = (https ? httpsRequest : httpRequest)(url, options);
    } catch (error) {
      finish(error as Error);
      return;
    }
    request.on('socket', (socket: Socket) => {
      socket.setNoDelay(true);
      const connected = () => {
        if (stage === 'connect') stage = 'answer';
      };
      if (https) {
        socket.once('secureConnect', () => {
          connected();
          const secure = socket as TLSSocket;
          const cipher = secure.getCipher();
          tls = {
            protocol: secure.getProtocol(),
            cipher: cipher?.standardName ?? cipher?.name ?? 'unknown',
            authorized: secure.authorized,
            ...(secure.authorizationError ? { authorizationError: String(secure.authorizationError) } : {}),
            certificate: certificateFacts(secure),
          };
        });
      } else socket.once('connect', connected);
    });
    request.on('error', (error: NodeJS.ErrnoException) => finish(connectionError(url.href, error)));
    request.on('response', (message: IncomingMessage) => {
      stage = 'body';
      const headersMs = performance.now() - started;
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      message.on('data', (chunk: Buffer) => {
        if (truncated) return;
        if (size + chunk.length > maxBodyBytes) {
          chunks.push(chunk.subarray(0, maxBodyBytes - size));
          size = maxBodyBytes;
          truncated = true;
          complete();
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      });
      message.on('end', () => complete());
      message.on('aborted', () => finish(new HttpConnectionError(url.href, 'ECONNRESET', 'the connection closed in the middle of the answer')));
      message.on('error', (error: NodeJS.ErrnoException) => finish(connectionError(url.href, error)));
      function complete() {
        const rawHeaders: Array<[string, string]> = [];
        for (let i = 0; i + 1 < message.rawHeaders.length; i += 2) rawHeaders.push([message.rawHeaders[i]!, message.rawHeaders[i + 1]!]);
        const joined: Record<string, string> = {};
        const setCookie: string[] = [];
        for (const [name, value] of rawHeaders) {
          const key = name.toLowerCase();
          if (key === 'set-cookie') setCookie.push(value);
          else joined[key] = joined[key] === undefined ? value : `${joined[key]}, ${value}`;
        }
        let location: string | undefined;
        if (joined.location !== undefined) {
          try {
            location = new URL(joined.location, url).href;
          } catch {
            location = joined.location;
          }
        }
        const body = Buffer.concat(chunks);
        finish(undefined, {
          method,
          url: url.href,
          status: message.statusCode ?? 0,
          statusMessage: message.statusMessage ?? '',
          headers: joined,
          rawHeaders,
          setCookie,
          ...(location !== undefined ? { location } : {}),
          body,
          text: body.toString('utf8'),
          truncated,
          headersMs,
          durationMs: performance.now() - started,
          ...(tls ? { tls } : {}),
        });
        if (truncated) message.destroy();
      }
    });
    request.end(spec.body);
  });
}
