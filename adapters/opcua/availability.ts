import type { CheckContext } from '../../core/check.js';
import { measureDuringCheck, measureRampDuringCheck, type AvailabilityReport, type EssentialProbe, type LoadResult, type RampReport } from '../../core/load/index.js';
import type { Profile } from '../../core/profile/schema.js';
import type { OpcuaChannel, OpcuaSession } from './client.js';
import { formatStatus, isGood } from './status.js';
import { opcuaTarget, type OpcuaTarget } from './target.js';

/**
 * The OPC UA essential-function probe for the availability engine: each essential function of the profile with an
 * `opcua: { nodeId }` entry is read, one Read per sample, on a session of its own opened before any load (a storm
 * must not keep the monitor from connecting, only from being served). A session the device drops is opened again
 * at the next sample, so a device that comes back is seen coming back.
 */

export const opcuaEssentialFunctions = (profile: Profile) =>
  profile.essentialFunctions.flatMap((entry) => ('opcua' in entry ? [{ name: entry.name, nodeId: entry.opcua.nodeId, maxLatencyMs: entry.maxLatencyMs }] : []));

export function requiresOpcuaEssentialFunction(profile: Profile): string | undefined {
  return opcuaEssentialFunctions(profile).length > 0 ? undefined : 'the profile names no OPC UA essential function (essentialFunctions[].opcua.nodeId) to monitor';
}

export interface OpcuaEssentialProbes {
  probes: EssentialProbe[];
  /** Opens the monitor's session and reads every function once; throws when one is not served. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** Probes for the OPC UA essential functions, on one monitoring session of the least privileged identity. */
export function opcuaEssentialProbes(ctx: CheckContext, target: OpcuaTarget = opcuaTarget(ctx), { newClients = true }: { newClients?: boolean } = {}): OpcuaEssentialProbes {
  const functions = opcuaEssentialFunctions(ctx.profile);
  let channel: OpcuaChannel | undefined;
  let session: OpcuaSession | undefined;
  let opening: Promise<OpcuaSession> | undefined;
  let closed = false;

  const drop = async () => {
    const [oldSession, oldChannel] = [session, channel];
    session = undefined;
    channel = undefined;
    await oldSession?.close().catch(() => {});
    await oldChannel?.close().catch(() => {});
  };
  const open = (): Promise<OpcuaSession> => {
    opening ??= (async () => {
      try {
        const options = await target.sessionChannel();
        const opened = await target.probe.openChannel(options);
        const identity = target.leastPrivilegedIdentity();
        const { attempt, session: created } = await opened.attemptSession(identity);
        if (!created) {
          await opened.close();
          throw new Error(`the monitoring session was refused (${attempt.status ? formatStatus(attempt.status) : attempt.note})`);
        }
        if (closed) {
          await created.close();
          await opened.close();
          throw new Error('monitor closed');
        }
        channel = opened;
        session = created;
        return created;
      } finally {
        opening = undefined;
      }
    })();
    return opening;
  };

  /** An operator station reconnecting: channel, session, one Read, closed again; nothing kept between samples. */
  const freshRead = async (nodeId: string, signal: AbortSignal) => {
    signal.throwIfAborted();
    const opened = await target.probe.openChannel(await target.sessionChannel());
    const onAbort = () => void opened.close().catch(() => undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const { attempt, session: created } = await opened.attemptSession(target.leastPrivilegedIdentity());
      if (!created) throw new Error(`a new session was refused (${attempt.status ? formatStatus(attempt.status) : attempt.note})`);
      try {
        const result = await created.read(nodeId);
        if (!isGood(result.status)) throw new Error(`Read ${nodeId} answered ${formatStatus(result.status)}`);
      } finally {
        await created.close().catch(() => undefined);
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      await opened.close().catch(() => undefined);
    }
  };

  const held: EssentialProbe[] = functions.map((entry) => ({
    name: `${entry.name} (held session)`,
    maxLatencyMs: entry.maxLatencyMs,
    connection: 'held' as const,
    async sample(signal: AbortSignal) {
      signal.throwIfAborted();
      const current = session ?? (await open());
      try {
        const result = await current.read(entry.nodeId);
        if (!isGood(result.status)) throw new Error(`Read ${entry.nodeId} answered ${formatStatus(result.status)}`);
      } catch (error) {
        // A broken session is replaced at the next sample; a Bad status alone keeps it.
        if (!(error instanceof Error && /^Read .* answered/.test(error.message))) await drop();
        throw error;
      }
    },
  }));
  const fresh: EssentialProbe[] = newClients
    ? functions.map((entry) => ({
        name: `${entry.name} (new session)`,
        maxLatencyMs: entry.maxLatencyMs,
        connection: 'new' as const,
        // A new channel and session cost the device more than a Read: sampled less often, so one slow sample is not counted twice.
        intervalMs: Math.max(ctx.settings.load.sampleIntervalMs, entry.maxLatencyMs),
        sample: (signal: AbortSignal) => freshRead(entry.nodeId, signal),
      }))
    : [];
  const probes = [...held, ...fresh];

  return {
    probes,
    async ready() {
      // A new session alone first: the control that the device serves a new client at all, before the held one opens.
      if (newClients) for (const entry of functions) await freshRead(entry.nodeId, AbortSignal.timeout(ctx.settings.requestTimeoutMs * 4));
      const current = session ?? (await open());
      for (const entry of functions) {
        const result = await current.read(entry.nodeId);
        if (!isGood(result.status)) throw new Error(`essential function "${entry.name}" (Read ${entry.nodeId}) answered ${formatStatus(result.status)} before any load, so its availability under load cannot be judged`);
      }
    },
    async close() {
      closed = true;
      await opening?.catch(() => undefined);
      await drop();
    },
  };
}

/**
 * Baseline, load and recovery with every OPC UA essential function monitored (core/load's measureDuringCheck), the
 * monitoring session opened and checked before anything else is sent.
 */
export async function monitoredOpcuaLoad(
  ctx: CheckContext,
  load: (signal: AbortSignal) => Promise<LoadResult>,
  target: OpcuaTarget = opcuaTarget(ctx),
  monitorOptions: { newClients?: boolean } = {},
): Promise<AvailabilityReport> {
  const monitor = opcuaEssentialProbes(ctx, target, monitorOptions);
  try {
    await ctx.step(`essential functions (${monitor.probes.map((probe) => probe.name).join(', ')}) answer on a monitoring session before any load`, () => monitor.ready());
    return await measureDuringCheck(ctx, monitor.probes, load);
  } finally {
    await monitor.close();
  }
}

/** The CR 7.1 rate ramp (core/load's measureRampDuringCheck) with every OPC UA essential function monitored. */
export async function monitoredOpcuaRamp(ctx: CheckContext, step: (ratePerSecond: number, signal: AbortSignal) => Promise<LoadResult>, target: OpcuaTarget = opcuaTarget(ctx)): Promise<RampReport> {
  const monitor = opcuaEssentialProbes(ctx, target);
  try {
    await ctx.step(`essential functions (${monitor.probes.map((probe) => probe.name).join(', ')}) answer on a monitoring session before any load`, () => monitor.ready());
    return await measureRampDuringCheck(ctx, monitor.probes, step);
  } finally {
    await monitor.close();
  }
}
