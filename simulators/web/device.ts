import { pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { DeviceRole, Flaw, WebAccount, WebParameters } from './flaws.js';

/**
 * The state behind the simulated web UI: accounts with salted password hashes, the lockout counters, the sessions, the
 * settings, and the counters a test reads to prove which requests changed something.
 */

const derive = promisify(pbkdf2);
const HASH_ITERATIONS = 20_000;

interface StoredAccount extends WebAccount {
  salt: Buffer;
  hash: Buffer;
}

export interface Session {
  id: string;
  username?: string;
  role?: DeviceRole;
  createdAt: number;
  lastSeenAt: number;
}

export type LoginDecision =
  | { outcome: 'accepted'; account: WebAccount }
  | { outcome: 'unknown-user' }
  | { outcome: 'wrong-password' }
  | { outcome: 'locked' };

export interface WebStats {
  /** Requests whose method may change state (POST, PUT, PATCH, DELETE), logins and logouts excepted. */
  stateChangingRequests: number;
  /** The same, per path. */
  stateChangingByPath: Record<string, number>;
  /** Settings the device actually changed. */
  settingsChanges: number;
  /** Harmless admin actions (identify) performed. */
  adminActions: number;
  /** Failed logins received per user name (known or not). */
  failedLogins: Record<string, number>;
  /** Largest run of consecutive failed logins per user name. */
  maxConsecutiveFailures: Record<string, number>;
  successfulLogins: number;
  lockouts: number;
}

/** A security event of the web UI, for whatever audits it (the syslog simulator sends it to a collector). */
export interface WebAuditEvent {
  category: 'login' | 'authorization';
  outcome: 'success' | 'failure';
  /** The user name given or logged in; absent for an anonymous request. */
  user?: string;
  /** Address of the client. */
  client?: string;
  /** What was attempted: "login", "POST /settings/identify". */
  action: string;
  /** Why it failed: "unknown-user", "wrong-password", "locked", "role viewer". */
  reason?: string;
}

export class WebDevice {
  readonly stats: WebStats = { stateChangingRequests: 0, stateChangingByPath: {}, settingsChanges: 0, adminActions: 0, failedLogins: {}, maxConsecutiveFailures: {}, successfulLogins: 0, lockouts: 0 };
  readonly settings = { deviceName: 'PLC-17 Line 3', ntpServer: 'ntp.plant.local' };
  private readonly accounts = new Map<string, StoredAccount>();
  private readonly consecutive = new Map<string, number>();
  private readonly lockedUntil = new Map<string, number>();
  private readonly sessions = new Map<string, Session>();
  private readonly dummy = { salt: randomBytes(16), hash: Buffer.alloc(32) };
  /** Told of every login and every refused admin request. */
  readonly auditListeners: Array<(event: WebAuditEvent) => void> = [];
  private counter = 0;
  private readonly counterBase = Math.floor(Date.now() / 1000) * 0x10000;

  private constructor(
    readonly parameters: WebParameters,
    readonly flaws: ReadonlySet<Flaw>,
  ) {}

  static async create(parameters: WebParameters, flaws: ReadonlySet<Flaw>): Promise<WebDevice> {
    const device = new WebDevice(parameters, flaws);
    for (const account of parameters.accounts) {
      const salt = randomBytes(16);
      device.accounts.set(account.username, { ...account, salt, hash: await derive(account.password, salt, HASH_ITERATIONS, 32, 'sha256') });
    }
    return device;
  }

  async decideLogin(username: string, password: string): Promise<LoginDecision> {
    return this.decide(username, async (account) => {
      // Unknown users cost the same hash as known ones, so timing tells nothing.
      const stored = account ?? this.dummy;
      const hash = await derive(password, stored.salt, HASH_ITERATIONS, 32, 'sha256');
      return account !== undefined && timingSafeEqual(hash, stored.hash);
    });
  }

  /** A Digest answer: the proof is checked against the stored password, under the same lockout as the login page. */
  decideDigest(username: string, proves: (password: string) => boolean): Promise<LoginDecision> {
    return this.decide(username, async (account) => account !== undefined && proves(account.password));
  }

  private async decide(username: string, verify: (account: StoredAccount | undefined) => Promise<boolean>): Promise<LoginDecision> {
    const account = this.accounts.get(username);
    if (!account && this.flaws.has('user-enumeration')) {
      this.noteFailure(username);
      return { outcome: 'unknown-user' };
    }
    const matches = await verify(account);
    if (!this.flaws.has('no-lockout')) {
      const until = this.lockedUntil.get(username);
      if (until !== undefined && Date.now() < until) {
        this.noteFailure(username);
        return { outcome: 'locked' };
      }
      if (until !== undefined) this.lockedUntil.delete(username);
    }
    if (!matches) {
      this.noteFailure(username);
      if (!this.flaws.has('no-lockout') && (this.consecutive.get(username) ?? 0) >= this.parameters.lockoutThreshold) {
        this.lockedUntil.set(username, Date.now() + this.parameters.lockoutDurationS * 1000);
        this.consecutive.set(username, 0);
        this.stats.lockouts += 1;
      }
      return account ? { outcome: 'wrong-password' } : { outcome: 'unknown-user' };
    }
    this.consecutive.set(username, 0);
    this.stats.successfulLogins += 1;
    return { outcome: 'accepted', account: account! };
  }

  private noteFailure(username: string): void {
    const count = (this.consecutive.get(username) ?? 0) + 1;
    this.consecutive.set(username, count);
    this.stats.failedLogins[username] = (this.stats.failedLogins[username] ?? 0) + 1;
    this.stats.maxConsecutiveFailures[username] = Math.max(this.stats.maxConsecutiveFailures[username] ?? 0, count);
  }

  audit(event: WebAuditEvent): void {
    for (const listener of this.auditListeners) listener(event);
  }

  newSessionId(): string {
    if (this.flaws.has('predictable-session')) {
      this.counter += 1;
      return (this.counterBase + this.counter).toString(16).padStart(16, '0');
    }
    return randomBytes(32).toString('base64url');
  }

  /** The live session of an id, ending it first if it has been idle too long. */
  session(id: string | undefined, now = Date.now()): Session | undefined {
    if (id === undefined) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (!this.flaws.has('no-idle-timeout') && now - session.lastSeenAt > this.parameters.idleTimeoutS * 1000) {
      this.sessions.delete(id);
      return undefined;
    }
    session.lastSeenAt = now;
    return session;
  }

  openAnonymousSession(): Session {
    const now = Date.now();
    const session: Session = { id: this.newSessionId(), createdAt: now, lastSeenAt: now };
    this.sessions.set(session.id, session);
    return session;
  }

  /**
   * The session a successful login ends in. A hardened device issues a new id and drops the old one; a device with
   * session fixation marks the id the browser came with as logged in, whatever it is.
   */
  authenticate(previousId: string | undefined, account: WebAccount): Session {
    const now = Date.now();
    if (previousId !== undefined && this.flaws.has('session-fixation')) {
      const session: Session = { id: previousId, username: account.username, role: account.role, createdAt: now, lastSeenAt: now };
      this.sessions.set(previousId, session);
      return session;
    }
    if (previousId !== undefined) this.sessions.delete(previousId);
    const session: Session = { id: this.newSessionId(), username: account.username, role: account.role, createdAt: now, lastSeenAt: now };
    this.sessions.set(session.id, session);
    return session;
  }

  endSession(id: string | undefined): void {
    if (id !== undefined && !this.flaws.has('logout-keeps-session')) this.sessions.delete(id);
  }

  accountByName(username: string): WebAccount | undefined {
    return this.accounts.get(username);
  }

  clear(): void {
    this.sessions.clear();
  }
}
