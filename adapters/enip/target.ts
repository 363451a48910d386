import type { CheckContext, RunSettings } from '../../core/check.js';
import type { EssentialProbe } from '../../core/load/availability.js';
import type { Profile } from '../../core/profile/schema.js';
import type { AvailabilityMonitor, ComponentInterface } from '../../core/protocol.js';
import type { CipPoint, EnipEndpoint } from './endpoint.js';
import { EnipConnection, openSession, type EnipOptions, type EnipTarget } from './session.js';
import { generalStatusName } from './wire.js';

export interface EnipCheckTarget {
  endpoint: EnipEndpoint;
  target: EnipTarget;
  label: string;
  options: EnipOptions;
}

/** The interface under test as the EtherNet/IP adapter talks to it: the unsecured port, the check's deadlines and signal. */
export function enipTarget(ctx: CheckContext): EnipCheckTarget {
  const endpoint = ctx.interface.endpoint as EnipEndpoint;
  return {
    endpoint,
    target: { host: ctx.host, port: endpoint.port },
    label: `enip://${ctx.host}:${endpoint.port}`,
    options: { connectTimeoutMs: ctx.settings.connectTimeoutMs, requestTimeoutMs: ctx.settings.requestTimeoutMs, signal: ctx.signal },
  };
}

export const pointText = (point: CipPoint) => `class 0x${point.class.toString(16)} instance ${point.instance} attribute ${point.attribute}`;

export function enipEssentialFunctions(profile: Profile): Array<{ name: string; maxLatencyMs: number; point: CipPoint }> {
  return profile.essentialFunctions.flatMap((entry) => ('enip' in entry ? [{ name: entry.name, maxLatencyMs: entry.maxLatencyMs, point: entry.enip }] : []));
}

/** Why a CR 7 check cannot run: nothing to monitor. */
export function requiresEnipEssentialFunction(profile: Profile): string | undefined {
  return enipEssentialFunctions(profile).length > 0 ? undefined : 'the profile names no EtherNet/IP essential function (essentialFunctions[].enip) to monitor under load';
}

/** Each enip essential function read with Get_Attribute_Single on a session of its own, reopened after a failure. */
export function essentialProbes(profile: Profile, host: string, options: Omit<EnipOptions, 'signal'>): AvailabilityMonitor {
  const endpoint = profile.endpoints.enip!;
  const target: EnipTarget = { host, port: endpoint.port };
  const sessions: Array<EnipConnection | undefined> = [];
  const probes: EssentialProbe[] = enipEssentialFunctions(profile).map(({ name, maxLatencyMs, point }, index) => ({
    name,
    maxLatencyMs,
    sample: async (signal) => {
      let session = sessions[index];
      if (!session || session.closed) {
        session = await openSession(target, { ...options, signal });
        sessions[index] = session;
      }
      try {
        const response = await session.getAttributeSingle(point, { ...options, signal });
        if (response.generalStatus !== 0) throw new Error(`general status ${generalStatusName(response.generalStatus)}`);
      } catch (error) {
        session.destroy();
        throw error;
      }
    },
  }));
  return { probes, close: async () => void (await Promise.all(sessions.map((session) => session?.close().catch(() => undefined)))) };
}

/**
 * Where a check may send a state-changing explicit message. A non-disruptive run writes only the value the vendor
 * declares harmless at a point it declares safe (endpoints.enip.writeProbes). A disruptive run without such a point
 * writes to the first enip essential function the bytes it holds at that moment, read just before: the only write the
 * harness makes up itself, and only when the operator allowed disruption.
 */
export interface WritePlan {
  point: CipPoint;
  /** The bytes to write, or "current" for the value read just before the write. */
  value: Buffer | 'current';
  allowedBy: string;
}

const NO_WRITE_ALLOWED =
  'it sends a state-changing explicit message, and the profile names no attribute in endpoints.enip.writeProbes that is safe to write; name one (with the harmless value) or run with --disruptive';

/** The `withheld` hook of a check that writes. */
export function withheldWithoutWriteProbe(target: ComponentInterface, settings: RunSettings): string | undefined {
  if (settings.disruptive) return undefined;
  return (target.endpoint as EnipEndpoint | undefined)?.writeProbes?.length ? undefined : NO_WRITE_ALLOWED;
}

export function writePlan(profile: Profile, endpoint: EnipEndpoint, settings: RunSettings): WritePlan {
  const declared = endpoint.writeProbes?.[0];
  if (declared) return { point: declared, value: Buffer.from(declared.value, 'hex'), allowedBy: 'declared safe to write, with its value, in endpoints.enip.writeProbes' };
  if (!settings.disruptive) throw new Error(`the check was run although ${NO_WRITE_ALLOWED}`);
  const essential = enipEssentialFunctions(profile)[0];
  if (!essential) throw new Error('the run is disruptive but the profile names neither a write probe (endpoints.enip.writeProbes) nor an enip essential function to write its own value to');
  return { point: essential.point, value: 'current', allowedBy: `the essential function "${essential.name}", rewritten with its current value; the run is disruptive` };
}
