import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { LoginDecision, WebDevice, Session } from './device.js';
import type { DeviceRole } from './flaws.js';
import { directoryListing, loginPage, messagePage, SAMPLE_PAGES, settingsPage, stackTracePage, STATIC_FILES, statusPage } from './pages.js';

/**
 * The request handler of the simulated PLC web UI. One handler serves the main listener (HTTPS, or plain HTTP for the
 * http-only flaw) and the plain-HTTP port of a TLS device, which only redirects unless the device has the
 * plain-credentials flaw.
 */

export type ListenerKind = 'main' | 'plain-redirect';

export interface ListenerContext {
  kind: ListenerKind;
  /** The main listener speaks TLS. */
  secure: boolean;
  /** Origin the plain port redirects to, e.g. https://127.1.2.3:8443. */
  httpsOrigin?: string;
}

const MAX_BODY_BYTES = 64 * 1024;
const LOGIN_PATHS = new Set(['/login', '/api/login', '/logout']);
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const DIAG_REALM = 'PLC-17 diagnostics';

class BadRequest extends Error {}
class TooLarge extends Error {}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new TooLarge('request body too large'));
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function cookiesOf(request: IncomingMessage): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const pair of (request.headers.cookie ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at > 0) cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
  }
  return cookies;
}

/** Digest nonces this device issued; an answer to any other nonce is refused. */
class NonceBook {
  private readonly issued = new Map<string, number>();
  issue(): string {
    const nonce = randomBytes(16).toString('hex');
    this.issued.set(nonce, Date.now());
    for (const [old, at] of this.issued) if (Date.now() - at > 300_000) this.issued.delete(old);
    return nonce;
  }
  known(nonce: string): boolean {
    return this.issued.has(nonce);
  }
}

function parseAuthParams(text: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const match of text.matchAll(/([a-zA-Z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) params[match[1]!.toLowerCase()] = (match[2] ?? match[3] ?? '').replace(/\\(.)/g, '$1');
  return params;
}

function digestHash(algorithm: string, text: string): string {
  return createHash(algorithm.toUpperCase().startsWith('SHA-256') ? 'sha256' : 'md5')
    .update(text)
    .digest('hex');
}

export function createHandler(device: WebDevice, listener: ListenerContext) {
  const { flaws, parameters, stats } = device;
  const nonces = new NonceBook();
  const opaque = randomBytes(8).toString('hex');

  const baseHeaders = (): OutgoingHttpHeaders => {
    const headers: OutgoingHttpHeaders = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY' };
    if (listener.kind === 'main' && listener.secure && !flaws.has('no-hsts')) headers['strict-transport-security'] = `max-age=${parameters.hstsMaxAgeS}; includeSubDomains`;
    return headers;
  };

  const send = (request: IncomingMessage, response: ServerResponse, status: number, body: string, headers: OutgoingHttpHeaders = {}) => {
    const all = { ...baseHeaders(), 'content-type': 'text/html; charset=utf-8', ...headers, 'content-length': Buffer.byteLength(body) };
    response.writeHead(status, all);
    response.end(request.method === 'HEAD' ? undefined : body);
  };

  const sessionCookie = (id: string): string => {
    const attributes = ['Path=/'];
    if (!flaws.has('cookie-flags')) {
      attributes.push('HttpOnly');
      // Over plain HTTP a Secure cookie would never come back: the http-only device leaves it out.
      if (listener.secure || listener.kind === 'plain-redirect') attributes.push('Secure');
      attributes.push('SameSite=Strict');
    }
    return `${parameters.sessionCookie}=${id}; ${attributes.join('; ')}`;
  };
  const expiredCookie = () => `${parameters.sessionCookie}=; Path=/; Max-Age=0`;

  const currentSession = (request: IncomingMessage): { id?: string; session?: Session } => {
    const id = cookiesOf(request).get(parameters.sessionCookie);
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const chosen = id ?? bearer;
    return { id: chosen, session: device.session(chosen) };
  };

  const refuseAnonymous = (request: IncomingMessage, response: ServerResponse, page: () => string) => {
    if (flaws.has('anonymous-leak')) {
      // Execution after redirect: the page is rendered and sent along with the redirect.
      return send(request, response, 302, page(), { location: '/login' });
    }
    switch (parameters.anonymousRefusal) {
      case 'redirect':
        return send(request, response, 302, messagePage('Redirect', 'Please log in.'), { location: '/login' });
      case 'unauthorized':
        return send(request, response, 401, loginPage(device, 'Please log in.'));
      case 'login-form':
        return send(request, response, 200, loginPage(device, 'Please log in.'));
    }
  };

  const mayAdminister = (role: DeviceRole | undefined) => role === 'admin' || (flaws.has('viewer-admin') && role !== undefined);

  const refusalMessage = (outcome: 'unknown-user' | 'wrong-password' | 'locked') => {
    if (!flaws.has('user-enumeration')) return 'Login failed: invalid user name or password.';
    return outcome === 'unknown-user' ? 'Unknown user name.' : outcome === 'wrong-password' ? 'Wrong password for this user.' : 'Account locked.';
  };

  function auditLogin(request: IncomingMessage, username: string, decision: LoginDecision) {
    const accepted = decision.outcome === 'accepted';
    device.audit({ category: 'login', outcome: accepted ? 'success' : 'failure', user: username, client: request.socket.remoteAddress, action: 'login', ...(accepted ? {} : { reason: decision.outcome }) });
  }

  async function formLogin(request: IncomingMessage, response: ServerResponse) {
    const fields = new URLSearchParams(await readBody(request));
    const username = fields.get(parameters.usernameField) ?? '';
    const password = fields.get(parameters.passwordField) ?? '';
    const { id } = currentSession(request);
    const decision = await device.decideLogin(username, password);
    auditLogin(request, username, decision);
    if (decision.outcome !== 'accepted') return send(request, response, parameters.refusalStatus, loginPage(device, refusalMessage(decision.outcome)));
    const session = device.authenticate(id, decision.account);
    return send(request, response, 303, messagePage('Logged in', 'Continue to the status page.'), { location: '/status', 'set-cookie': sessionCookie(session.id) });
  }

  async function jsonLogin(request: IncomingMessage, response: ServerResponse) {
    const text = await readBody(request);
    let body: { username?: unknown; password?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch (error) {
      if (flaws.has('stack-trace')) throw error;
      throw new BadRequest('the body is not JSON');
    }
    const json = { ...baseHeaders(), 'content-type': 'application/json' };
    const decision = await device.decideLogin(String(body?.username ?? ''), String(body?.password ?? ''));
    auditLogin(request, String(body?.username ?? ''), decision);
    if (decision.outcome !== 'accepted') {
      const error = flaws.has('user-enumeration') ? decision.outcome : 'invalid credentials';
      const payload = JSON.stringify({ error });
      response.writeHead(401, { ...json, 'content-length': Buffer.byteLength(payload) }).end(payload);
      return;
    }
    const session = device.authenticate(currentSession(request).id, decision.account);
    const payload = JSON.stringify({ token: session.id, role: decision.account.role });
    response.writeHead(200, { ...json, 'set-cookie': sessionCookie(session.id), 'content-length': Buffer.byteLength(payload) }).end(payload);
  }

  async function diagnostics(request: IncomingMessage, response: ServerResponse) {
    const authorization = request.headers.authorization ?? '';
    let user: string | undefined;
    if (/^Digest\s/i.test(authorization)) {
      const params = parseAuthParams(authorization.slice(7));
      const algorithm = params.algorithm ?? 'MD5';
      if (nonces.known(params.nonce ?? '') && (params.uri ?? '') === request.url && /^(MD5|SHA-256)$/i.test(algorithm)) {
        const decision = await device.decideDigest(params.username ?? '', (password) => {
          const ha1 = digestHash(algorithm, `${params.username}:${DIAG_REALM}:${password}`);
          const ha2 = digestHash(algorithm, `${request.method}:${params.uri}`);
          const expected = params.qop ? digestHash(algorithm, `${ha1}:${params.nonce}:${params.nc}:${params.cnonce}:${params.qop}:${ha2}`) : digestHash(algorithm, `${ha1}:${params.nonce}:${ha2}`);
          return expected === params.response;
        });
        if (decision.outcome === 'accepted') user = decision.account.username;
      }
    } else if (/^Basic\s/i.test(authorization) && flaws.has('basic-auth')) {
      const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
      const at = decoded.indexOf(':');
      const decision = await device.decideLogin(decoded.slice(0, at), decoded.slice(at + 1));
      if (decision.outcome === 'accepted') user = decision.account.username;
    }
    if (user) return send(request, response, 200, messagePage('Diagnostics', `Diagnostics for ${user}: CPU load 12 %, 3 connections, no faults.`));
    const challenges = [
      `Digest realm="${DIAG_REALM}", qop="auth", algorithm=SHA-256, nonce="${nonces.issue()}", opaque="${opaque}"`,
      `Digest realm="${DIAG_REALM}", qop="auth", algorithm=MD5, nonce="${nonces.issue()}", opaque="${opaque}"`,
      ...(flaws.has('basic-auth') ? [`Basic realm="${DIAG_REALM}"`] : []),
    ];
    return send(request, response, 401, messagePage('Authentication required', 'Diagnostics need a login.'), { 'www-authenticate': challenges });
  }

  async function route(request: IncomingMessage, response: ServerResponse) {
    const method = request.method ?? 'GET';
    const url = new URL(request.url ?? '/', 'http://device');
    const path = decodeURIComponent(url.pathname);
    if (STATE_CHANGING.has(method) && !LOGIN_PATHS.has(path)) {
      stats.stateChangingRequests += 1;
      stats.stateChangingByPath[path] = (stats.stateChangingByPath[path] ?? 0) + 1;
    }

    if (method === 'TRACE') {
      if (!flaws.has('trace')) return send(request, response, 405, messagePage('Method not allowed', 'TRACE is not supported.'), { allow: 'GET, HEAD, POST' });
      const echo = [`TRACE ${request.url} HTTP/${request.httpVersion}`, ...Object.entries(request.headers).map(([name, value]) => `${name}: ${String(value)}`)].join('\r\n');
      return send(request, response, 200, `${echo}\r\n`, { 'content-type': 'message/http' });
    }
    if (method === 'OPTIONS') {
      response.writeHead(204, { ...baseHeaders(), allow: 'GET, HEAD, POST' });
      return response.end();
    }
    if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') return send(request, response, 405, messagePage('Method not allowed', `${method} is not supported.`), { allow: 'GET, HEAD, POST' });

    const { id, session } = currentSession(request);
    const loggedIn = session?.username !== undefined;

    if (path === '/') return send(request, response, 302, messagePage('Redirect', 'PLC-17'), { location: loggedIn ? '/status' : '/login' });
    if (path === '/login') {
      if (method === 'POST') return formLogin(request, response);
      if (session) return send(request, response, 200, loginPage(device));
      const anonymous = device.openAnonymousSession();
      return send(request, response, 200, loginPage(device), { 'set-cookie': sessionCookie(anonymous.id) });
    }
    if (path === '/api/login' && method === 'POST') return jsonLogin(request, response);
    if (path === '/logout') {
      device.endSession(id);
      return send(request, response, 303, messagePage('Logged out', 'You have been logged out.'), { location: '/login', 'set-cookie': expiredCookie() });
    }
    if (path === '/status') {
      if (!loggedIn) return refuseAnonymous(request, response, () => statusPage(device, 'admin'));
      return send(request, response, 200, statusPage(device, session!.username!));
    }
    if (path === '/api/status') {
      const json = { ...baseHeaders(), 'content-type': 'application/json' };
      const payload = loggedIn ? JSON.stringify({ mode: 'RUN', tankLevel: 62.5, user: session!.username }) : JSON.stringify({ error: 'authentication required' });
      response.writeHead(loggedIn ? 200 : 401, { ...json, 'content-length': Buffer.byteLength(payload) });
      return response.end(method === 'HEAD' ? undefined : payload);
    }
    if (path === '/settings' || path === '/settings/identify') {
      if (!loggedIn) return refuseAnonymous(request, response, () => settingsPage(device));
      if (!mayAdminister(session!.role)) {
        device.audit({ category: 'authorization', outcome: 'failure', user: session!.username, client: request.socket.remoteAddress, action: `${method} ${path}`, reason: `role ${session!.role}` });
        return send(request, response, 403, messagePage('Access denied', 'Your role may not change the settings.'));
      }
      if (path === '/settings' && method === 'POST') {
        const fields = new URLSearchParams(await readBody(request));
        device.settings.deviceName = fields.get('deviceName') ?? device.settings.deviceName;
        device.settings.ntpServer = fields.get('ntpServer') ?? device.settings.ntpServer;
        stats.settingsChanges += 1;
        return send(request, response, 303, messagePage('Saved', 'Settings applied.'), { location: '/settings' });
      }
      if (path === '/settings/identify') {
        if (method !== 'POST') return send(request, response, 405, messagePage('Method not allowed', 'Use POST.'), { allow: 'POST' });
        await readBody(request);
        stats.adminActions += 1;
        return send(request, response, 200, settingsPage(device, 'The identification LED flashes for 10 s.'));
      }
      return send(request, response, 200, settingsPage(device));
    }
    if (path === '/diag' || path.startsWith('/diag/')) return diagnostics(request, response);
    if (path === '/static' || path === '/static/') {
      if (flaws.has('directory-listing')) return send(request, response, 200, directoryListing('/static/', Object.keys(STATIC_FILES)));
      return send(request, response, 404, messagePage('Not found', 'The page does not exist.'));
    }
    if (path.startsWith('/static/') && STATIC_FILES[path.slice('/static/'.length)]) {
      const file = STATIC_FILES[path.slice('/static/'.length)]!;
      return send(request, response, 200, file.body, { 'content-type': file.type, 'cache-control': 'max-age=3600' });
    }
    if (flaws.has('sample-pages') && SAMPLE_PAGES[path]) return send(request, response, 200, SAMPLE_PAGES[path]);
    return send(request, response, 404, messagePage('Not found', 'The page does not exist.'));
  }

  const plainRedirect = (request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    return send(request, response, 301, messagePage('Moved', 'This interface is served over HTTPS.'), { location: `${listener.httpsOrigin}${request.url ?? '/'}` });
  };

  return (request: IncomingMessage, response: ServerResponse) => {
    const handle = async () => {
      if (listener.kind === 'plain-redirect') {
        if (!flaws.has('plain-credentials')) return plainRedirect(request, response);
        // Pages redirect, yet a login posted here is processed and a session cookie sent here is honoured.
        const path = (request.url ?? '/').split('?')[0];
        const carriesSession = currentSession(request).session?.username !== undefined;
        if (!(request.method === 'POST' && (path === '/login' || path === '/api/login')) && !carriesSession) return plainRedirect(request, response);
      }
      return route(request, response);
    };
    handle().catch((error: Error) => {
      if (response.headersSent) return response.destroy();
      if (error instanceof TooLarge) return send(request, response, 413, messagePage('Too large', 'The request is too large.'));
      if (flaws.has('stack-trace')) return send(request, response, 500, stackTracePage(error));
      if (error instanceof BadRequest || error instanceof URIError) return send(request, response, 400, messagePage('Bad request', 'The request could not be understood.'));
      return send(request, response, 500, messagePage('Error', 'The request could not be completed.'));
    });
  };
}
