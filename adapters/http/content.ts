import type { HttpResponse } from './client.js';

/**
 * Reading pages the way the checks need: what text a person would see, which of it belongs to one page and not to the
 * login page, whether an answer carries a protected page whatever its status says, the shape of a refusal with the
 * volatile parts taken out, directory listings, and what an error page gives away.
 */

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

/** The visible text of an HTML page, as phrases (one per text node), whitespace collapsed. */
export function visiblePhrases(html: string): string[] {
  const text = html
    .replace(/<(script|style|template)\b[\s\S]*?<\/\1\s*>/gi, '\n')
    .replace(/<!--[\s\S]*?-->/g, '\n')
    .replace(/<[^>]*>/g, '\n')
    .replace(/&(#x?[0-9a-f]+|[a-z]+\d*);/gi, (entity, name: string) => {
      const lower = name.toLowerCase();
      if (lower.startsWith('#x')) return String.fromCodePoint(parseInt(lower.slice(2), 16));
      if (lower.startsWith('#')) return String.fromCodePoint(Number(lower.slice(1)));
      return ENTITIES[lower] ?? entity;
    });
  return text
    .split('\n')
    .map((phrase) => phrase.replace(/\s+/g, ' ').trim())
    .filter((phrase) => phrase.length > 0);
}

export function visibleText(html: string): string {
  return visiblePhrases(html).join(' ');
}

/** Text phrases of `page` that none of the `others` shows: what makes it that page (numbers masked, as they change). */
export function distinctivePhrases(page: string, others: readonly string[]): string[] {
  const mask = (phrase: string) => phrase.replace(/\d+([.,]\d+)?/g, '0').toLowerCase();
  const common = new Set(others.flatMap((other) => visiblePhrases(other).map(mask)));
  const phrases = visiblePhrases(page)
    .map(mask)
    .filter((phrase) => phrase.length >= 4 && !common.has(phrase));
  return [...new Set(phrases)];
}

export interface ContentMatch {
  /** Share of the reference's distinctive phrases found in the answer. */
  share: number;
  found: string[];
  missing: string[];
}

export function contentMatch(answer: string, distinctive: readonly string[]): ContentMatch {
  const seen = new Set(visiblePhrases(answer).map((phrase) => phrase.replace(/\d+([.,]\d+)?/g, '0').toLowerCase()));
  const found = distinctive.filter((phrase) => seen.has(phrase));
  return { share: distinctive.length === 0 ? 0 : found.length / distinctive.length, found, missing: distinctive.filter((phrase) => !seen.has(phrase)) };
}

/** Above this share of the reference's own phrases, an answer carries the page. */
export const SERVED_SHARE = 0.5;

export interface PageJudgement {
  served: boolean;
  /** "302 to /login, 0 of 6 phrases of the page" */
  summary: string;
  match: ContentMatch;
}

/** Whether an answer carries the page a reference answer showed, judged by content: a redirect or a 401 can carry it too. */
export function judgeServed(answer: HttpResponse, distinctive: readonly string[]): PageJudgement {
  const match = contentMatch(answer.text, distinctive);
  const served = distinctive.length > 0 && match.share >= SERVED_SHARE;
  const where = `${answer.status}${answer.location ? ` to ${pathOf(answer.location)}` : ''}`;
  return { served, summary: `${where}, ${match.found.length} of ${distinctive.length} phrases of the page`, match };
}

export function pathOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.pathname}${parsed.search}`;
  } catch {
    return url;
  }
}

/**
 * The shape of an answer with what legitimately changes between two answers taken out: echoed user names, tokens and
 * nonces, numbers. Two refusals that differ in shape tell an attacker something.
 */
export function bodyShape(text: string, echoed: readonly string[] = []): string {
  let shape = text;
  for (const value of echoed.filter((item) => item.length > 0)) shape = shape.split(value).join('«echo»');
  return shape
    .replace(/[A-Za-z0-9+/_-]{16,}={0,2}/g, '«token»')
    .replace(/\d+/g, '0')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Phrases one refusal shows and the other does not, for the report. */
export function differingPhrases(a: string, b: string, echoed: readonly string[] = []): { onlyFirst: string[]; onlySecond: string[] } {
  const norm = (html: string) => new Set(visiblePhrases(bodyShape(html, echoed)));
  const first = norm(a);
  const second = norm(b);
  return { onlyFirst: [...first].filter((phrase) => !second.has(phrase)), onlySecond: [...second].filter((phrase) => !first.has(phrase)) };
}

/** A server-generated index of a folder (Apache, nginx, lighttpd, IIS, Python, GoAhead and the like). */
export function looksLikeDirectoryListing(response: HttpResponse): string | undefined {
  if (response.status < 200 || response.status >= 300) return undefined;
  const text = response.text;
  const patterns: Array<[RegExp, string]> = [
    [/<title>\s*Index of\s+\/[^<]*<\/title>/i, 'title "Index of …"'],
    [/<h[12]>\s*Index of\s+\/[^<]*<\/h[12]>/i, 'heading "Index of …"'],
    [/Directory listing for\s+\//i, '"Directory listing for …"'],
    [/\[To Parent Directory\]/i, 'IIS "[To Parent Directory]"'],
    [/>\s*Parent Directory\s*</i, '"Parent Directory" link'],
  ];
  const found = patterns.find(([pattern]) => pattern.test(text));
  return found?.[1];
}

export interface Disclosure {
  kind: 'stack trace' | 'file path' | 'version';
  /** Where it was seen: "body" or a header name. */
  where: string;
  excerpt: string;
}

const STACK_PATTERNS: RegExp[] = [
  /\bat [\w.$<>[\] ]+ \((?:file:\/\/)?[^()\s]+:\d+:\d+\)/, // JavaScript
  /^\s+at [\w.$]+\([\w$]+\.java:\d+\)/m, // Java
  /Traceback \(most recent call last\)/, // Python
  /File "[^"]+", line \d+/, // Python
  /\b(?:Fatal error|Warning|Parse error|Notice):\s.+? in \S+\.php on line \d+/i, // PHP
  /\bException in thread "/, // Java
  /\bat System\.[\w.]+\(/, // .NET
  /\b(?:panic|goroutine \d+ \[running\]):/, // Go
  /\b(?:URIError|TypeError|ReferenceError|SyntaxError|RangeError):\s.+\n\s+at\s/, // JavaScript error with frames
];

const PATH_PATTERN = /(?:^|[\s"'(=:])((?:\/(?:usr|opt|var|home|srv|etc|tmp|root|app|www|lib|mnt|data)\/[\w.@-]+(?:\/[\w.@-]+)+)|(?:[A-Z]:\\(?:[\w .-]+\\)+[\w .-]*))/;

const PRODUCTS = 'Apache|nginx|lighttpd|Microsoft-IIS|IIS|Node\\.js|PHP|Jetty|Tomcat|Apache-Coyote|GoAhead(?:-Webs)?|Boa|thttpd|mini_httpd|Werkzeug|Express|Mongoose|Civetweb|uhttpd|Allegro-Software-RomPager|RomPager|PLCWeb|Python|OpenSSL|Servlet|ASP\\.NET|Kestrel|gunicorn|uvicorn|Embedthis-http|WindRiver-WebServer|Hiawatha|Cherokee|Caddy|Zope';
const VERSION_PATTERN = new RegExp(`\\b(?:${PRODUCTS})[ /]v?\\d+(?:\\.\\d+)+`, 'i');

/** Stack traces, file system paths and product versions an answer gives away. */
export function disclosures(response: HttpResponse): Disclosure[] {
  const found: Disclosure[] = [];
  const body = response.text;
  const excerpt = (text: string, at: number, length: number) => text.slice(Math.max(0, at - 20), at + length + 20).replace(/\s+/g, ' ').trim();
  for (const pattern of STACK_PATTERNS) {
    const match = pattern.exec(body);
    if (match) {
      found.push({ kind: 'stack trace', where: 'body', excerpt: excerpt(body, match.index, match[0].length) });
      break;
    }
  }
  const path = PATH_PATTERN.exec(body);
  if (path) found.push({ kind: 'file path', where: 'body', excerpt: path[1]! });
  const version = VERSION_PATTERN.exec(body);
  if (version) found.push({ kind: 'version', where: 'body', excerpt: version[0] });
  for (const header of ['server', 'x-powered-by', 'x-aspnet-version', 'x-aspnetmvc-version', 'x-generator']) {
    const value = response.headers[header];
    if (value === undefined) continue;
    if (header !== 'server' || /\d+(\.\d+)+/.test(value)) found.push({ kind: 'version', where: header, excerpt: `${header}: ${value}` });
  }
  return found;
}

/**
 * Whether an answer was served to the session it carried. Judged by content, unless the device serves the page's
 * content to anonymous requests as well (CR 1.1's finding): then the session shows only in the status and redirect,
 * so an answer counts as served when it looks like the logged-in answer and not like the anonymous one.
 */
export function judgeSessionServed(answer: HttpResponse, loggedIn: HttpResponse, anonymous: HttpResponse, distinctive: readonly string[]): PageJudgement {
  const byContent = judgeServed(answer, distinctive);
  if (!judgeServed(anonymous, distinctive).served) return byContent;
  const sameAsLoggedIn = answer.status === loggedIn.status && answer.location === loggedIn.location;
  const sameAsAnonymous = answer.status === anonymous.status && answer.location === anonymous.location;
  const served = sameAsLoggedIn && !sameAsAnonymous;
  return { ...byContent, served, summary: `${byContent.summary}, answered ${served ? 'as to the logged-in session' : 'as to an anonymous request'} (anonymous requests get the content too)` };
}
