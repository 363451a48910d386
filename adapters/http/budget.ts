/**
 * The failed-login budget of non-disruptive checks. A device in operation must never have an account locked by a
 * check that was allowed to run on it, so no user name receives more consecutive failed logins than the budget
 * (the documented lockout threshold minus one, default two), counted across every check of the run against the same
 * interface. A known account's counter is reset the way the device resets it: by a successful login of that account,
 * which is also the positive control that the device still decides logins. User names the profile does not know
 * cannot be reset, so they get the budget once per run. A successful login of the control account also follows every
 * `budget` failures in a row, whoever they were for, in case the device counts failures per client rather than per
 * account.
 */

export interface LedgerAccount {
  username: string;
  password: string;
}

export interface FailedLoginReport {
  /** Consecutive failed logins allowed per user name. */
  budget: number;
  /** Failed logins sent per user name by this check. */
  sent: Record<string, number>;
  /** Successful logins made to reset counters (positive controls). */
  controlLogins: number;
  /** User names whose budget was spent, so attempts for them were left out. */
  skipped: Array<{ username: string; attempts: number }>;
}

interface LedgerState {
  consecutive: Map<string, number>;
  sinceControl: number;
}

/** One ledger per interface for the whole process, so that checks run one after another share it. */
const LEDGERS = new Map<string, LedgerState>();

export class BudgetSpentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BudgetSpentError';
  }
}

export class FailedLoginBudget {
  private readonly state: LedgerState;
  private readonly sent = new Map<string, number>();
  private readonly skipped = new Map<string, number>();
  private controlLogins = 0;

  /**
   * @param key the interface, e.g. "127.1.2.3|web-ui"
   * @param budget consecutive failures allowed per user name
   * @param known accounts of the interface a successful login may reset (never the lockout account)
   * @param control the account whose successful login is the positive control
   * @param loginSucceeds logs an account in and says whether the device accepted it
   */
  constructor(
    key: string,
    readonly budget: number,
    private readonly known: readonly LedgerAccount[],
    private readonly control: LedgerAccount | undefined,
    private readonly loginSucceeds: (account: LedgerAccount) => Promise<boolean>,
  ) {
    let state = LEDGERS.get(key);
    if (!state) {
      state = { consecutive: new Map(), sinceControl: 0 };
      LEDGERS.set(key, state);
    }
    this.state = state;
  }

  /** A successful login of a known account, which resets its counter; throws when the device refuses it. */
  async reset(account: LedgerAccount): Promise<void> {
    if (!(await this.loginSucceeds(account))) {
      throw new BudgetSpentError(
        `positive control failed: the known account "${account.username}" could not log in, so the device may be counting failures toward a lockout; stopped before sending more`,
      );
    }
    this.controlLogins += 1;
    this.state.consecutive.set(account.username, 0);
    if (account.username === this.control?.username) this.state.sinceControl = 0;
  }

  /** Whether one more failure for this user name fits the budget, resetting a known account first if needed. */
  async allow(username: string): Promise<boolean> {
    if (this.budget <= 0) return false;
    if (this.state.sinceControl >= this.budget && this.control) await this.reset(this.control);
    if ((this.state.consecutive.get(username) ?? 0) < this.budget) return true;
    const account = this.known.find((candidate) => candidate.username === username);
    if (!account) return false;
    await this.reset(account);
    return true;
  }

  /**
   * Sends one login that may fail (`attempt` says whether the device accepted it), within the budget.
   * Returns undefined, and records the skip, when the budget of that user name is spent.
   */
  async attempt<T>(username: string, attempt: () => Promise<{ accepted: boolean; value: T }>): Promise<T | undefined> {
    if (!(await this.allow(username))) {
      this.skipped.set(username, (this.skipped.get(username) ?? 0) + 1);
      return undefined;
    }
    const { accepted, value } = await attempt();
    if (accepted) {
      this.state.consecutive.set(username, 0);
    } else {
      this.state.consecutive.set(username, (this.state.consecutive.get(username) ?? 0) + 1);
      this.state.sinceControl += 1;
      this.sent.set(username, (this.sent.get(username) ?? 0) + 1);
    }
    return value;
  }

  /** A login that succeeded outside attempt() (e.g. a check's own control) resets that user name. */
  noteSuccess(username: string): void {
    this.state.consecutive.set(username, 0);
    if (username === this.control?.username) this.state.sinceControl = 0;
  }

  report(): FailedLoginReport {
    return {
      budget: this.budget,
      sent: Object.fromEntries(this.sent),
      controlLogins: this.controlLogins,
      skipped: [...this.skipped].map(([username, attempts]) => ({ username, attempts })),
    };
  }
}

/** "failed logins sent: admin 2, root 1 (at most 2 in a row per account)" */
export function describeFailedLogins(report: FailedLoginReport): string {
  const sent = Object.entries(report.sent);
  const list = sent.length === 0 ? 'none' : sent.map(([username, count]) => `${username || '(empty)'} ${count}`).join(', ');
  const skipped = report.skipped.length === 0 ? '' : `; left out for a spent budget: ${report.skipped.map((entry) => entry.username || '(empty)').join(', ')}`;
  return `failed logins sent: ${list} (at most ${report.budget} in a row per account)${skipped}`;
}
