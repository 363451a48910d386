import { readFileSync } from 'node:fs';
import { notApplicable, type CheckContext, type CheckOutcome } from '../../core/check.js';
import type { LoginBudget } from '../../core/safety/failed-logins.js';
import type { OpcuaChannel } from './client.js';
import { formatStatus } from './status.js';
import { NO_PASSWORD_LOGIN, opcuaTarget, passwordEndpoints, rankEndpoint, reachedTokenCheck, type OpcuaTarget } from './target.js';
import type { SessionAttempt } from './types.js';

export interface CredentialPair {
  username: string;
  password: string;
}

/** A credential list kept as data under suites/data/ ({ pairs: [{username, password}] }). */
export function loadCredentialList(file: URL | string): CredentialPair[] {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { pairs?: CredentialPair[] };
  if (!Array.isArray(parsed.pairs) || parsed.pairs.some((pair) => typeof pair.username !== 'string' || typeof pair.password !== 'string')) {
    throw new Error(`${String(file)}: expected { pairs: [{ username, password }] }`);
  }
  return parsed.pairs;
}

export interface CredentialTrial {
  username: string;
  /** The password is never kept; only whether it was empty. */
  emptyPassword: boolean;
  attempt: SessionAttempt;
}

export interface BudgetedTrials {
  trials: CredentialTrial[];
  /** Candidates not sent, because their account had no failed login left in the run's budget. */
  skipped: Array<{ username: string; emptyPassword: boolean }>;
  /** Logins of known accounts made in between to reset a count (each one also a positive control). */
  resets: number;
}

export interface TrialOptions {
  logins: LoginBudget;
  /** Accounts of the profile by user name, whose own password resets the device's count when the budget runs out. */
  known: ReadonlyMap<string, string>;
  throwIfAborted: () => void;
}

/**
 * Tries each pair as a UserName identity on one open channel, never sending an account more consecutive failures
 * than the run's budget allows: a known account logs in with its own password in between to reset its count, any
 * other candidate is skipped once its account has none left. Spellings that differ only in case count as one account,
 * since many devices compare user names that way. An accepted session is closed at once.
 */
export async function tryCredentials(channel: OpcuaChannel, pairs: CredentialPair[], options: TrialOptions): Promise<BudgetedTrials> {
  const { logins, known } = options;
  const trials: CredentialTrial[] = [];
  const skipped: BudgetedTrials['skipped'] = [];
  let resets = 0;
  // Failures sent in this run of the list, per lower-cased name, since its last success.
  const inARow = new Map<string, number>();
  const left = (username: string) => Math.min(logins.remaining(username), logins.threshold - 1 - (inARow.get(username.toLowerCase()) ?? 0));
  const attempt = async (username: string, password: string) => {
    const { attempt, session } = await channel.attemptSession({ kind: 'username', username, password });
    await session?.close();
    if (attempt.accepted) {
      logins.succeeded(username);
      inARow.delete(username.toLowerCase());
    } else if (reachedTokenCheck(attempt)) {
      logins.failed(username);
      inARow.set(username.toLowerCase(), (inARow.get(username.toLowerCase()) ?? 0) + 1);
    }
    return attempt;
  };
  for (const pair of pairs) {
    options.throwIfAborted();
    const own = known.get(pair.username);
    if (left(pair.username) <= 0 && own !== undefined && own !== pair.password) {
      const reset = await attempt(pair.username, own);
      if (reset.accepted) resets++;
    }
    if (left(pair.username) <= 0 && known.get(pair.username) !== pair.password) {
      skipped.push({ username: pair.username, emptyPassword: pair.password === '' });
      continue;
    }
    trials.push({ username: pair.username, emptyPassword: pair.password === '', attempt: await attempt(pair.username, pair.password) });
  }
  return { trials, skipped, resets };
}

/** "2 skipped for the failed-login budget (admin, root)" or "none skipped for the failed-login budget". */
export function describeSkipped(result: BudgetedTrials, logins: LoginBudget, documented: boolean): string {
  const budget = `budget ${logins.threshold - 1} failures in a row per account, lockout threshold ${logins.threshold}${documented ? ' as documented in the profile' : ', the default'}`;
  if (result.skipped.length === 0) return `none skipped for the failed-login budget (${budget})`;
  return `${result.skipped.length} skipped for the failed-login budget (${budget}: ${[...new Set(result.skipped.map((entry) => entry.username))].join(', ')})`;
}

export interface PasswordLoginScope {
  target: OpcuaTarget;
  channel: OpcuaChannel;
  /** "SignAndEncrypt/Basic256Sha256" */
  channelName: string;
  /** The profile's accounts on this interface, user name to password. */
  known: ReadonlyMap<string, string>;
  /** "viewer \"view.msmith\"": the known account whose login succeeded on this channel before any candidate. */
  control: string;
}

/**
 * The frame of every check that sends passwords expected to fail: not applicable where no endpoint offers a UserName
 * policy at all; otherwise one channel on the strongest endpoint that does, on which a known account of the profile
 * must log in first (the positive control: the token check is reached and can say yes), then the body.
 */
export async function withPasswordLogin(ctx: CheckContext, body: (scope: PasswordLoginScope) => Promise<CheckOutcome>): Promise<CheckOutcome> {
  const target = opcuaTarget(ctx);
  try {
    const inventory = await target.inventory();
    const offering = passwordEndpoints(inventory).filter((endpoint) => Number.isFinite(rankEndpoint(endpoint))).sort((a, b) => rankEndpoint(a) - rankEndpoint(b));
    if (offering.length === 0) return notApplicable(NO_PASSWORD_LOGIN(inventory), { endpoints: inventory.endpoints.map((endpoint) => `${endpoint.securityMode}/${endpoint.securityPolicy}`) });
    const account = target.knownAccount();
    if (!account) throw new Error('the profile names no account on this interface (accounts[], other than the lockout one) to show that a password login can succeed');
    const options = { securityPolicy: offering[0]!.securityPolicy, securityMode: offering[0]!.securityMode };
    const channelName = `${options.securityMode}/${options.securityPolicy}`;
    const channel = await ctx.step(`secure channel ${channelName}`, () => target.probe.openChannel(options));
    try {
      const control = await ctx.step(`positive control: ${account.role} "${account.username}" logs in on the same channel`, () => target.controlLogin(channel, account));
      if (!control.accepted) {
        throw new Error(`the known ${account.role} account "${account.username}" was refused on ${channelName} (${control.status ? formatStatus(control.status) : control.note}), so a refusal of other credentials would prove nothing`);
      }
      const here = ctx.profile.accounts.filter((entry) => !entry.interfaces || entry.interfaces.includes(ctx.interface.name));
      return await body({ target, channel, channelName, known: new Map(here.map((entry) => [entry.username, entry.password])), control: `${account.role} "${account.username}"` });
    } finally {
      await channel.close();
    }
  } finally {
    target.attachTranscript();
  }
}

/**
 * How the refusals of the candidates read: "BadUserAccessDenied" for those the token check refused, and how many
 * stopped before it. Throws when none reached the token check: then nothing was tested.
 */
export function describeRefusals(trials: CredentialTrial[]): string {
  const checked = trials.filter((trial) => reachedTokenCheck(trial.attempt));
  const before = trials.filter((trial) => !trial.attempt.accepted && !reachedTokenCheck(trial.attempt));
  if (trials.length > 0 && checked.length === 0) {
    throw new Error(`none of the ${trials.length} candidates reached the token check (${[...new Set(before.map((trial) => `${trial.attempt.stage}: ${trial.attempt.status ? formatStatus(trial.attempt.status) : trial.attempt.note}`))].join('; ')})`);
  }
  const statuses = [...new Set(checked.map((trial) => trial.attempt.status!.name))].join(', ');
  return `${checked.length} refused by the token check (${statuses})${before.length > 0 ? `, ${before.length} stopped before it` : ''}`;
}
