import type { Discovered, DiscoveryScene } from '../../core/protocol.js';
import { challengesOf } from './auth.js';
import { isRedirect, sendRequest, type HttpResponse } from './client.js';
import type { HttpEndpointInput } from './endpoint.js';

/**
 * `init`: a web management interface shows itself by asking for a login: a 401 with a Basic or Digest challenge, or a
 * page (reached by following the device's own redirects) with a password field. A page that asks for nothing is left
 * to the TLS analysis or to the CR 7.7 scan. Only GET requests are sent, and no login is tried.
 */

const MAX_REDIRECTS = 4;

interface LoginPage {
  base: URL;
  /** The page the device sent the browser to the login from: it needs a login, so it is the protected page. */
  protectedPath: string;
  login: HttpEndpointInput['login'];
  note: string;
}

export async function discoverHttp(scene: DiscoveryScene): Promise<Discovered | undefined> {
  const interfaces: HttpEndpointInput[] = [];
  const found: string[] = [];
  const claims: Discovered['claims'] = [];
  const add = (port: number, scheme: string, page: LoginPage, plain?: number) => {
    const name = scene.uniqueName('web-ui', port);
    interfaces.push({
      name,
      url: page.base.href,
      login: page.login,
      protectedPath: page.protectedPath,
      adminPath: page.protectedPath,
      ...(plain ? { plainUrl: `http://${hostForUrl(scene.host)}:${plain}/` } : {}),
    });
    claims.push({ port, transport: 'tcp' }, ...(plain ? [{ port: plain, transport: 'tcp' as const }] : []));
    found.push(`web UI on ${port}/tcp (${scheme}): ${page.note}${plain ? `; ${plain}/tcp redirects to it over plain HTTP` : ''}`);
  };

  // A plain-HTTP port either sends the browser to an HTTPS port (its twin) or is a web UI of its own.
  const twinOf = new Map<number, number>();
  const plainLogins: Array<{ port: number; page: LoginPage }> = [];
  for (const candidate of scene.tcp.filter((entry) => entry.service.startsWith('HTTP'))) {
    const base = new URL(`http://${hostForUrl(scene.host)}:${candidate.port}/`);
    const first = await get(scene, base).catch(() => undefined);
    const target = first && isRedirect(first.status) && first.location ? new URL(first.location) : undefined;
    if (target?.protocol === 'https:' && target.hostname === base.hostname) {
      twinOf.set(Number(target.port || 443), candidate.port);
      continue;
    }
    const page = await findLogin(scene, base).catch(() => undefined);
    if (page) plainLogins.push({ port: candidate.port, page });
  }
  for (const candidate of scene.tcp.filter((entry) => entry.service === 'unknown' || entry.service === 'TLS')) {
    const page = await findLogin(scene, new URL(`https://${hostForUrl(scene.host)}:${candidate.port}/`)).catch(() => undefined);
    if (page) add(candidate.port, 'https', page, twinOf.get(candidate.port));
  }
  for (const { port, page } of plainLogins) add(port, 'http', page);
  if (interfaces.length === 0) return undefined;
  const todo = [
    ...interfaces.map((entry) => `${entry.name}: adminPath is set to the protected page; name a page only an admin may see (and adminAction, if a harmless admin-only action exists)`),
    ...interfaces.filter((entry) => entry.login.kind === 'form').map((entry) => `${entry.name}: login.success says how a successful login shows; the redirect given is a guess, check it with one real login`),
    'web UI: banner, idleTimeoutS and lockout as the vendor documents them (CR 1.12, 2.6, 1.11)',
  ];
  return { endpoint: interfaces, claims, found, todo, roles: ['admin', 'operator', 'viewer', 'lockout'] };
}

const hostForUrl = (host: string) => (host.includes(':') ? `[${host}]` : host);

async function get(scene: DiscoveryScene, url: URL): Promise<HttpResponse> {
  return sendRequest({ url, timeoutMs: scene.timeoutMs, signal: scene.signal, maxBodyBytes: 256 * 1024 });
}

async function findLogin(scene: DiscoveryScene, base: URL): Promise<LoginPage | undefined> {
  let url = base;
  let protectedPath = '/';
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const answer = await get(scene, url);
    if (answer.status === 401) {
      const challenges = challengesOf(answer.rawHeaders);
      const digest = challenges.find((challenge) => challenge.scheme.toLowerCase() === 'digest');
      const basic = challenges.find((challenge) => challenge.scheme.toLowerCase() === 'basic');
      if (!digest && !basic) return undefined;
      return { base, protectedPath: url.pathname, login: digest ? { kind: 'digest' } : { kind: 'basic' }, note: `${url.pathname} asks for HTTP ${digest ? 'Digest' : 'Basic'} authentication` };
    }
    if (isRedirect(answer.status) && answer.location) {
      const next = new URL(answer.location);
      // Off to another host or port: not this interface's login.
      if (next.host !== url.host) return undefined;
      if (hop === 0) protectedPath = url.pathname;
      url = next;
      continue;
    }
    const form = loginForm(answer.text);
    if (!form) return undefined;
    const action = new URL(form.action || url.pathname, url);
    return {
      base,
      protectedPath,
      login: {
        kind: 'form',
        path: action.pathname,
        ...(url.pathname !== action.pathname ? { pagePath: url.pathname } : {}),
        usernameField: form.username ?? 'username',
        passwordField: form.password,
        ...(form.hidden.length ? { hiddenFields: form.hidden } : {}),
        success: { redirectTo: protectedPath === url.pathname ? '/' : protectedPath },
      },
      note: `login form at ${url.pathname} posting ${form.username ?? '?'} and ${form.password} to ${action.pathname}`,
    };
  }
  return undefined;
}

interface FormFields {
  action: string;
  username?: string;
  password: string;
  hidden: string[];
}

/** The first form with a password input: its action and the names of its user, password and hidden inputs. */
function loginForm(html: string): FormFields | undefined {
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const inputs = [...match[2]!.matchAll(/<input\b([^>]*)>/gi)].map((input) => ({ type: attribute(input[1]!, 'type')?.toLowerCase() ?? 'text', name: attribute(input[1]!, 'name') }));
    const password = inputs.find((input) => input.type === 'password' && input.name)?.name;
    if (!password) continue;
    const username = inputs.find((input) => ['text', 'email'].includes(input.type) && input.name)?.name;
    const hidden = inputs.filter((input) => input.type === 'hidden' && input.name).map((input) => input.name!);
    return { action: attribute(match[1]!, 'action') ?? '', ...(username ? { username } : {}), password, hidden };
  }
  return undefined;
}

const attribute = (tag: string, name: string): string | undefined => new RegExp(`\\b${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag)?.slice(1).find((value) => value !== undefined);
