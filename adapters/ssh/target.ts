import { readFileSync } from 'node:fs';
import type { CheckContext } from '../../core/check.js';
import { accountsFor } from '../../core/profile/load.js';
import type { Account } from '../../core/profile/schema.js';
import { DEFAULT_IDLE_TIMEOUT_S, type SshEndpoint } from './endpoint.js';
import { attemptPasswordLogin, probeAuthentication, type LoginAttempt } from './login.js';

/**
 * What the SSH checks share: the interface under test, logins that go through the run's failed-login ledger, the
 * positive control (a known account gets in), and credential lists tried within the budget.
 */

export interface SshTarget {
  endpoint: SshEndpoint;
  host: string;
  port: number;
  /** For one connection with key exchange and authentication. */
  timeoutMs: number;
  signal: AbortSignal;
}

export function sshTarget(ctx: CheckContext): SshTarget {
  const endpoint = ctx.interface.endpoint as SshEndpoint;
  return { endpoint, host: ctx.host, port: endpoint.port, timeoutMs: ctx.settings.connectTimeoutMs + ctx.settings.requestTimeoutMs, signal: ctx.signal };
}

/** The idle-session bound the CR 2.6 check applies, and where it comes from. */
export function idleBound(endpoint: SshEndpoint): { seconds: number; source: string } {
  return endpoint.idleTimeoutS !== undefined
    ? { seconds: endpoint.idleTimeoutS, source: 'endpoints.ssh.idleTimeoutS' }
    : { seconds: DEFAULT_IDLE_TIMEOUT_S, source: `default, the profile gives no endpoints.ssh.idleTimeoutS` };
}

const describeAttempt = (attempt: LoginAttempt) =>
  `${attempt.outcome}${attempt.method ? ` (by ${attempt.method})` : ''}; methods offered: ${attempt.methodsOffered.join(', ') || 'none'}${attempt.verdictMs !== undefined ? `; verdict after ${attempt.verdictMs} ms` : ''}`;

/** One password login, recorded in the run's failed-login ledger and the transcript (never the password). */
export async function sshLogin(ctx: CheckContext, target: SshTarget, username: string, password: string, purpose: string): Promise<LoginAttempt> {
  const attempt = await ctx.step(`${purpose}: log in as "${username}"`, () => attemptPasswordLogin({ ...target, username, password }));
  if (attempt.failedLogin) ctx.logins.failed(username);
  else if (attempt.outcome === 'accepted' || attempt.outcome === 'accepted-without-password') ctx.logins.succeeded(username);
  ctx.log(`login as "${username}": ${describeAttempt(attempt)}`);
  return attempt;
}

export async function sshMethods(ctx: CheckContext, target: SshTarget, username: string): Promise<LoginAttempt> {
  const attempt = await ctx.step(`ask which methods the server offers "${username}" (no password sent)`, () => probeAuthentication({ ...target, username }));
  ctx.log(`methods for "${username}": ${attempt.methodsOffered.join(', ') || 'none'}${attempt.outcome === 'accepted-without-password' ? ' (let in without any password!)' : ''}`);
  return attempt;
}

/** Accounts of this interface a check may log in with; lockout accounts are kept for the lockout check. */
export function knownAccounts(ctx: CheckContext): Account[] {
  return accountsFor(ctx.profile, ctx.interface.name).filter((account) => account.role !== 'lockout');
}

/** Why a login check cannot prove anything on this profile: no account of the SSH interface to log in with. */
export function requiresKnownAccount(profile: CheckContext['profile']): string | undefined {
  const endpoint = profile.endpoints.ssh;
  if (!endpoint) return undefined;
  const name = endpoint.name ?? 'ssh';
  const usable = profile.accounts.some((account) => account.role !== 'lockout' && (account.interfaces === undefined || account.interfaces.includes(name)));
  return usable ? undefined : `the profile names no account of the SSH interface "${name}" (besides lockout accounts): without a login that gets through, refused logins prove nothing`;
}

export type PositiveControl =
  /** The known account logged in with its password: the server decides on passwords. */
  | { kind: 'proven'; account: Account; attempt: LoginAttempt }
  /** The server offers no password method at all, so no password can be tried. */
  | { kind: 'no-password-login'; methods: string[] };

/**
 * The positive control of the login checks: a known account of this interface logs in with its password, which shows
 * that the server reaches the password decision, so a refusal of other pairs means something. A refusal of the known
 * account leaves the check without proof: it ends as an error.
 */
export async function positiveControl(ctx: CheckContext, target: SshTarget): Promise<PositiveControl> {
  const account = knownAccounts(ctx)[0];
  if (!account) throw new Error(`no account of interface "${ctx.interface.name}" to show that a correct login gets through`);
  const attempt = await sshLogin(ctx, target, account.username, account.password, 'positive control');
  if (attempt.outcome === 'no-password-method') return { kind: 'no-password-login', methods: attempt.methodsOffered };
  if (attempt.outcome !== 'accepted') {
    throw new Error(`positive control failed: the profile's account "${account.username}" was ${attempt.outcome} (${describeAttempt(attempt)}), so refusals of other logins would prove nothing`);
  }
  return { kind: 'proven', account, attempt };
}

export interface CredentialPair {
  username: string;
  password: string;
}

export function loadPairs(url: URL): CredentialPair[] {
  return (JSON.parse(readFileSync(url, 'utf8')) as { pairs: CredentialPair[] }).pairs;
}

export interface PairTrial {
  username: string;
  /** Position in the public list, from 1. */
  entry: number;
  /** Only for a pair the device accepted: the public value that is the finding. */
  password?: string;
  /** The outcome, or why the pair was not sent. */
  outcome: LoginAttempt['outcome'] | 'skipped: failed-login budget spent';
}

/**
 * Tries each pair once, in order, but never sends an account more consecutive failures than the run's budget allows
 * (the interface's lockout threshold minus one); a pair over budget is recorded as skipped, not as refused.
 */
export async function tryPairs(ctx: CheckContext, target: SshTarget, pairs: CredentialPair[], purpose: string): Promise<PairTrial[]> {
  const trials: PairTrial[] = [];
  for (const [index, pair] of pairs.entries()) {
    ctx.throwIfAborted();
    const entry = index + 1;
    if (ctx.logins.remaining(pair.username) <= 0) {
      trials.push({ username: pair.username, entry, outcome: 'skipped: failed-login budget spent' });
      continue;
    }
    const attempt = await sshLogin(ctx, target, pair.username, pair.password, purpose);
    if (attempt.outcome === 'accepted' || attempt.outcome === 'accepted-without-password') {
      // A public list's pair that worked is the finding: named in the evidence even if the profile holds the same value.
      ctx.disclose(pair.username, purpose);
      ctx.disclose(pair.password, purpose);
      trials.push({ username: pair.username, entry, password: pair.password, outcome: attempt.outcome });
    } else trials.push({ username: pair.username, entry, outcome: attempt.outcome });
    if (attempt.outcome === 'no-password-method') break;
  }
  return trials;
}

/** "root" with password "root" (list entry 3): how an accepted pair of a public list is named. */
export const describeAcceptedPair = (trial: PairTrial): string =>
  trial.outcome === 'accepted-without-password' ? `"${trial.username}" without a password (list entry ${trial.entry})` : `"${trial.username}" with password "${trial.password}" (list entry ${trial.entry})`;

export function budgetNote(ctx: CheckContext, trials: PairTrial[]): string {
  const skipped = trials.filter((trial) => trial.outcome.startsWith('skipped')).length;
  return `at most ${Math.max(0, ctx.logins.threshold - 1)} failed login(s) per account in a row (lockout threshold ${ctx.logins.threshold})${skipped ? `; ${skipped} pair(s) left out to stay within it` : ''}`;
}
