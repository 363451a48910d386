import { readFileSync } from 'node:fs';
import { describeFailedLogins, type BudgetReport } from './budget.js';
import { logout } from './login.js';
import type { WebTarget } from './target.js';

/** Trying a list of user name / password pairs against a web login, within the failed-login budget. */

export interface CredentialPair {
  username: string;
  password: string;
}

export interface CredentialTrial {
  username: string;
  /** The pair's place in the list; refused pairs are named by it, never by their password. */
  index: number;
  /** Only for an accepted pair: a public list's password the device took is the finding itself. */
  password?: string;
  outcome: 'accepted' | 'refused' | 'left out';
  reason?: string;
}

export interface CredentialTrials {
  trials: CredentialTrial[];
  accepted: CredentialTrial[];
  budget: BudgetReport;
  /** "failed logins sent: …" for the observed line. */
  budgetLine: string;
}

export function loadCredentialList(file: URL): CredentialPair[] {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { pairs: CredentialPair[] };
  return parsed.pairs;
}

/**
 * Logs in with each pair, after a positive control (a known account logs in) and never beyond the budget. The lockout
 * account is never tried: CR 1.11 owns it. A pair that gets in is logged out again at once and disclosed as an entry
 * of `list`, so the report names it even where the profile holds the same password.
 */
export async function tryCredentialPairs(target: WebTarget, pairs: readonly CredentialPair[], list: string): Promise<CredentialTrials> {
  const { ctx } = target;
  await target.loginAs(target.controlAccount());
  const budget = target.budget();
  const reserved = new Set(target.accounts.filter((account) => account.role === 'lockout').map((account) => account.username));
  const trials: CredentialTrial[] = [];
  for (const [index, pair] of pairs.entries()) {
    ctx.throwIfAborted();
    if (reserved.has(pair.username)) {
      trials.push({ username: pair.username, index, outcome: 'left out', reason: 'the lockout account is reserved for CR 1.11' });
      continue;
    }
    const session = target.session();
    const result = await budget.attempt(pair.username, async () => {
      const attempt = await target.login(session, pair);
      return { accepted: attempt.accepted, value: attempt };
    });
    if (!result) {
      trials.push({ username: pair.username, index, outcome: 'left out', reason: `budget of ${budget.budget} failed logins in a row spent` });
      continue;
    }
    if (!result.accepted) {
      trials.push({ username: pair.username, index, outcome: 'refused', reason: result.reason });
      continue;
    }
    target.disclose(pair.username, list);
    target.disclose(pair.password, list);
    trials.push({ username: pair.username, index, outcome: 'accepted', password: pair.password, reason: result.reason });
    if (target.endpoint.logoutPath) await logout(session, target.endpoint.logoutPath).catch(() => undefined);
  }
  const report = budget.report();
  return { trials, accepted: trials.filter((trial) => trial.outcome === 'accepted'), budget: report, budgetLine: describeFailedLogins(report) };
}

/** '"admin" with password "admin" (list entry 1)' */
export function describeAcceptedPairs(accepted: readonly CredentialTrial[]): string {
  return accepted.map((trial) => `"${trial.username}" with password "${trial.password}" (list entry ${trial.index + 1})`).join(', ');
}
