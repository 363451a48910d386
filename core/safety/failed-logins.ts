/**
 * Failed logins are budgeted, because a real device locks accounts: non-disruptive checks never send more consecutive
 * failures to one account of one interface than the interface's lockout threshold minus one, and every failure the
 * run sends is counted per account for the report. The ledger lives for a whole run, since a device counts failures
 * across connections and across checks; a successful login of the account resets its count, as on most devices.
 */

/** What a device locks after, when the profile does not say: three consecutive failures, so the budget is two. */
export const DEFAULT_LOCKOUT_THRESHOLD = 3;

export interface FailedLoginCount {
  interface: string;
  username: string;
  /** Failed logins sent to this account during the run. */
  sent: number;
  /** The most sent in a row, without a success in between. */
  mostInARow: number;
}

export class FailedLoginLedger {
  private readonly counts = new Map<string, FailedLoginCount & { inARow: number }>();

  private entry(interfaceName: string, username: string) {
    const key = `${interfaceName}\u0000${username}`;
    let entry = this.counts.get(key);
    if (!entry) {
      entry = { interface: interfaceName, username, sent: 0, mostInARow: 0, inARow: 0 };
      this.counts.set(key, entry);
    }
    return entry;
  }

  /** How many failed logins may still be sent to the account in a row without reaching the threshold. */
  remaining(interfaceName: string, username: string, threshold = DEFAULT_LOCKOUT_THRESHOLD): number {
    return Math.max(0, threshold - 1 - this.inARow(interfaceName, username));
  }

  /** Failed logins sent to the account since its last success. */
  inARow(interfaceName: string, username: string): number {
    return this.counts.get(`${interfaceName}\u0000${username}`)?.inARow ?? 0;
  }

  failed(interfaceName: string, username: string): void {
    const entry = this.entry(interfaceName, username);
    entry.sent++;
    entry.inARow++;
    entry.mostInARow = Math.max(entry.mostInARow, entry.inARow);
  }

  succeeded(interfaceName: string, username: string): void {
    this.entry(interfaceName, username).inARow = 0;
  }

  /** Every account that was sent a failed login, in the order first seen. */
  report(): FailedLoginCount[] {
    return [...this.counts.values()].filter((entry) => entry.sent > 0).map(({ inARow: _inARow, ...entry }) => entry);
  }
}

/** The ledger as a check sees it: bound to the interface under test and its threshold. */
export interface LoginBudget {
  /** The lockout threshold of this interface: the profile's value, or DEFAULT_LOCKOUT_THRESHOLD. */
  readonly threshold: number;
  /** Failed logins that may still be sent to this account in a row; 0 means stop (or log in successfully first). */
  remaining(username: string): number;
  failed(username: string): void;
  succeeded(username: string): void;
}
