import { Socket } from 'node:net';

/**
 * What an open TCP port says about itself: first whatever it sends unasked (SSH, Telnet, FTP and SMTP speak first),
 * then, if it stays quiet, its answer to an HTTP HEAD request. Reported for ports nobody declared, so the report can
 * say what the unexpected service is.
 */

export interface ServiceBanner {
  port: number;
  /** Printable text of the first bytes, at most 160 characters. */
  banner?: string;
  /** A best guess from the banner: "SSH", "HTTP (GoAhead-Webs)", "Telnet", "TLS", … */
  service?: string;
  /** How the banner was obtained or why there is none. */
  note: string;
}

export interface BannerOptions {
  host: string;
  port: number;
  connectTimeoutMs: number;
  /** How long to wait for a greeting before asking. */
  greetingWaitMs: number;
  /** How long to wait for the answer to the HEAD request. */
  timeoutMs: number;
  signal: AbortSignal;
}

const MAX_BANNER_BYTES = 4096;

/** Telnet negotiation (IAC …) is protocol noise, not banner text. */
function stripTelnet(raw: Buffer): Buffer {
  const out: number[] = [];
  for (let index = 0; index < raw.length; index++) {
    if (raw[index] === 0xff && index + 1 < raw.length) {
      index += raw[index + 1]! >= 0xfb ? 2 : 1;
      continue;
    }
    out.push(raw[index]!);
  }
  return Buffer.from(out);
}

export function guessService(raw: Buffer): string {
  const text = raw.toString('latin1');
  if (raw[0] === 0x15 && raw[1] === 0x03) return 'TLS';
  if (raw[0] === 0xff) return 'Telnet';
  if (/^SSH-\d/.test(text)) return 'SSH';
  if (/^HTTP\/\d/.test(text)) {
    const server = /\r\nserver:\s*([^\r\n]+)/i.exec(text)?.[1];
    return server ? `HTTP (${server.trim()})` : 'HTTP';
  }
  if (/^220[ -]/.test(text)) return /ftp/i.test(text) ? 'FTP' : /smtp|mail/i.test(text) ? 'SMTP' : 'FTP or SMTP';
  if (/^\+OK/.test(text)) return 'POP3';
  if (/^RFB \d{3}\.\d{3}/.test(text)) return 'VNC';
  if (/login:|password:|username:|shell/i.test(text)) return 'login prompt';
  return 'unknown';
}

/** For HTTP only the status line and Server header say anything; for the rest, the first printable text. */
function bannerText(raw: Buffer): string {
  const text = raw.toString('latin1');
  if (/^HTTP\/\d/.test(text)) {
    const server = /\r\nserver:\s*([^\r\n]+)/i.exec(text)?.[1];
    return `${text.split('\r\n')[0]!.trim()}${server ? ` | Server: ${server.trim()}` : ''}`.slice(0, 160);
  }
  return printable(raw);
}

const printable = (raw: Buffer) =>
  stripTelnet(raw)
    .toString('latin1')
    .replace(/\r?\n/g, ' | ')
    .replace(/[^\x20-\x7e]+/g, '.')
    .replace(/^(\s*\|\s*)+|(\s*\|\s*)+$/g, '')
    .trim()
    .slice(0, 160);

export function grabBanner(options: BannerOptions): Promise<ServiceBanner> {
  options.signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const { host, port } = options;
    const socket = new Socket();
    const chunks: Buffer[] = [];
    let asked = false;
    let settled = false;
    const received = () => Buffer.concat(chunks);
    const finish = (note: string, error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      socket.destroy();
      if (error) return reject(error);
      const raw = received();
      resolve(raw.length > 0 ? { port, banner: bannerText(raw), service: guessService(raw), note } : { port, note });
    };
    const onAbort = () => finish('', options.signal.reason instanceof Error ? options.signal.reason : new Error('aborted'));
    options.signal.addEventListener('abort', onAbort, { once: true });
    let timer = setTimeout(() => finish(`no TCP connection within ${options.connectTimeoutMs} ms`), options.connectTimeoutMs);
    const ask = () => {
      asked = true;
      clearTimeout(timer);
      timer = setTimeout(() => finish(`silent, also after an HTTP HEAD request (waited ${options.timeoutMs} ms)`), options.timeoutMs);
      socket.write(`HEAD / HTTP/1.0\r\nHost: ${host}\r\nUser-Agent: iec62443-harness\r\n\r\n`);
    };
    socket.once('connect', () => {
      clearTimeout(timer);
      timer = setTimeout(ask, options.greetingWaitMs);
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      // A greeting or an answer usually arrives in one piece; a short pause collects the rest of it.
      clearTimeout(timer);
      if (received().length >= MAX_BANNER_BYTES) finish(asked ? 'answer to an HTTP HEAD request' : 'sent unasked');
      else timer = setTimeout(() => finish(asked ? 'answer to an HTTP HEAD request' : 'sent unasked'), 150);
    });
    socket.on('close', () => finish(chunks.length ? (asked ? 'answer to an HTTP HEAD request' : 'sent unasked') : asked ? 'closed after an HTTP HEAD request without answering' : 'closed without a greeting'));
    socket.on('error', (error: NodeJS.ErrnoException) => finish(`connection error ${error.code ?? error.message}`));
    socket.connect({ host, port });
  });
}

/** Banners of several ports, a few at a time. */
export async function grabBanners(ports: number[], options: Omit<BannerOptions, 'port'>, concurrency = 8): Promise<ServiceBanner[]> {
  const results: ServiceBanner[] = [];
  let next = 0;
  const worker = async () => {
    while (next < ports.length) {
      const port = ports[next++]!;
      results.push(await grabBanner({ ...options, port }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ports.length) }, worker));
  return results.sort((a, b) => a.port - b.port);
}

/** A short service kind for a banner's guess ("HTTP (GoAhead-Webs)" → "http"), or the port's well-known name, or "unknown". */
export function serviceKind(guess: string | undefined, wellKnown: string | undefined): string {
  const token = (text: string) => text.toLowerCase().replace(/\s*\(.*\)$/, '').replace(/\//g, '-').replace(/[^a-z0-9.+-]+/g, '-').replace(/^-+|-+$/g, '');
  if (guess && guess !== 'unknown') return token(guess);
  return wellKnown ? token(wellKnown.split(/[\s/]/)[0]!) : 'unknown';
}
