import { setMaxListeners } from 'node:events';
import { requirementIdOf, type Attachment, type Check, type CheckContext, type CheckStatus, type RunSettings } from '../../core/check.js';
import { findRequirement } from '../../core/catalog/index.js';
import { secretsOf } from '../../core/profile/load.js';
import type { Profile } from '../../core/profile/schema.js';
import { Redactor } from '../../core/evidence/redact.js';

export interface CheckResult {
  checkId: string;
  requirementId: string;
  title: string;
  expectation: string;
  status: CheckStatus;
  observed?: string;
  /** Why it did not run, or what broke. */
  message?: string;
  details?: unknown;
  startedAt: string;
  durationMs: number;
  /** Part of durationMs the check spent waiting on purpose (declared with ctx.designedWait); absent when none. */
  designedWaitMs?: number;
  attachments: Attachment[];
  transcript: string[];
}

export interface ExecuteOptions {
  /** Overrides the profile's `disruptive` flag (the CLI's --disruptive). */
  disruptive?: boolean;
  settings?: Partial<RunSettings>;
  /** The run's signal: Ctrl-C or the run deadline. */
  signal?: AbortSignal;
  /** Called with each transcript line as it happens (progress output). */
  onLog?: (line: string) => void;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 60_000;

export function resolveSettings(profile: Profile, options: ExecuteOptions = {}): RunSettings {
  const load = profile.load ?? {};
  const base: RunSettings = {
    disruptive: options.disruptive ?? profile.disruptive,
    connectTimeoutMs: profile.timeouts?.connectMs ?? 3_000,
    requestTimeoutMs: profile.timeouts?.requestMs ?? 5_000,
    load: {
      ratePerSecond: load.ratePerSecond ?? 200,
      durationMs: load.durationMs ?? 5_000,
      sampleIntervalMs: load.sampleIntervalMs ?? 100,
      lossTolerance: load.lossTolerance ?? 0.05,
      fuzzCasesPerSecond: load.fuzzCasesPerSecond ?? 500,
    },
  };
  const override = options.settings ?? {};
  return { ...base, ...override, load: { ...base.load, ...(override.load ?? {}) } };
}

function endpointReason(check: Check, profile: Profile): string | undefined {
  const { endpoints } = profile;
  switch (check.protocol) {
    case 'opcua':
      return endpoints.opcua ? undefined : 'the profile declares no OPC UA endpoint (endpoints.opcua)';
    case 'modbus':
      // Checks of protocol "modbus" judge the Modbus endpoint on either transport, plain or Modbus/TCP Security.
      return endpoints.modbus ? undefined : 'the profile declares no Modbus endpoint (endpoints.modbus)';
    case 'modbus-tls':
      return endpoints.modbus?.tls ? undefined : 'the profile declares no Modbus/TCP Security endpoint (endpoints.modbus.tls)';
    case 'tls':
      return endpoints.tls && endpoints.tls.length > 0 ? undefined : 'the profile declares no TLS service (endpoints.tls)';
    case 'tcp':
      return undefined;
  }
}

/**
 * Decides from metadata and profile alone, before anything connects, whether the check runs.
 * Returns the status and reason when it does not.
 */
export function selectCheck(check: Check, profile: Profile, settings: RunSettings): { status: 'not-applicable' | 'not-tested'; reason: string } | undefined {
  const id = requirementIdOf(check);
  const item = findRequirement(id);
  if (!item) return { status: 'not-tested', reason: `${id} is not in the catalog` };
  const type = profile.component.type;
  if (!item.appliesTo.includes(type)) return { status: 'not-applicable', reason: `${id} applies to ${item.appliesTo.join(', ')}, not to a ${type}` };
  const lowest = Math.min(...item.sl);
  if (lowest > profile.targetSL) return { status: 'not-applicable', reason: `${id} is required from SL-C ${lowest}; the target is SL ${profile.targetSL}` };
  const declared = profile.declarations[id] ?? profile.declarations[item.base];
  if (declared?.verdict === 'not-applicable') return { status: 'not-applicable', reason: `declared not applicable in the profile: ${declared.rationale}` };
  if (declared?.verdict === 'manual') return { status: 'not-tested', reason: `declared for manual assessment in the profile: ${declared.rationale}` };
  const endpoint = endpointReason(check, profile);
  if (endpoint) return { status: 'not-applicable', reason: endpoint };
  const requirement = check.requires?.(profile);
  if (requirement) return { status: 'not-applicable', reason: requirement };
  if (check.disruptive && !settings.disruptive) {
    return { status: 'not-tested', reason: 'disruptive check; allow it with --disruptive or `disruptive: true` in the profile' };
  }
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
  let designedWaitMs = 0;
  const result = (status: CheckStatus, fields: Partial<CheckResult>): CheckResult => ({
    checkId: check.id,
    requirementId: requirementIdOf(check),
    title: check.title,
    expectation: check.expectation,
    status,
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    ...(designedWaitMs > 0 ? { designedWaitMs: Math.round(designedWaitMs) } : {}),
    attachments,
    transcript,
    ...fields,
    ...(fields.observed !== undefined ? { observed: redactor.text(fields.observed) } : {}),
    ...(fields.message !== undefined ? { message: redactor.text(fields.message) } : {}),
    ...(fields.details !== undefined ? { details: redactor.value(fields.details) } : {}),
  });

  if (options.signal?.aborted) return result('not-tested', { message: 'the run was interrupted before this check started' });
  const skip = selectCheck(check, profile, settings);
  if (skip) return result(skip.status, { message: skip.reason });

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
  const context: CheckContext = {
    profile,
    host: profile.host,
    settings,
    signal: controller.signal,
    log,
    attach: (attachment) => attachments.push({ ...attachment, content: redactor.content(attachment.content) }),
    throwIfAborted: () => controller.signal.throwIfAborted(),
    designedWait: (ms, reason) => {
      if (!Number.isFinite(ms) || ms <= 0) return;
      designedWaitMs += ms;
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
