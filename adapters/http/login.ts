import { BasicAuthorizer, challengesOf, digestChallenges, DigestAuthorizer, TokenAuthorizer } from './auth.js';
import { isRedirect, type HttpResponse } from './client.js';
import type { HttpEndpoint, HttpLogin, LoginSuccess } from './endpoint.js';
import type { HttpSession } from './session.js';

/**
 * Login helpers for the four kinds a profile can declare. Each makes the device decide on one user name and password
 * and says whether it accepted them, from the signs the profile names (form and json) or the status (basic, digest).
 * On success the session carries what the login established: cookies in its jar, or an Authorization header.
 */

export interface Credentials {
  username: string;
  password: string;
}

export interface LoginResult {
  kind: HttpLogin['kind'];
  accepted: boolean;
  /** The answer the device decided with (the post, or the authenticated request). */
  response: HttpResponse;
  /** Every answer the login took, in order (login page, challenge, post, a followed redirect). */
  responses: HttpResponse[];
  /** What showed the decision, e.g. "303 to /status, cookie SID set" or "401 without the session cookie". */
  reason: string;
  /** Which of the declared signs of success held (form and json). */
  signs?: Partial<Record<keyof LoginSuccess, boolean>>;
  /** Cookies the deciding answer set. */
  cookiesSet: string[];
  /** Time of the deciding request alone, for comparisons of refusals. */
  decisionMs: number;
}

/** The login could not even be tried: no form, no challenge, a broken page. Not a refusal. */
export class LoginUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LoginUnavailableError';
  }
}

export async function login(session: HttpSession, endpoint: Pick<HttpEndpoint, 'login' | 'protectedPath'>, credentials: Credentials): Promise<LoginResult> {
  const config = endpoint.login;
  switch (config.kind) {
    case 'basic':
      return basicLogin(session, config.path ?? endpoint.protectedPath, credentials);
    case 'digest':
      return digestLogin(session, config.path ?? endpoint.protectedPath, credentials, config.algorithm);
    case 'form':
      return formLogin(session, config, credentials);
    case 'json':
      return jsonLogin(session, config, credentials);
  }
}

function statusReason(response: HttpResponse): string {
  return `${response.status}${response.location ? ` to ${response.location}` : ''}`;
}

async function basicLogin(session: HttpSession, path: string, credentials: Credentials): Promise<LoginResult> {
  const authorizer = new BasicAuthorizer(credentials.username, credentials.password);
  const response = await session.request({ path, authorize: false, headers: authorizer.headers() });
  const accepted = response.status >= 200 && response.status < 400;
  if (accepted) session.authorizer = authorizer;
  return {
    kind: 'basic',
    accepted,
    response,
    responses: [response],
    reason: `${statusReason(response)} to Basic credentials`,
    cookiesSet: response.setCookie.map(cookieName),
    decisionMs: response.durationMs,
  };
}

async function digestLogin(session: HttpSession, path: string, credentials: Credentials, prefer?: 'MD5' | 'SHA-256'): Promise<LoginResult> {
  const challenge = await session.request({ path, authorize: false });
  const offered = challengesOf(challenge.rawHeaders);
  if (challenge.status !== 401) throw new LoginUnavailableError(`${path} answered ${challenge.status} without credentials, not 401 with a Digest challenge`);
  const chosen = digestChallenges(offered, prefer)[0];
  if (!chosen) {
    const schemes = offered.map((item) => `${item.scheme}${item.params.algorithm ? ` ${item.params.algorithm}` : ''}`).join(', ') || 'none';
    throw new LoginUnavailableError(`${path} offers no Digest challenge${prefer ? ` with ${prefer}` : ''} (offered: ${schemes})`);
  }
  const authorizer = new DigestAuthorizer(chosen, credentials.username, credentials.password);
  const url = session.resolve(path);
  let response = await session.request({ path, authorize: false, headers: authorizer.headers('GET', url) });
  const responses = [challenge, response];
  // A nonce that went stale between the two requests is retried once with the fresh one (RFC 7616 3.3).
  const stale = response.status === 401 ? digestChallenges(challengesOf(response.rawHeaders), prefer).find((item) => item.params.stale?.toLowerCase() === 'true') : undefined;
  if (stale) {
    authorizer.renew(stale);
    response = await session.request({ path, authorize: false, headers: authorizer.headers('GET', url) });
    responses.push(response);
  }
  const accepted = response.status >= 200 && response.status < 400;
  if (accepted) session.authorizer = authorizer;
  return {
    kind: 'digest',
    accepted,
    response,
    responses,
    reason: `${statusReason(response)} to Digest ${authorizer.algorithm} credentials`,
    cookiesSet: response.setCookie.map(cookieName),
    decisionMs: response.durationMs,
  };
}

function cookieName(setCookie: string): string {
  return setCookie.split('=')[0]!.trim();
}

/** The value attribute of a named input in an HTML page (hidden CSRF tokens and the like). */
export function inputValue(html: string, name: string): string | undefined {
  for (const match of html.matchAll(/<input\b[^>]*>/gi)) {
    const tag = match[0];
    const tagName = /\bname\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(tag);
    const found = tagName?.[2] ?? tagName?.[3] ?? tagName?.[4];
    if (found !== name) continue;
    const value = /\bvalue\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(tag);
    return decodeEntities(value?.[2] ?? value?.[3] ?? value?.[4] ?? '');
  }
  return undefined;
}

function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_entity, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" })[name] ?? '');
}

/** Judges an answer against the declared signs; a text sign may sit on the page a redirect leads to. */
async function judgeSigns(session: HttpSession, success: LoginSuccess, response: HttpResponse, responses: HttpResponse[]): Promise<{ accepted: boolean; signs: LoginResult['signs']; reason: string }> {
  const signs: NonNullable<LoginResult['signs']> = {};
  const seen: string[] = [statusReason(response)];
  const set = response.setCookie.map(cookieName);
  if (success.status !== undefined) signs.status = response.status === success.status;
  if (success.redirectTo !== undefined) {
    const expected = new URL(success.redirectTo, session.baseUrl);
    const location = response.location ? new URL(response.location) : undefined;
    signs.redirectTo = isRedirect(response.status) && location !== undefined && location.host === expected.host && location.pathname.startsWith(expected.pathname);
  }
  if (success.cookie !== undefined) {
    signs.cookie = response.setCookie.some((header) => cookieName(header) === success.cookie && !/;\s*max-age\s*=\s*(0|-\d+)\s*(;|$)/i.test(header));
    seen.push(signs.cookie ? `cookie ${success.cookie} set` : `no cookie ${success.cookie}`);
  }
  if (success.text !== undefined) {
    let page = response;
    if (isRedirect(response.status) && response.location) {
      const followed = await session.follow(response);
      if (followed.response) {
        page = followed.response;
        responses.push(page);
      }
    }
    signs.text = page.text.includes(success.text);
    seen.push(signs.text ? `page shows "${success.text}"` : `page lacks "${success.text}"`);
  }
  if (set.length > 0 && success.cookie === undefined) seen.push(`cookies set: ${set.join(', ')}`);
  return { accepted: Object.values(signs).every(Boolean), signs, reason: seen.join(', ') };
}

async function formLogin(session: HttpSession, config: Extract<HttpLogin, { kind: 'form' }>, credentials: Credentials): Promise<LoginResult> {
  const page = await session.get(config.pagePath ?? config.path);
  if (page.status >= 400) throw new LoginUnavailableError(`the login page ${config.pagePath ?? config.path} answered ${page.status}`);
  const fields: Record<string, string> = {};
  for (const hidden of config.hiddenFields ?? []) {
    const value = inputValue(page.text, hidden);
    if (value === undefined) throw new LoginUnavailableError(`the login page has no input "${hidden}" (login.hiddenFields)`);
    fields[hidden] = value;
  }
  Object.assign(fields, config.extraFields ?? {}, { [config.usernameField]: credentials.username, [config.passwordField]: credentials.password });
  const response = await session.request({ path: config.path, method: 'POST', form: fields });
  const responses = [page, response];
  const judged = await judgeSigns(session, config.success, response, responses);
  return { kind: 'form', ...judged, response, responses, cookiesSet: response.setCookie.map(cookieName), decisionMs: response.durationMs };
}

function member(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((current, key) => (current && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined), value);
}

async function jsonLogin(session: HttpSession, config: Extract<HttpLogin, { kind: 'json' }>, credentials: Credentials): Promise<LoginResult> {
  const body = { ...(config.extraFields ?? {}), [config.usernameField]: credentials.username, [config.passwordField]: credentials.password };
  const response = await session.request({ path: config.path, method: 'POST', json: body, headers: { accept: 'application/json' } });
  const responses = [response];
  const judged = await judgeSigns(session, config.success, response, responses);
  if (judged.accepted && config.token) {
    let token: unknown;
    try {
      token = member(JSON.parse(response.text), config.token.field);
    } catch {
      token = undefined;
    }
    if (typeof token !== 'string' || token.length === 0) {
      return { kind: 'json', accepted: false, signs: judged.signs, reason: `${judged.reason}, but no token in "${config.token.field}"`, response, responses, cookiesSet: response.setCookie.map(cookieName), decisionMs: response.durationMs };
    }
    session.authorizer = new TokenAuthorizer(config.token.header, `${config.token.prefix}${token}`);
  }
  return { kind: 'json', ...judged, response, responses, cookiesSet: response.setCookie.map(cookieName), decisionMs: response.durationMs };
}

/** Ends the session at logoutPath: POST, or GET when the device answers POST with 405. */
export async function logout(session: HttpSession, logoutPath: string): Promise<HttpResponse> {
  const posted = await session.request({ path: logoutPath, method: 'POST', form: {} });
  if (posted.status !== 405) return posted;
  return session.get(logoutPath);
}

/** Names of the session cookie(s): declared, else the login's success cookie, else every cookie the login set. */
export function sessionCookieNames(endpoint: Pick<HttpEndpoint, 'sessionCookie' | 'login'>, result?: Pick<LoginResult, 'cookiesSet'>): string[] {
  if (endpoint.sessionCookie) return [endpoint.sessionCookie];
  if ((endpoint.login.kind === 'form' || endpoint.login.kind === 'json') && endpoint.login.success.cookie) return [endpoint.login.success.cookie];
  return [...new Set(result?.cookiesSet ?? [])];
}
