import type { Profile } from './profile/schema.js';
import type { ComponentInterface, FoundInterface } from './protocol.js';
import type { FailedLoginCount, LoginBudget } from './safety/failed-logins.js';

/**
 * The check API. A check is one small file under suites/<fr>/ that default-exports defineCheck({...}).
 * Its metadata is read before anything connects, so selection (scope, endpoints, disruptive) never touches the device.
 */

export type SecurityLevel = 1 | 2 | 3 | 4;

export interface CheckMeta {
  /** Stable id, kebab-case with dots: "<protocol>.<topic>.<what>"; never reused for a different test. */
  id: string;
  /** Base requirement id exactly as in the standard: "CR 1.1", "EDR 3.12". */
  requirement: string;
  /** Requirement enhancement number: 1 for "CR 1.1 RE(1)". Absent when the check evidences the base requirement. */
  enhancement?: number;
  /** SL-C levels at which the requirement (or RE) applies; linted against the catalog. */
  sl: SecurityLevel[];
  /**
   * Which interfaces the check runs against: one of the checkProtocols of a protocol definition
   * (adapters/<name>/protocol.ts), e.g. "opcua", "modbus-tls", "tls", "tcp". It runs once per such interface.
   */
  protocol: string;
  /** Disruptive checks (lockout, floods, fuzzing, exhaustion) run only when the profile or CLI allows them. */
  disruptive: boolean;
  title: string;
  /** What a conforming component does, in one sentence; shown beside what was observed. */
  expectation: string;
  /** Upper bound for the whole check; the runner aborts the check's signal when it is reached. */
  timeoutMs?: number;
  /**
   * Why no other check may run while this one does (it scans every port of the host, or acts through the component's
   * other interfaces); absent: its protocol definition decides, and otherwise it runs beside checks of other interfaces.
   */
  runsAlone?: string;
  /**
   * Extra precondition read from the profile before anything connects (InSpec's only_if):
   * return the reason why the check cannot apply, or undefined when it can run.
   */
  requires?: (profile: Profile) => string | undefined;
  /**
   * Why the check must not run on this interface under these settings although it applies (a check that would write,
   * where neither the profile's write probes nor --disruptive allow it): status "not-tested" with that reason.
   */
  withheld?: (target: ComponentInterface, settings: RunSettings) => string | undefined;
}

export type CheckStatus = 'pass' | 'fail' | 'error' | 'not-applicable' | 'not-tested';

/**
 * What the body returns. Throwing (or hitting the timeout) gives status "error". "not-applicable" is for what only the
 * device can tell and `requires` therefore cannot: the device offers nothing the check could judge (no password login
 * at all), or what it shows cannot decide the requirement (permissions that do not tell roles apart). The observed
 * line is then the reason; the requirement needs documentary evidence unless another check decides it.
 */
export interface CheckOutcome {
  status: 'pass' | 'fail' | 'not-applicable';
  /** What was seen, in one line; the report shows it beside the expectation. */
  observed: string;
  /** Structured observations kept as evidence (JSON-serialisable). */
  details?: unknown;
}

export const pass = (observed: string, details?: unknown): CheckOutcome => ({ status: 'pass', observed, details });
export const fail = (observed: string, details?: unknown): CheckOutcome => ({ status: 'fail', observed, details });
/** The device answered, but gave the check nothing to decide on; `reason` says what was seen and what is missing. */
export const notApplicable = (reason: string, details?: unknown): CheckOutcome => ({ status: 'not-applicable', observed: reason, details });

export interface Attachment {
  name: string;
  contentType: string;
  content: string | Buffer;
  /** File extension for the written file, without the dot. */
  extension?: string;
}

export interface RunSettings {
  disruptive: boolean;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  /** Bounded load parameters, resolved from profile and flags. */
  load: {
    ratePerSecond: number;
    /** The CR 7.1 ramp's required rate; resolveSettings always sets it (default: ratePerSecond, capped by it). */
    requiredRatePerSecond?: number;
    durationMs: number;
    sampleIntervalMs: number;
    lossTolerance: number;
    fuzzCasesPerSecond: number;
  };
}

/** How far a long check has come, for a live status line on a terminal (never written to CI logs or reports). */
export interface ProgressUpdate {
  /** What is happening now: "load", "recovery", "case 120 of 146", "waiting for the lockout to end". */
  phase: string;
  done?: number;
  total?: number;
  /** Operations per second right now. */
  ratePerSecond?: number;
  /** Time this phase still needs by design. */
  remainingMs?: number;
}

export interface CheckContext {
  readonly profile: Profile;
  /** The only address any check may send traffic to. */
  readonly host: string;
  readonly settings: RunSettings;
  /** The interface under test; its `endpoint` is the profile entry it comes from. */
  readonly interface: ComponentInterface;
  /** Aborted on the check's timeout and on Ctrl-C; pass it to every network step. */
  readonly signal: AbortSignal;
  /** A timed, named step of the transcript; its failure is recorded and rethrown. */
  step<T>(name: string, body: () => Promise<T>): Promise<T>;
  /** One line of the wire or step transcript (secrets are redacted on write). */
  log(line: string): void;
  attach(attachment: Attachment): void;
  /** Throws when the run or check was aborted; call it between long loops. */
  throwIfAborted(): void;
  /**
   * Declares time this check waits on purpose (a lockout window, an idle-session timeout, a storm's duration and its
   * monitor windows), so a run can tell the device's designed waits from the harness's own overhead. A wait declared
   * later than it ended (a load window whose callback went on holding what it opened) gives its end (Date.now()).
   */
  designedWait(ms: number, reason: string, endedAt?: number): void;
  /**
   * Names a value from a public list (a factory default password, a shared account) that the device accepted: the
   * finding must say it, so it is no longer masked, even where the profile holds the same value as a secret.
   */
  disclose(publicValue: string, list: string): void;
  /** Tells a person watching a terminal how far a long check has come; cheap to call often. */
  progress(update: ProgressUpdate): void;
  /** Reports a service seen on a port no declared interface owns, so the report can name what the run did not test. */
  foundInterface(found: FoundInterface): void;
  /**
   * The run's failed-login budget on this interface. Record every failed and successful login; a non-disruptive check
   * sends no failed login when remaining() is 0 (core/safety/failed-logins.ts).
   */
  readonly logins: LoginBudget;
  /**
   * A result the run's checks share (core/shared-results.ts): made by `make` the first time, reused by later checks
   * of the run until a disruptive check runs; the transcript says which check made a reused one and when. `key`
   * must name everything the result depends on.
   */
  shared<T>(key: string, make: () => Promise<T>): Promise<T>;
}

export interface Check extends CheckMeta {
  run(ctx: CheckContext): Promise<CheckOutcome>;
}

/** What the runner records for one check on one interface. */
export interface CheckResult {
  checkId: string;
  requirementId: string;
  title: string;
  expectation: string;
  /** The interface the check ran against; absent when it could not run on any. */
  interface?: { name: string; kind: string };
  status: CheckStatus;
  observed?: string;
  /** Why it did not run, or what broke. */
  message?: string;
  details?: unknown;
  startedAt: string;
  durationMs: number;
  /** Part of durationMs the check spent waiting on purpose (declared with ctx.designedWait); absent when none. */
  designedWaitMs?: number;
  /** When those waits were, as milliseconds from startedAt, so that waits of checks running at once are not counted twice. */
  designedWaits?: Array<{ fromMs: number; ms: number }>;
  /** Services the check saw on ports no declared interface owns (ctx.foundInterface). */
  foundInterfaces?: FoundInterface[];
  /** Failed logins this check sent, per account. */
  failedLogins?: FailedLoginCount[];
  /** Public values the check disclosed (ctx.disclose): reports do not mask them. */
  disclosed?: string[];
  /** The id of this result's test in the rendered Allure report, for deep links (set by the runner after the run). */
  allureId?: string;
  attachments: Attachment[];
  transcript: string[];
}

export function defineCheck(check: Check): Check {
  return check;
}

/** Catalog id of the item a check evidences: "CR 1.1" or "CR 1.1 RE(1)". */
export function requirementIdOf(meta: Pick<CheckMeta, 'requirement' | 'enhancement'>): string {
  return meta.enhancement === undefined ? meta.requirement : `${meta.requirement} RE(${meta.enhancement})`;
}
