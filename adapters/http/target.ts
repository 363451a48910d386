import { randomBytes } from 'node:crypto';
import type { CheckContext } from '../../core/check.js';
import { accountsFor } from '../../core/profile/load.js';
import type { Account, Profile } from '../../core/profile/schema.js';
import { FailedLoginBudget } from './budget.js';
import type { HttpResponse } from './client.js';
import { distinctivePhrases, judgeSessionServed, type PageJudgement } from './content.js';
import type { HttpEndpoint } from './endpoint.js';
import { login, sessionCookieNames, type LoginResult } from './login.js';
import { HttpSession, type SessionOptions } from './session.js';

/**
 * What every web check needs from its context: the interface's endpoint, sessions fenced to the profile's host with
 * the run's timeouts and signal, the accounts of this interface, logins recorded in the run's failed-login ledger,
 * and the transcript attached at the end.
 */

export type AccountRole = Account['role'];

/** "Ab3…" style password no device has: a wrong password that cannot be a real one. */
export const randomPassword = () => `Wrong-${randomBytes(9).toString('base64url')}`;
/** A user name no device has. */
export const unknownUserName = () => `nouser-${randomBytes(4).toString('hex')}`;

export interface PageReference {
  page: HttpResponse;
  anonymous: HttpResponse;
  distinctive: string[];
}

export class WebTarget {
  readonly endpoint: HttpEndpoint;
  readonly name: string;
  readonly accounts: Account[];
  private readonly sessions: HttpSession[] = [];

  constructor(readonly ctx: CheckContext) {
    this.endpoint = ctx.interface.endpoint as HttpEndpoint;
    this.name = ctx.interface.name;
    this.accounts = accountsFor(ctx.profile, this.name);
  }

  get secure(): boolean {
    return new URL(this.endpoint.url).protocol === 'https:';
  }

  get baseUrl(): URL {
    return new URL(this.endpoint.url);
  }

  /** Where the device answers plain HTTP: the declared plainUrl, else port 80 of the host. */
  get plainUrl(): URL {
    return new URL(this.endpoint.plainUrl ?? `http://${this.ctx.host}/`);
  }

  /**
   * Names a value of a public list that the device accepted (ctx.disclose, core/check.ts): the finding is that value,
   * so it must not be masked where the profile happens to hold it as a password.
   */
  disclose(publicValue: string, list: string): void {
    this.ctx.disclose(publicValue, list);
  }

  /** The page that shows the login: the form's page, else the interface's root. */
  get loginPagePath(): string {
    const config = this.endpoint.login;
    return config.kind === 'form' ? (config.pagePath ?? config.path) : '/';
  }

  /** A new browser, as it were: empty jar, no credentials, only the profile's host. */
  session(options: Partial<SessionOptions> = {}): HttpSession {
    const session = new HttpSession({
      baseUrl: this.endpoint.url,
      timeoutMs: this.ctx.settings.requestTimeoutMs,
      signal: this.ctx.signal,
      allowedHosts: [this.ctx.host],
      log: (line) => this.ctx.log(line),
      ...options,
    });
    this.sessions.push(session);
    return session;
  }

  /** The first account of these roles on this interface, in the order given; the lockout account only when named. */
  account(...roles: AccountRole[]): Account | undefined {
    for (const role of roles) {
      const found = this.accounts.find((account) => account.role === role);
      if (found) return found;
    }
    return undefined;
  }

  /** The account whose successful login shows the device decides logins: the least privileged known one. */
  controlAccount(): Account {
    const account = this.account('viewer', 'operator', 'admin');
    if (!account) throw new Error(`the profile names no viewer, operator or admin account for ${this.name} (accounts[] with interfaces: [${this.name}])`);
    return account;
  }

  /** Logs in and records the outcome in the run's failed-login ledger. */
  async login(session: HttpSession, credentials: { username: string; password: string }): Promise<LoginResult> {
    const result = await login(session, this.endpoint, credentials);
    if (result.accepted) this.ctx.logins.succeeded(credentials.username);
    else this.ctx.logins.failed(credentials.username);
    return result;
  }

  /** A login that must succeed (a positive control); throws naming the account when the device refuses it. */
  async loginAs(account: Account, session = this.session()): Promise<{ session: HttpSession; result: LoginResult }> {
    const result = await this.ctx.step(`log in as ${account.role} "${account.username}"`, () => this.login(session, account));
    if (!result.accepted) throw new Error(`the known ${account.role} account "${account.username}" could not log in (${result.reason}); check accounts[] in the profile`);
    return { session, result };
  }

  /** The budget of failed logins for this check, with the known accounts of this interface to reset counts. */
  budget(): FailedLoginBudget {
    const known = this.accounts.filter((account) => account.role !== 'lockout');
    const control = this.account('viewer', 'operator', 'admin');
    return new FailedLoginBudget(this.ctx.logins, known, control, async (account) => (await this.login(this.session(), account)).accepted);
  }

  sessionCookieNames(result?: LoginResult): string[] {
    return sessionCookieNames(this.endpoint, result);
  }

  /**
   * A page as a logged-in account sees it, the same page asked for anonymously, and the phrases that make it that page
   * and not the login page or a 404.
   */
  async reference(session: HttpSession, path: string): Promise<PageReference> {
    const page = await session.get(path);
    if (page.status !== 200) throw new Error(`${path} answered ${page.status} to a logged-in user; expected the page itself (200)`);
    const stranger = this.session();
    const loginPage = await stranger.get(this.loginPagePath);
    const missing = await stranger.get(`/${unknownUserName()}.html`);
    const anonymous = await this.session().get(path);
    const distinctive = distinctivePhrases(page.text, [loginPage.text, missing.text]);
    if (distinctive.length === 0) throw new Error(`${path} shows nothing the login page does not show; cannot tell whether it was served`);
    return { page, anonymous, distinctive };
  }

  /** Whether an answer reached the page as the session it carried would (see judgeSessionServed). */
  sessionServed(answer: HttpResponse, reference: PageReference): PageJudgement {
    return judgeSessionServed(answer, reference.page, reference.anonymous, reference.distinctive);
  }

  /** Every exchange of the check, without bodies or secrets, as one attachment. */
  attachTranscript(): void {
    const lines = this.sessions.flatMap((session, index) =>
      session.exchanges.map((exchange) => `#${index + 1} ${exchange.method} ${exchange.url} → ${exchange.error ?? `${exchange.status}${exchange.location ? ` Location: ${exchange.location}` : ''}${exchange.setCookies ? ` Set-Cookie: ${exchange.setCookies.join(', ')}` : ''}`} (${exchange.durationMs} ms)`),
    );
    if (lines.length > 0) this.ctx.attach({ name: `${this.name} HTTP exchanges`, contentType: 'text/plain', extension: 'txt', content: `${lines.join('\n')}\n` });
  }
}

export function webTarget(ctx: CheckContext): WebTarget {
  return new WebTarget(ctx);
}

/** `requires` of checks that need an account of some role on a web interface. */
export function requiresWebAccount(...roles: AccountRole[]): (profile: Profile) => string | undefined {
  return (profile) => {
    const interfaces = profile.endpoints.http ?? [];
    if (interfaces.length === 0) return undefined;
    const some = interfaces.some((entry) => accountsFor(profile, entry.name).some((account) => roles.includes(account.role)));
    return some ? undefined : `the profile names no ${roles.join(' or ')} account for a web interface (accounts[] with role ${roles.join('/')})`;
  };
}

/** The session's cookies by name, for comparing before and after. */
export function cookieValues(session: HttpSession, names: readonly string[]): Record<string, string | undefined> {
  return Object.fromEntries(names.map((name) => [name, session.jar.get(name)?.value]));
}

/** The session cookie a login left in the jar: its name and value; throws when the interface keeps no session cookie. */
export function sessionCookieOf(target: WebTarget, session: HttpSession, result: LoginResult): { name: string; value: string } {
  const kind = target.endpoint.login.kind;
  if (kind === 'basic' || kind === 'digest') throw new Error(`${target.name} uses HTTP ${kind} authentication, which keeps no session cookie`);
  for (const name of target.sessionCookieNames(result)) {
    const value = session.jar.get(name)?.value;
    if (value) return { name, value };
  }
  throw new Error(`the login set no session cookie (${target.sessionCookieNames(result).join(', ') || 'none named'}); name it in endpoints.http[].sessionCookie`);
}

/** `requires` for checks that need a declared field on every web interface they would run on. */
export function requiresOnWebInterfaces(field: keyof HttpEndpoint, why: string): (profile: Profile) => string | undefined {
  return (profile) => {
    const interfaces = profile.endpoints.http ?? [];
    return interfaces.length === 0 || interfaces.some((entry) => entry[field] !== undefined) ? undefined : `no web interface declares ${field} (${why})`;
  };
}
