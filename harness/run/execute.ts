import { setMaxListeners } from 'node:events';
import { requirementIdOf, type Attachment, type Check, type CheckContext, type CheckResult, type CheckStatus, type ProgressUpdate, type RunSettings } from '../../core/check.js';
import { findRequirement, outOfScope } from '../../core/catalog/index.js';
import { componentInterfaces, definitionOfCheckProtocol, type ComponentInterface, type FoundInterface } from '../../core/protocol.js';
import { secretsOf } from '../../core/profile/load.js';
import { DEFAULT_LOAD_RATE_PER_SECOND, type Profile } from '../../core/profile/schema.js';
import { Redactor } from '../../core/evidence/redact.js';
import { SharedResults } from '../../core/shared-results.js';
import { DEFAULT_LOCKOUT_THRESHOLD, FailedLoginLedger, type FailedLoginCount } from '../../core/safety/failed-logins.js';

export interface ExecuteOptions {
  /** Overrides the profile's `disruptive` flag (the CLI's --disruptive). */
  disruptive?: boolean;
  settings?: Partial<RunSettings>;
  /** The run's signal: Ctrl-C or the run deadline. */
  signal?: AbortSignal;
  /** Called with each transcript line as it happens (progress output). */
  onLog?: (line: string) => void;
  /** The interface to run against, by name; default: the only interface the check's protocol has in the profile. */
  interface?: string;
  /** Live progress of long checks, for a terminal status line. */
  onProgress?: (update: ProgressUpdate) => void;
  /** The run's failed-login ledger; a check run on its own gets a fresh one. */
  logins?: FailedLoginLedger;
  /** Results the run's checks share (a full port scan); a check run on its own gets a fresh store. */
  shared?: SharedResults;
}

export type { CheckResult } from '../../core/check.js';

export const DEFAULT_CHECK_TIMEOUT_MS = 60_000;

export function resolveSettings(profile: Profile, options: ExecuteOptions = {}): RunSettings {
  const load = profile.load ?? {};
  const base: RunSettings = {
    disruptive: options.disruptive ?? profile.disruptive,
    connectTimeoutMs: profile.timeouts?.connectMs ?? 3_000,
    requestTimeoutMs: profile.timeouts?.requestMs ?? 5_000,
    load: {
      ratePerSecond: load.ratePerSecond ?? DEFAULT_LOAD_RATE_PER_SECOND,
      durationMs: load.durationMs ?? 5_000,
      sampleIntervalMs: load.sampleIntervalMs ?? 100,
      lossTolerance: load.lossTolerance ?? 0.05,
      fuzzCasesPerSecond: load.fuzzCasesPerSecond ?? 500,
    },
  };
  const override = options.settings ?? {};
  const merged = { ...base.load, ...(override.load ?? {}) };
  // The ramp never goes above its cap, so a required rate above it could never be shown held.
  const required = Math.min(merged.ratePerSecond, override.load?.requiredRatePerSecond ?? load.requiredRatePerSecond ?? merged.ratePerSecond);
  return { ...base, ...override, load: { ...merged, requiredRatePerSecond: required } };
}

/** The interfaces of the profile a check runs against: those serving its protocol. */
export function interfacesFor(check: Pick<Check, 'protocol'>, profile: Profile): ComponentInterface[] {
  return componentInterfaces(profile).filter((entry) => entry.protocols.includes(check.protocol));
}

/**
 * Decides from metadata and profile alone, before anything connects, whether the check runs on this interface.
 * Returns the status and reason when it does not.
 */
export function selectCheck(
  check: Check,
  profile: Profile,
  settings: RunSettings,
  target: ComponentInterface | undefined,
): { status: 'not-applicable' | 'not-tested'; reason: string } | undefined {
  const id = requirementIdOf(check);
  const item = findRequirement(id);
  if (!item) return { status: 'not-tested', reason: `${id} is not in the catalog` };
  const scope = outOfScope(item, { type: profile.component.type, targetSL: profile.targetSL, wireless: profile.component.wireless ?? false });
  if (scope) return { status: 'not-applicable', reason: `${id} ${scope}` };
  const declarations = [...(profile.declarations[id] ?? []), ...(id !== item.base ? (profile.declarations[item.base] ?? []) : [])];
  const declared = declarations.find((declaration) => declaration.interface === target?.name) ?? declarations.find((declaration) => declaration.interface === undefined);
  const on = declared?.interface ? ` for ${declared.interface}` : '';
  if (declared?.verdict === 'not-applicable') return { status: 'not-applicable', reason: `declared not applicable${on} in the profile: ${declared.rationale}` };
  if (declared?.verdict === 'manual') return { status: 'not-tested', reason: `declared for manual assessment${on} in the profile: ${declared.rationale}` };
  if (!target) {
    const definition = definitionOfCheckProtocol(check.protocol);
    return { status: 'not-applicable', reason: definition?.checkProtocols[check.protocol] ?? `no protocol definition provides checks of protocol "${check.protocol}"` };
  }
  const requirement = check.requires?.(profile);
  if (requirement) return { status: 'not-applicable', reason: requirement };
  if (check.disruptive && !settings.disruptive) {
    return { status: 'not-tested', reason: 'disruptive check; allow it with --disruptive or `disruptive: true` in the profile' };
  }
  const withheld = check.withheld?.(target, settings);
  if (withheld) return { status: 'not-tested', reason: withheld };
  return undefined;
}

class CheckAborted extends Error {}

/** Runs one check against the profile's component: selection, then the body under its timeout. Never throws. */
export async function executeCheck(check: Check, profile: Profile, options: ExecuteOptions = {}): Promise<CheckResult> {
  const settings = resolveSettings(profile, options);
  const redactor = new Redactor(secretsOf(profile));
  const startedAt = new Date();
  const transcript: string[] = [];
  const attachments: Attachment[] = [];
  const foundInterfaces: FoundInterface[] = [];
  const failedLogins = new Map<string, FailedLoginCount>();
  const disclosed = new Set<string>();
  let designedWaitMs = 0;
  const designedWaits: Array<{ fromMs: number; ms: number }> = [];
  const candidates = interfacesFor(check, profile);
  const target = options.interface === undefined ? candidates[0] : candidates.find((entry) => entry.name === options.interface);
  const result = (status: CheckStatus, fields: Partial<CheckResult>): CheckResult => ({
    checkId: check.id,
    requirementId: requirementIdOf(check),
    title: check.title,
    expectation: check.expectation,
    ...(target ? { interface: { name: target.name, kind: target.kind } } : {}),
    status,
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    ...(designedWaitMs > 0 ? { designedWaitMs: Math.round(designedWaitMs), designedWaits } : {}),
    ...(foundInterfaces.length > 0 ? { foundInterfaces } : {}),
    ...(failedLogins.size > 0 ? { failedLogins: [...failedLogins.values()] } : {}),
    ...(disclosed.size > 0 ? { disclosed: [...disclosed] } : {}),
    attachments,
    transcript,
    ...fields,
    ...(fields.observed !== undefined ? { observed: redactor.text(fields.observed) } : {}),
    ...(fields.message !== undefined ? { message: redactor.text(fields.message) } : {}),
    ...(fields.details !== undefined ? { details: redactor.value(fields.details) } : {}),
  });

  if (options.signal?.aborted) return result('not-tested', { message: 'the run was interrupted before this check started' });
  if (options.interface !== undefined && !target) {
    return result('error', { message: `no interface named "${options.interface}" serves ${check.protocol} checks (${candidates.map((entry) => entry.name).join(', ') || 'none'})` });
  }
  const skip = selectCheck(check, profile, settings, target);
  if (skip || !target) return result(skip?.status ?? 'not-applicable', { message: skip?.reason ?? 'no interface' });

  // A profile's checkMs caps every check, so a lab can bound a run against a slow or hostile device.
  const cap = profile.timeouts?.checkMs;
  const timeoutMs = Math.min(check.timeoutMs ?? cap ?? DEFAULT_CHECK_TIMEOUT_MS, cap ?? Number.POSITIVE_INFINITY);
  const controller = new AbortController();
  // Every network step listens on the check's signal; long checks add many listeners on purpose.
  setMaxListeners(0, controller.signal);
  const timer = setTimeout(() => controller.abort(new CheckAborted(`no verdict within the check's timeout of ${timeoutMs} ms`)), timeoutMs);
  const onRunAbort = () => controller.abort(new CheckAborted('the run was interrupted'));
  options.signal?.addEventListener('abort', onRunAbort, { once: true });
  const log = (line: string) => {
    const clean = redactor.text(line);
    transcript.push(`${((Date.now() - startedAt.getTime()) / 1000).toFixed(3).padStart(8)}s ${clean}`);
    options.onLog?.(clean);
  };
  const ledger = options.logins ?? new FailedLoginLedger();
  const sharedResults = options.shared ?? new SharedResults();
  const threshold = target.lockoutThreshold ?? DEFAULT_LOCKOUT_THRESHOLD;
  const context: CheckContext = {
    profile,
    host: profile.host,
    settings,
    interface: target,
    signal: controller.signal,
    log,
    attach: (attachment) => attachments.push({ ...attachment, content: redactor.content(attachment.content) }),
    throwIfAborted: () => controller.signal.throwIfAborted(),
    logins: {
      threshold,
      remaining: (username) => ledger.remaining(target.name, username, threshold),
      failed: (username) => {
        ledger.failed(target.name, username);
        const mine = failedLogins.get(username) ?? { interface: target.name, username, sent: 0, mostInARow: 0 };
        mine.sent++;
        mine.mostInARow = Math.max(mine.mostInARow, ledger.inARow(target.name, username));
        failedLogins.set(username, mine);
      },
      succeeded: (username) => ledger.succeeded(target.name, username),
    },
    progress: (update) => options.onProgress?.(update),
    shared: async (key, make) => {
      const { value, reusedFrom } = await sharedResults.get(key, `${check.id} on ${target.name}`, make);
      if (reusedFrom) log(`reused ${key}, made ${((Date.now() - reusedFrom.madeAt) / 1000).toFixed(1)} s ago in this run by ${reusedFrom.madeBy}`);
      return value;
    },
    disclose: (value, list) => {
      if (!value || disclosed.has(value)) return;
      disclosed.add(value);
      redactor.disclose([value]);
      log(`not masked from here on: "${value}" is an entry of ${list}, public knowledge, and the device accepted it`);
    },
    foundInterface: (found) => {
      if (!foundInterfaces.some((known) => known.port === found.port && known.transport === found.transport)) foundInterfaces.push(found);
    },
    designedWait: (ms, reason, endedAt = Date.now()) => {
      if (!Number.isFinite(ms) || ms <= 0) return;
      designedWaitMs += ms;
      // A wait is declared once it is over: it began ms before it ended.
      designedWaits.push({ fromMs: Math.max(0, Math.round(Math.min(endedAt, Date.now()) - startedAt.getTime() - ms)), ms: Math.round(ms) });
      log(`waited ${Math.round(ms)} ms by design: ${reason}`);
    },
    step: async (name, body) => {
      const began = Date.now();
      log(`▶ ${name}`);
      try {
        const value = await body();
        log(`✓ ${name} (${Date.now() - began} ms)`);
        return value;
      } catch (error) {
        log(`✗ ${name} (${Date.now() - began} ms): ${(error as Error).message ?? String(error)}`);
        throw error;
      }
    },
  };

  const aborted = new Promise<never>((_resolve, reject) => {
    const onAbort = () => reject(controller.signal.reason);
    if (controller.signal.aborted) onAbort();
    else controller.signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const outcome = await Promise.race([check.run(context), aborted]);
    if (outcome.status === 'not-applicable') return result('not-applicable', { observed: outcome.observed, message: outcome.observed, details: outcome.details });
    if (outcome.status !== 'pass' && outcome.status !== 'fail') throw new Error(`the check returned no verdict (${String(outcome.status)})`);
    return result(outcome.status, { observed: outcome.observed, details: outcome.details });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (options.signal?.aborted) return result('not-tested', { message: `the run was interrupted during this check (${message})` });
    return result('error', { message });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onRunAbort);
    // Tell a body still running after a timeout to stop its network work.
    if (!controller.signal.aborted) controller.abort(new CheckAborted('the check has finished'));
    aborted.catch(() => undefined);
  }
}
