import type { LoginBudget } from '../../core/safety/failed-logins.js';

/**
 * How the web checks spend the run's failed-login budget (ctx.logins, core/safety/failed-logins.ts). No user name gets
 * more failures in a row than the lockout threshold minus one. A known account's count is reset the way the device
 * resets it, by a successful login of that account, which is also the positive control that the device still decides
 * logins. User names the profile does not know cannot be reset, so they get the budget once per run. A successful
 * login of the control account also follows every `budget` failures in a row, whoever they were for, in case the
 * device counts failures per client rather than per account.
 */

export interface LedgerAccount {
  username: string;
  password: string;
}

export interface BudgetReport {
  threshold: number;
  /** Failed logins allowed in a row per user name: threshold - 1. */
  budget: number;
  /** Failed logins this check sent, per user name. */
  sent: Record<string, number>;
  /** Successful logins made to reset counters (positive controls). */
  controlLogins: number;
  /** User names whose budget was spent, so attempts for them were left out. */
  skipped: Array<{ username: string; attempts: number }>;
}

export class BudgetControlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BudgetControlError';
  }
}

export class FailedLoginBudget {
  private readonly sent = new Map<string, number>();
  private readonly skipped = new Map<string, number>();
  private controlLogins = 0;
  private sinceControl = 0;

  /**
   * @param logins the run's ledger on this interface
   * @param known accounts of the interface whose count a successful login may reset (never the lockout account)
   * @param control the account whose successful login is the positive control
   * @param loginSucceeds logs an account in (recording it in the ledger) and says whether the device accepted it
   */
  constructor(
    private readonly logins: LoginBudget,
    private readonly known: readonly LedgerAccount[],
    private readonly control: LedgerAccount | undefined,
    private readonly loginSucceeds: (account: LedgerAccount) => Promise<boolean>,
  ) {}

  get budget(): number {
    return Math.max(0, this.logins.threshold - 1);
  }

  /** A successful login of a known account, which resets its count; throws when the device refuses it. */
  async reset(account: LedgerAccount): Promise<void> {
    if (!(await this.loginSucceeds(account))) {
      throw new BudgetControlError(
        `positive control failed: the known account "${account.username}" could not log in, so the device may be counting failures toward a lockout; stopped before sending more`,
      );
    }
    this.controlLogins += 1;
    if (account.username === this.control?.username) this.sinceControl = 0;
  }

  /** Whether one more failure for this user name fits the budget, resetting a known account first when needed. */
  async allow(username: string): Promise<boolean> {
    if (this.budget === 0) return false;
    if (this.sinceControl >= this.budget && this.control) await this.reset(this.control);
    if (this.logins.remaining(username) > 0) return true;
    const account = this.known.find((candidate) => candidate.username === username);
    if (!account) return false;
    await this.reset(account);
    return this.logins.remaining(username) > 0;
  }

  /**
   * Sends one login that may fail, within the budget; `attempt` must record the outcome in the ledger (the target's
   * login does). Returns undefined, and notes the skip, when the budget of that user name is spent.
   */
  async attempt<T>(username: string, attempt: () => Promise<{ accepted: boolean; value: T }>): Promise<T | undefined> {
    if (!(await this.allow(username))) {
      this.skipped.set(username, (this.skipped.get(username) ?? 0) + 1);
      return undefined;
    }
    const { accepted, value } = await attempt();
    if (!accepted) {
      this.sinceControl += 1;
      this.sent.set(username, (this.sent.get(username) ?? 0) + 1);
    }
    return value;
  }

  report(): BudgetReport {
    return {
      threshold: this.logins.threshold,
      budget: this.budget,
      sent: Object.fromEntries(this.sent),
      controlLogins: this.controlLogins,
      skipped: [...this.skipped].map(([username, attempts]) => ({ username, attempts })),
    };
  }
}

/** "failed logins sent: admin 2, root 1 (at most 2 in a row per account, threshold 3)" */
export function describeFailedLogins(report: BudgetReport): string {
  const sent = Object.entries(report.sent);
  const list = sent.length === 0 ? 'none' : sent.map(([username, count]) => `${username || '(empty)'} ${count}`).join(', ');
  const skipped = report.skipped.length === 0 ? '' : `; left out, budget spent: ${report.skipped.map((entry) => `${entry.username || '(empty)'} ×${entry.attempts}`).join(', ')}`;
  return `failed logins sent: ${list} (at most ${report.budget} in a row per account, lockout threshold ${report.threshold})${skipped}`;
}
