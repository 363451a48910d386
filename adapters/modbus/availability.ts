import type { CheckContext } from '../../core/check.js';
import type { Profile } from '../../core/profile/schema.js';
import { essentialFunctionsAnswerBeforeLoad, measureDuringCheck, measureRampDuringCheck, type AvailabilityReport, type EssentialProbe, type LoadResult, type RampReport } from '../../core/load/index.js';
import type { ModbusTarget } from './connection.js';
import { essentialProbes } from './load.js';

/** Why a CR 7 check cannot run: nothing to monitor. */
export function requiresModbusEssentialFunction(profile: Profile): string | undefined {
  return profile.essentialFunctions.some((entry) => 'modbus' in entry) ? undefined : 'the profile names no Modbus essential function (essentialFunctions[].modbus) to monitor under load';
}

/**
 * Baseline, load, recovery with every Modbus essential function monitored over a held connection and over new ones,
 * using the run's load settings: the common frame of the CR 7.1, CR 7.1 RE(1) and CR 7.2 checks.
 */
export function monitoredLoad(
  ctx: CheckContext,
  target: ModbusTarget,
  load: (signal: AbortSignal) => Promise<LoadResult>,
  monitor: { newClients?: boolean } = {},
): Promise<AvailabilityReport> {
  return monitored(ctx, target, monitor, (probes) => measureDuringCheck(ctx, probes, load));
}

/** The CR 7.1 rate ramp (core/load's measureRampDuringCheck) with every Modbus essential function monitored, held and new. */
export function monitoredRamp(ctx: CheckContext, target: ModbusTarget, step: (ratePerSecond: number, signal: AbortSignal) => Promise<LoadResult>): Promise<RampReport> {
  return monitored(ctx, target, {}, (probes) => measureRampDuringCheck(ctx, probes, step));
}

async function monitored<Report>(ctx: CheckContext, target: ModbusTarget, monitor: { newClients?: boolean }, measure: (probes: EssentialProbe[]) => Promise<Report>): Promise<Report> {
  const { probes, close } = essentialProbes(ctx.profile, target, { connectTimeoutMs: ctx.settings.connectTimeoutMs, requestTimeoutMs: ctx.settings.requestTimeoutMs, ...monitor });
  try {
    // New-connection probes first: alone, before the held connection opens, they are the control that the device
    // serves a new client at all, so that one refused later, beside the held connection, is the device's finding.
    const newFirst = [...probes].sort((a, b) => Number(b.connection === 'new') - Number(a.connection === 'new'));
    await essentialFunctionsAnswerBeforeLoad(ctx, newFirst, `${target.host}:${target.port}`);
    return await measure(probes);
  } finally {
    await close();
  }
}

export function loadRateLine(load: LoadResult, what: string): string {
  return `${load.started} ${what} at ${load.achievedRatePerSecond}/s (planned ${load.plannedRatePerSecond}/s) for ${(load.elapsedMs / 1000).toFixed(1)} s`;
}
