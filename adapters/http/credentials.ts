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
  /** The pair's place in the list, so a report can name it without printing the password. */
  index: number;
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
 * account is never tried: CR 1.11 owns it. A pair that gets in is logged out again at once.
 */
export async function tryCredentialPairs(target: WebTarget, pairs: readonly CredentialPair[]): Promise<CredentialTrials> {
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
    trials.push({ username: pair.username, index, outcome: result.accepted ? 'accepted' : 'refused', reason: result.reason });
    if (result.accepted && target.endpoint.logoutPath) await logout(session, target.endpoint.logoutPath).catch(() => undefined);
  }
  const report = budget.report();
  return { trials, accepted: trials.filter((trial) => trial.outcome === 'accepted'), budget: report, budgetLine: describeFailedLogins(report) };
}
