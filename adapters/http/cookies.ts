/**
 * A small cookie jar for one harness session (RFC 6265). It keeps every attribute the device sent, exactly as seen,
 * because the checks judge those attributes (HttpOnly, Secure, SameSite) and not only the value.
 */

export type SameSite = 'Strict' | 'Lax' | 'None';

export interface Cookie {
  name: string;
  value: string;
  /** The Set-Cookie header as received. */
  raw: string;
  /** Host the cookie was set from; a Domain attribute widens it to that domain's subdomains. */
  host: string;
  domain?: string;
  path: string;
  /** The Path attribute as sent, if any (path falls back to the request's directory). */
  pathAttribute?: string;
  secure: boolean;
  httpOnly: boolean;
  /** The SameSite attribute as sent (its spelling normalised), absent when the device sent none. */
  sameSite?: SameSite;
  /** SameSite values the jar does not know, kept as they were. */
  sameSiteRaw?: string;
  maxAgeS?: number;
  expires?: string;
  /** Epoch ms after which the cookie is gone; absent for a session cookie. */
  expiresAt?: number;
  /** Whether it was set over https. */
  setOverHttps: boolean;
  setAt: number;
}

/** Parses one Set-Cookie header; undefined for a header without a name=value pair. */
export function parseSetCookie(header: string, requestUrl: URL, now = Date.now()): Cookie | undefined {
  const [pair, ...attributes] = header.split(';');
  const equals = pair!.indexOf('=');
  if (equals <= 0) return undefined;
  const name = pair!.slice(0, equals).trim();
  if (!name) return undefined;
  const cookie: Cookie = {
    name,
    value: pair!.slice(equals + 1).trim(),
    raw: header,
    host: requestUrl.hostname,
    path: defaultPath(requestUrl.pathname),
    secure: false,
    httpOnly: false,
    setOverHttps: requestUrl.protocol === 'https:',
    setAt: now,
  };
  for (const attribute of attributes) {
    const at = attribute.indexOf('=');
    const key = (at < 0 ? attribute : attribute.slice(0, at)).trim().toLowerCase();
    const value = at < 0 ? '' : attribute.slice(at + 1).trim();
    switch (key) {
      case 'secure':
        cookie.secure = true;
        break;
      case 'httponly':
        cookie.httpOnly = true;
        break;
      case 'samesite': {
        const known = (['Strict', 'Lax', 'None'] as const).find((candidate) => candidate.toLowerCase() === value.toLowerCase());
        if (known) cookie.sameSite = known;
        else cookie.sameSiteRaw = value;
        break;
      }
      case 'path':
        if (value.startsWith('/')) {
          cookie.path = value;
          cookie.pathAttribute = value;
        }
        break;
      case 'domain':
        if (value) cookie.domain = value.replace(/^\./, '').toLowerCase();
        break;
      case 'max-age':
        if (/^-?\d+$/.test(value)) cookie.maxAgeS = Number(value);
        break;
      case 'expires':
        cookie.expires = value;
        break;
    }
  }
  // Max-Age wins over Expires (RFC 6265 5.3 step 3).
  if (cookie.maxAgeS !== undefined) cookie.expiresAt = now + cookie.maxAgeS * 1000;
  else if (cookie.expires !== undefined) {
    const parsed = Date.parse(cookie.expires);
    if (!Number.isNaN(parsed)) cookie.expiresAt = parsed;
  }
  return cookie;
}

function defaultPath(requestPath: string): string {
  const last = requestPath.lastIndexOf('/');
  return last <= 0 ? '/' : requestPath.slice(0, last);
}

function pathMatches(cookiePath: string, requestPath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

function domainMatches(cookie: Cookie, host: string): boolean {
  const lower = host.toLowerCase();
  if (!cookie.domain) return lower === cookie.host.toLowerCase();
  return lower === cookie.domain || lower.endsWith(`.${cookie.domain}`);
}

export interface CookieHeaderOptions {
  /**
   * Send Secure cookies over plain http too. A browser never does; the checks do it on purpose to learn whether the
   * device accepts a session over plain HTTP.
   */
  includeSecureOverHttp?: boolean;
}

export class CookieJar {
  private readonly cookies = new Map<string, Cookie>();

  /** Stores the Set-Cookie headers of one response; a cookie already expired (Max-Age=0) removes its namesake. */
  store(requestUrl: URL, setCookieHeaders: readonly string[], now = Date.now()): Cookie[] {
    const stored: Cookie[] = [];
    for (const header of setCookieHeaders) {
      const cookie = parseSetCookie(header, requestUrl, now);
      if (!cookie) continue;
      const key = keyOf(cookie);
      if (cookie.expiresAt !== undefined && cookie.expiresAt <= now) {
        this.cookies.delete(key);
      } else {
        this.cookies.set(key, cookie);
      }
      stored.push(cookie);
    }
    return stored;
  }

  /** The cookies a request to url carries, most specific path first (RFC 6265 5.4). */
  matching(url: URL, options: CookieHeaderOptions = {}, now = Date.now()): Cookie[] {
    this.dropExpired(now);
    const https = url.protocol === 'https:';
    return [...this.cookies.values()]
      .filter((cookie) => domainMatches(cookie, url.hostname) && pathMatches(cookie.path, url.pathname))
      .filter((cookie) => https || !cookie.secure || options.includeSecureOverHttp === true)
      .sort((a, b) => b.path.length - a.path.length || a.setAt - b.setAt);
  }

  /** The Cookie header value for a request to url, or undefined when none applies. */
  header(url: URL, options: CookieHeaderOptions = {}): string | undefined {
    const cookies = this.matching(url, options);
    return cookies.length === 0 ? undefined : cookies.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ');
  }

  /** The newest live cookie of that name. */
  get(name: string, now = Date.now()): Cookie | undefined {
    this.dropExpired(now);
    return [...this.cookies.values()].filter((cookie) => cookie.name === name).sort((a, b) => b.setAt - a.setAt)[0];
  }

  list(now = Date.now()): Cookie[] {
    this.dropExpired(now);
    return [...this.cookies.values()];
  }

  /** Plants a cookie as if the device had set it for url's host and path "/" (e.g. a session id the harness chose). */
  set(url: URL, name: string, value: string): Cookie {
    const [cookie] = this.store(new URL('/', url), [`${name}=${value}; Path=/`]);
    return cookie!;
  }

  delete(name: string): void {
    for (const [key, cookie] of this.cookies) if (cookie.name === name) this.cookies.delete(key);
  }

  clear(): void {
    this.cookies.clear();
  }

  /** A copy of the jar, so a check can replay an old session after the live one moved on. */
  clone(): CookieJar {
    const copy = new CookieJar();
    for (const [key, cookie] of this.cookies) copy.cookies.set(key, { ...cookie });
    return copy;
  }

  private dropExpired(now: number): void {
    for (const [key, cookie] of this.cookies) if (cookie.expiresAt !== undefined && cookie.expiresAt <= now) this.cookies.delete(key);
  }
}

function keyOf(cookie: Cookie): string {
  return `${cookie.domain ?? cookie.host}|${cookie.path}|${cookie.name}`;
}

/** The attributes a check reports, e.g. "HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=600". */
export function describeCookieAttributes(cookie: Cookie): string {
  const parts: string[] = [];
  if (cookie.httpOnly) parts.push('HttpOnly');
  if (cookie.secure) parts.push('Secure');
  if (cookie.sameSite) parts.push(`SameSite=${cookie.sameSite}`);
  else if (cookie.sameSiteRaw !== undefined) parts.push(`SameSite=${cookie.sameSiteRaw}`);
  if (cookie.pathAttribute) parts.push(`Path=${cookie.pathAttribute}`);
  if (cookie.domain) parts.push(`Domain=${cookie.domain}`);
  if (cookie.maxAgeS !== undefined) parts.push(`Max-Age=${cookie.maxAgeS}`);
  else if (cookie.expires) parts.push(`Expires=${cookie.expires}`);
  return parts.length === 0 ? '(no attributes)' : parts.join('; ');
}
