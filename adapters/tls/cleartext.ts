import { createHash } from 'node:crypto';
import { Socket, isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { withSocket } from '../../core/net/socket.js';

/**
 * Plain-text twins of TLS services: the same management page served without TLS beside the HTTPS one.
 * One HTTP GET per port, over TLS or not; a redirect to https:// is the accepted way to keep a cleartext port.
 */

export interface HttpAnswer {
  /** "HTTP/1.1 200 OK" */
  statusLine: string;
  status: number;
  location?: string;
  server?: string;
  strictTransportSecurity?: string;
  /** SHA-256 of the body, to tell whether two ports serve the same page. */
  bodyDigest: string;
  bodyBytes: number;
  title?: string;
}

export interface PortAnswer {
  port: number;
  /** An HTTP answer, or undefined when the service did not answer HTTP. */
  http?: HttpAnswer;
  /** The first bytes a non-HTTP service sent (a banner), printable characters only. */
  banner?: string;
  /** Why nothing was read: "closed without answering", "no answer within 2000 ms". */
  note?: string;
}

export interface HttpProbeOptions {
  host: string;
  port: number;
  tls: boolean;
  connectTimeoutMs: number;
  timeoutMs: number;
  signal: AbortSignal;
}

const MAX_ANSWER_BYTES = 256 * 1024;

function parseHttp(raw: Buffer): HttpAnswer | undefined {
  const text = raw.toString('latin1');
  if (!text.startsWith('HTTP/')) return undefined;
  const headerEnd = text.indexOf('\r\n\r\n');
  const head = headerEnd >= 0 ? text.slice(0, headerEnd) : text;
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const body = headerEnd >= 0 ? raw.subarray(Buffer.byteLength(text.slice(0, headerEnd + 4), 'latin1')) : Buffer.alloc(0);
  const title = /<title>([^<]{0,200})<\/title>/i.exec(body.toString('utf8'))?.[1]?.trim();
  return {
    statusLine: statusLine.trim(),
    status: Number(/^HTTP\/\d(?:\.\d)?\s+(\d{3})/.exec(statusLine)?.[1] ?? 0),
    location: headers.get('location'),
    server: headers.get('server'),
    strictTransportSecurity: headers.get('strict-transport-security'),
    bodyDigest: createHash('sha256').update(body).digest('hex'),
    bodyBytes: body.length,
    title,
  };
}

/** True once the answer cannot grow into anything more useful: not HTTP at all, or an HTTP message with all of its body. */
function answerComplete(raw: Buffer): boolean {
  if (raw.length >= 5 && raw.subarray(0, 5).toString('latin1') !== 'HTTP/') return true;
  const headerEnd = raw.indexOf('\r\n\r\n');
  if (headerEnd < 0) return false;
  const head = raw.subarray(0, headerEnd).toString('latin1');
  const body = raw.length - headerEnd - 4;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1];
  if (length !== undefined) return body >= Number(length);
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) return raw.subarray(raw.length - 5).toString('latin1') === '0\r\n\r\n';
  return false;
}

const printable = (raw: Buffer) => raw.subarray(0, 120).toString('latin1').replace(/\r?\n/g, ' | ').replace(/[^\x20-\x7e]/g, '.').trim();

/** Mostly replacement dots: binary noise rather than a banner. */
const unreadable = (banner: string) => banner.length >= 16 && (banner.match(/\./g)?.length ?? 0) / banner.length > 0.3;

/** GET / on one port, in plain text or over TLS (any version and certificate accepted: the page is what matters here). */
export function fetchRoot(options: HttpProbeOptions): Promise<PortAnswer> {
  const { host, port } = options;
  const request = `GET / HTTP/1.1\r\nHost: ${isIP(host) === 6 ? `[${host}]` : host}:${port}\r\nUser-Agent: iec62443-harness\r\nAccept: */*\r\nConnection: close\r\n\r\n`;
  options.signal.throwIfAborted();
  const socket: Socket = options.tls ? tlsConnect({ host, port, rejectUnauthorized: false, minVersion: 'TLSv1', ciphers: 'ALL:@SECLEVEL=0' }) : new Socket().connect({ host, port });
  return withSocket<PortAnswer>(socket, { signal: options.signal }, (scope) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let connected = false;
    const finish = (note?: string) => {
      const raw = Buffer.concat(chunks);
      const http = parseHttp(raw);
      scope.resolve(http ? { port, http } : raw.length > 0 ? { port, banner: printable(raw) } : { port, note: note ?? 'closed without answering' });
    };
    scope.deadline(options.connectTimeoutMs, () => scope.reject(new Error(`no ${options.tls ? 'TLS handshake' : 'TCP connection'} with ${host}:${port} within ${options.connectTimeoutMs} ms`)));
    scope.once(options.tls ? 'secureConnect' : 'connect', () => {
      connected = true;
      scope.deadline(options.timeoutMs, () => finish(`no answer within ${options.timeoutMs} ms`));
      socket.write(request);
    });
    scope.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= MAX_ANSWER_BYTES || answerComplete(Buffer.concat(chunks))) finish();
    });
    // Closed before the (TLS) connection was up: no answer to judge, and no evidence of a service.
    const closedEarly = () => new Error(`${host}:${port} closed the connection before ${options.tls ? 'the TLS handshake completed' : 'it was established'}`);
    scope.on('end', () => (connected ? finish() : scope.reject(closedEarly())));
    scope.on('close', () => (connected ? finish() : scope.reject(closedEarly())));
    scope.on('error', (error: NodeJS.ErrnoException) => {
      if (connected) finish(`connection error: ${error.code ?? error.message}`);
      else scope.reject(new Error(`cannot connect to ${host}:${port}${options.tls ? ' over TLS' : ''}: ${error.code === 'ECONNREFUSED' ? 'connection refused' : (error.code ?? error.message)}`));
    });
  });
}

export interface CleartextTwin {
  /** The TLS service it mirrors, when it serves the same page; otherwise the TLS services' names. */
  tlsService: string;
  port: number;
  answer: HttpAnswer;
  samePage: boolean;
}

export interface CleartextSurvey {
  /** What each TLS service answered over HTTPS (undefined: not an HTTP service). */
  tlsServices: Array<{ name: string; port: number; answer: PortAnswer }>;
  /** Every candidate port and what it answered in plain text. */
  candidates: PortAnswer[];
  /** Plain-text ports that serve content instead of redirecting to https://. */
  twins: CleartextTwin[];
  /** Plain-text ports that only redirect to https:// (acceptable). */
  redirects: Array<{ port: number; location: string }>;
  /** Declared cleartext ports of non-HTTP TLS services that accepted a plain connection. */
  openDeclaredTwins: Array<{ tlsService: string; port: number; answer: PortAnswer }>;
}

export interface CleartextSurveyOptions {
  host: string;
  services: Array<{ name: string; port: number; cleartextPort?: number }>;
  /** Ports that are open and not known to be TLS or another declared protocol. */
  candidatePorts: number[];
  connectTimeoutMs: number;
  timeoutMs: number;
  signal: AbortSignal;
  log?: (line: string) => void;
}

const describeAnswer = (answer: PortAnswer) =>
  answer.http ? `${answer.http.statusLine}${answer.http.location ? ` → ${answer.http.location}` : ''}${answer.http.title ? ` "${answer.http.title}"` : ''}` : answer.banner ? `non-HTTP banner "${answer.banner}"` : answer.note ?? 'nothing';

export async function surveyCleartextTwins(options: CleartextSurveyOptions): Promise<CleartextSurvey> {
  const log = options.log ?? (() => undefined);
  const base = { host: options.host, connectTimeoutMs: options.connectTimeoutMs, timeoutMs: options.timeoutMs, signal: options.signal };
  const tlsServices: CleartextSurvey['tlsServices'] = [];
  for (const service of options.services) {
    const answer = await fetchRoot({ ...base, port: service.port, tls: true });
    log(`https://${options.host}:${service.port}/ (${service.name}) → ${describeAnswer(answer)}`);
    // Twins are recognised by comparison with the TLS service's own answer; bytes that are neither HTTP nor a
    // readable banner give nothing to compare with, so the survey would prove nothing.
    if (!answer.http && answer.banner !== undefined && unreadable(answer.banner)) {
      throw new Error(`TLS service ${service.name} (${options.host}:${service.port}) answered GET / with unreadable bytes ("${answer.banner.slice(0, 40)}…"), so a plain-text twin of it cannot be recognised`);
    }
    tlsServices.push({ name: service.name, port: service.port, answer });
  }
  const tlsPorts = new Set(options.services.map((service) => service.port));
  const declaredTwinPorts = new Map(options.services.filter((service) => service.cleartextPort).map((service) => [service.cleartextPort!, service.name]));
  const ports = [...new Set([...declaredTwinPorts.keys(), ...options.candidatePorts])].filter((port) => !tlsPorts.has(port)).sort((a, b) => a - b);

  const candidates: PortAnswer[] = [];
  const twins: CleartextTwin[] = [];
  const redirects: CleartextSurvey['redirects'] = [];
  const openDeclaredTwins: CleartextSurvey['openDeclaredTwins'] = [];
  for (const port of ports) {
    options.signal.throwIfAborted();
    let answer: PortAnswer;
    try {
      answer = await fetchRoot({ ...base, port, tls: false });
    } catch (error) {
      // A declared twin that is closed is the good case; an undeclared candidate that vanished is just gone.
      log(`http://${options.host}:${port}/ → ${(error as Error).message}`);
      continue;
    }
    log(`http://${options.host}:${port}/ → ${describeAnswer(answer)}`);
    candidates.push(answer);
    const http = answer.http;
    if (http) {
      if (http.status >= 300 && http.status < 400 && http.location?.toLowerCase().startsWith('https://')) {
        redirects.push({ port, location: http.location });
        continue;
      }
      const mirrored = tlsServices.find((service) => service.answer.http && service.answer.http.bodyDigest === http.bodyDigest && service.answer.http.status === http.status);
      twins.push({
        tlsService: mirrored?.name ?? declaredTwinPorts.get(port) ?? options.services.map((service) => service.name).join(', '),
        port,
        answer: http,
        samePage: mirrored !== undefined,
      });
    } else if (declaredTwinPorts.has(port) && (answer.banner !== undefined || answer.note?.startsWith('no answer'))) {
      // A declared twin of a service that is not HTTP: it is a twin when it accepts a session without TLS.
      openDeclaredTwins.push({ tlsService: declaredTwinPorts.get(port)!, port, answer });
    }
  }
  return { tlsServices, candidates, twins, redirects, openDeclaredTwins };
}
