import type { OutgoingHttpHeaders } from 'node:http';
import { sendRequest, isRedirect, DEFAULT_TIMEOUT_MS, type HttpResponse } from './client.js';
import { CookieJar, describeCookieAttributes, type Cookie } from './cookies.js';

/**
 * A harness session with one web interface: a cookie jar, credentials that ride on every request once a login helper
 * set them (basic, digest, a bearer token), a transcript without secrets, and a fence: requests go only to the hosts
 * the session was opened for, so a redirect can never lead the harness to another machine.
 */

/** Adds an Authorization (or similar) header to requests once a login established it. */
export interface Authorizer {
  readonly scheme: string;
  headers(method: string, url: URL): OutgoingHttpHeaders;
}

export interface SessionOptions {
  /** The interface's base URL (endpoints.http[].url); relative paths resolve against it. */
  baseUrl: string | URL;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Host names requests may go to; default: the base URL's host only. */
  allowedHosts?: string[];
  log?: (line: string) => void;
  jar?: CookieJar;
  rejectUnauthorized?: boolean;
  ca?: string | Buffer;
  maxBodyBytes?: number;
}

export interface SessionRequest {
  method?: string;
  /** Absolute URL, or a path resolved against the base URL. */
  path: string | URL;
  headers?: OutgoingHttpHeaders;
  body?: string | Buffer;
  /** An application/x-www-form-urlencoded body. */
  form?: Record<string, string>;
  /** A JSON body. */
  json?: unknown;
  /** Send the jar's cookies: true (as a browser would), false (none), or "include-secure" (Secure ones over http too). */
  cookies?: boolean | 'include-secure';
  /** Store the answer's Set-Cookie headers in the jar (default true). */
  storeCookies?: boolean;
  /** Add the login's credentials (default true). */
  authorize?: boolean;
  timeoutMs?: number;
}

export interface Exchange {
  method: string;
  url: string;
  status?: number;
  location?: string;
  setCookies?: string[];
  durationMs: number;
  error?: string;
}

export interface RedirectHop {
  from: string;
  status: number;
  to: string;
  /** Why the hop was not taken, when it was not. */
  refused?: string;
}

export class OffTargetError extends Error {
  constructor(url: string, allowed: readonly string[]) {
    super(`refusing to send a request to ${url}: only ${allowed.join(', ')} may be contacted`);
    this.name = 'OffTargetError';
  }
}

export class HttpSession {
  readonly baseUrl: URL;
  readonly jar: CookieJar;
  readonly exchanges: Exchange[] = [];
  authorizer?: Authorizer;
  private readonly allowed: string[];

  constructor(private readonly options: SessionOptions) {
    this.baseUrl = new URL(options.baseUrl);
    this.jar = options.jar ?? new CookieJar();
    this.allowed = (options.allowedHosts ?? [this.baseUrl.hostname]).map((host) => host.toLowerCase().replace(/^\[|\]$/g, ''));
  }

  get signal(): AbortSignal | undefined {
    return this.options.signal;
  }

  get timeoutMs(): number {
    return this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  resolve(path: string | URL): URL {
    return new URL(path, this.baseUrl);
  }

  /** A second session to the same interface with an empty jar and no credentials: another browser, as it were. */
  fresh(overrides: Partial<SessionOptions> = {}): HttpSession {
    return new HttpSession({ ...this.options, jar: undefined, ...overrides });
  }

  log(line: string): void {
    this.options.log?.(line);
  }

  async request(spec: SessionRequest): Promise<HttpResponse> {
    const url = this.resolve(spec.path);
    const method = (spec.method ?? (spec.form || spec.json !== undefined ? 'POST' : 'GET')).toUpperCase();
    if (!this.allowed.includes(url.hostname.toLowerCase().replace(/^\[|\]$/g, ''))) throw new OffTargetError(url.href, this.allowed);
    const headers: OutgoingHttpHeaders = { 'user-agent': 'iec62443-harness', accept: '*/*', ...spec.headers };
    let body = spec.body;
    if (spec.form) {
      body = new URLSearchParams(spec.form).toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    } else if (spec.json !== undefined) {
      body = JSON.stringify(spec.json);
      headers['content-type'] ??= 'application/json';
    }
    if (spec.cookies !== false) {
      const cookie = this.jar.header(url, { includeSecureOverHttp: spec.cookies === 'include-secure' });
      if (cookie && headers.cookie === undefined) headers.cookie = cookie;
    }
    if (spec.authorize !== false && this.authorizer) Object.assign(headers, this.authorizer.headers(method, url));
    const sentCookies = typeof headers.cookie === 'string' ? headers.cookie.split(';').map((pair) => pair.split('=')[0]!.trim()) : [];
    const began = performance.now();
    try {
      const response = await sendRequest({
        method,
        url,
        headers,
        body,
        timeoutMs: spec.timeoutMs ?? this.timeoutMs,
        signal: this.options.signal,
        rejectUnauthorized: this.options.rejectUnauthorized,
        ca: this.options.ca,
        maxBodyBytes: this.options.maxBodyBytes,
      });
      const stored = spec.storeCookies === false ? [] : this.jar.store(url, response.setCookie);
      this.exchanges.push({
        method,
        url: url.href,
        status: response.status,
        ...(response.location ? { location: response.location } : {}),
        ...(response.setCookie.length > 0 ? { setCookies: stored.map((cookie) => cookie.name) } : {}),
        durationMs: Math.round(response.durationMs),
      });
      this.log(describeExchange(method, url, sentCookies, headers, response, stored));
      return response;
    } catch (error) {
      const message = (error as Error).message;
      this.exchanges.push({ method, url: url.href, durationMs: Math.round(performance.now() - began), error: message });
      this.log(`${method} ${url.pathname}${url.search} → ${message}`);
      throw error;
    }
  }

  get(path: string | URL, extra: Omit<SessionRequest, 'path' | 'method'> = {}): Promise<HttpResponse> {
    return this.request({ ...extra, path, method: 'GET' });
  }

  /**
   * Takes one redirect hop with GET (HEAD stays HEAD); never re-sends a body, so credentials posted once are not
   * posted again elsewhere. A hop to a host outside the fence is reported, not taken.
   */
  async follow(response: HttpResponse, extra: Omit<SessionRequest, 'path' | 'method'> = {}): Promise<{ hop: RedirectHop; response?: HttpResponse }> {
    if (!isRedirect(response.status) || !response.location) throw new Error(`${response.url} answered ${response.status}, not a redirect with a Location`);
    const hop: RedirectHop = { from: response.url, status: response.status, to: response.location };
    let target: URL;
    try {
      target = new URL(response.location);
    } catch {
      return { hop: { ...hop, refused: 'the Location is not a URL' } };
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') return { hop: { ...hop, refused: `the Location uses ${target.protocol}` } };
    if (!this.allowed.includes(target.hostname.toLowerCase())) return { hop: { ...hop, refused: `the Location leaves the target (${target.hostname})` } };
    const next = await this.request({ ...extra, path: target, method: response.method === 'HEAD' ? 'HEAD' : 'GET' });
    return { hop, response: next };
  }

  /** Follows redirects one hop at a time, recording each, up to maxHops; returns the last answer and the hops. */
  async followRedirects(response: HttpResponse, maxHops = 5, extra: Omit<SessionRequest, 'path' | 'method'> = {}): Promise<{ final: HttpResponse; hops: RedirectHop[] }> {
    const hops: RedirectHop[] = [];
    let current = response;
    const visited = new Set([current.url]);
    while (isRedirect(current.status) && current.location && hops.length < maxHops) {
      if (visited.has(current.location)) {
        hops.push({ from: current.url, status: current.status, to: current.location, refused: 'redirect loop' });
        break;
      }
      const { hop, response: next } = await this.follow(current, extra);
      hops.push(hop);
      if (!next) break;
      visited.add(next.url);
      current = next;
    }
    return { final: current, hops };
  }
}

function describeExchange(method: string, url: URL, sentCookies: string[], headers: OutgoingHttpHeaders, response: HttpResponse, stored: Cookie[]): string {
  const parts = [`${method} ${url.pathname}${url.search}`];
  if (sentCookies.length > 0) parts.push(`[cookies ${sentCookies.join(', ')}]`);
  const authorization = headers.authorization;
  if (typeof authorization === 'string') parts.push(`[Authorization: ${authorization.split(' ')[0]} …]`);
  parts.push(`→ ${response.status}${response.statusMessage ? ` ${response.statusMessage}` : ''}`);
  if (response.location) parts.push(`Location: ${response.location}`);
  for (const cookie of stored) parts.push(`Set-Cookie: ${cookie.name} (${describeCookieAttributes(cookie)})`);
  parts.push(`(${Math.round(response.durationMs)} ms, ${response.body.length} bytes${response.truncated ? ', cut' : ''})`);
  return parts.join(' ');
}
