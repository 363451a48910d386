import type { CheckContext } from '../check.js';
import type { LoadResult } from './engine.js';
import { measureDuringCheck, judgeNewClients, type AvailabilityJudgement, type AvailabilityReport, type EssentialProbe, type LoadView } from './availability.js';
import { summarize, type Sample, type SeriesStats } from './monitor.js';

/**
 * The rate ramp of a disruptive CR 7.1 check: the load runs in steps up to the profile's cap (load.ratePerSecond),
 * each step as long as load.durationMs, with the essential functions judged at every step; the ramp stops at the
 * first step where they break. The verdict compares the highest rate at which they held with the rate the profile
 * requires (load.requiredRatePerSecond, by default the cap itself).
 */

/** Steps of equal height up to the cap; the required rate is added as a step of its own when it falls between them. */
export const RAMP_STEPS = 4;
/** The most steps a ramp can have (RAMP_STEPS and the required rate): a check's timeout allows for this many. */
export const MAX_RAMP_STEPS = RAMP_STEPS + 1;

export function rampRates(capRatePerSecond: number, requiredRatePerSecond: number, steps: number = RAMP_STEPS): number[] {
  const rates = new Set<number>();
  for (let index = 1; index <= steps; index++) rates.add(roundRate((capRatePerSecond * index) / steps));
  if (requiredRatePerSecond > 0 && requiredRatePerSecond <= capRatePerSecond) rates.add(roundRate(requiredRatePerSecond));
  return [...rates].filter((rate) => rate > 0).sort((a, b) => a - b);
}

export interface RampStepProbe {
  name: string;
  maxLatencyMs: number;
  connection: 'held' | 'new';
  stats: SeriesStats;
}

export interface RampStep {
  ratePerSecond: number;
  load: LoadResult;
  /** The step's window, on the samples' clock. */
  fromMs: number;
  toMs: number;
  probes: RampStepProbe[];
  held: boolean;
  /** Why the step broke, one line per violated criterion. */
  findings: string[];
}

export interface RampSummary {
  capRatePerSecond: number;
  requiredRatePerSecond: number;
  stepMs: number;
  /** Every rate planned; the ramp stops at the first step that breaks. */
  plannedRates: number[];
  steps: RampStep[];
  /** The highest step rate at which every essential function held; absent when none did. */
  heldRatePerSecond?: number;
  /** The step rate at which one broke; absent when none did up to the cap. */
  brokenRatePerSecond?: number;
}

export interface RampReport extends AvailabilityReport {
  ramp: RampSummary;
}

/** The CR 7.1 criteria on the samples of one step: an answer within the bound at p99, loss within tolerance. */
export function judgeStep(
  probes: readonly Pick<EssentialProbe, 'name' | 'maxLatencyMs' | 'connection'>[],
  samples: ReadonlyArray<readonly Sample[]>,
  window: { fromMs: number; toMs: number; ratePerSecond: number },
  lossTolerance: number,
): { held: boolean; findings: string[]; probes: RampStepProbe[] } {
  const findings: string[] = [];
  const stepProbes = probes.map((probe, index) => {
    const inStep = (samples[index] ?? []).filter((sample) => sample.phase === 'load' && sample.t >= window.fromMs && sample.t < window.toMs);
    const stats = summarize(inStep);
    const at = `at ${window.ratePerSecond}/s`;
    if (stats.count === 0) findings.push(`${probe.name}: no sample was taken ${at}`);
    else if (stats.answered === 0) findings.push(`${probe.name}: none of ${stats.count} samples answered ${at}`);
    else if (stats.p99! > probe.maxLatencyMs) findings.push(`${probe.name}: p99 latency ${fmt(stats.p99!)} ms exceeds ${probe.maxLatencyMs} ms ${at}`);
    if (stats.answered > 0 && stats.lossRatio > lossTolerance) {
      findings.push(`${probe.name}: ${stats.missed} of ${stats.count} samples lost ${at} (${fmt(stats.lossRatio * 100)} %, tolerance ${fmt(lossTolerance * 100)} %)`);
    }
    return { name: probe.name, maxLatencyMs: probe.maxLatencyMs, connection: probe.connection ?? 'held', stats };
  });
  return { held: findings.length === 0, findings, probes: stepProbes };
}

export interface RampOptions {
  rates: number[];
  signal: AbortSignal;
  view: LoadView;
  probes: readonly Pick<EssentialProbe, 'name' | 'maxLatencyMs' | 'connection'>[];
  lossTolerance: number;
  /** One step of the load at this rate, for the run's load duration. */
  step: (ratePerSecond: number, signal: AbortSignal) => Promise<LoadResult>;
}

/** Runs the steps in order, judging each from the monitors' samples, until one breaks, the cap is done or the signal aborts. */
export async function runRamp(options: RampOptions): Promise<{ load: LoadResult; steps: RampStep[] }> {
  const steps: RampStep[] = [];
  for (const [index, rate] of options.rates.entries()) {
    if (options.signal.aborted) break;
    options.view.describe(`step ${index + 1} of ${options.rates.length} at ${rate}/s`, rate);
    const fromMs = options.view.elapsedMs();
    const load = await options.step(rate, options.signal);
    const toMs = options.view.elapsedMs();
    const judged = judgeStep(options.probes, options.view.samples(), { fromMs, toMs, ratePerSecond: rate }, options.lossTolerance);
    steps.push({ ratePerSecond: rate, load, fromMs, toMs, ...judged });
    if (!judged.held || load.aborted) break;
  }
  return { load: mergeLoads(steps.map((entry) => entry.load), Math.max(0, ...options.rates)), steps };
}

/** The steps' loads as one: counts added, errors merged, the planned rate the cap. */
export function mergeLoads(loads: readonly LoadResult[], capRatePerSecond: number): LoadResult {
  const errors = new Map<string, number>();
  for (const load of loads) for (const error of load.errors) errors.set(error.message, (errors.get(error.message) ?? 0) + error.count);
  const sum = (pick: (load: LoadResult) => number) => loads.reduce((total, load) => total + pick(load), 0);
  const elapsedMs = sum((load) => load.elapsedMs);
  const started = sum((load) => load.started);
  return {
    plannedRatePerSecond: capRatePerSecond,
    plannedDurationMs: sum((load) => load.plannedDurationMs),
    elapsedMs,
    started,
    completed: sum((load) => load.completed),
    failed: sum((load) => load.failed),
    skipped: sum((load) => load.skipped),
    achievedRatePerSecond: elapsedMs > 0 ? Math.round((started / elapsedMs) * 1000) : 0,
    errors: [...errors.entries()].map(([message, count]) => ({ message, count })).sort((a, b) => b.count - a.count).slice(0, 20),
    aborted: loads.some((load) => load.aborted),
  };
}

/**
 * Baseline, the ramp, recovery: what a CR 7.1 check measures with. The rates come from the run's settings (cap and
 * required rate); `step` runs the load at one rate for load.durationMs.
 */
export async function measureRampDuringCheck(
  ctx: CheckContext,
  probes: EssentialProbe[],
  step: (ratePerSecond: number, signal: AbortSignal) => Promise<LoadResult>,
): Promise<RampReport> {
  const { ratePerSecond: capRatePerSecond, durationMs: stepMs, lossTolerance } = ctx.settings.load;
  const requiredRatePerSecond = Math.min(capRatePerSecond, ctx.settings.load.requiredRatePerSecond ?? capRatePerSecond);
  const plannedRates = rampRates(capRatePerSecond, requiredRatePerSecond);
  let steps: RampStep[] = [];
  const report = await measureDuringCheck(
    ctx,
    probes,
    async (signal, view) => {
      const ramp = await runRamp({ rates: plannedRates, signal, view, probes, lossTolerance, step });
      steps = ramp.steps;
      return ramp.load;
    },
    stepMs * plannedRates.length,
  );
  const held = steps.filter((entry) => entry.held);
  const broken = steps.find((entry) => !entry.held);
  return {
    ...report,
    ramp: {
      capRatePerSecond,
      requiredRatePerSecond,
      stepMs,
      plannedRates,
      steps,
      heldRatePerSecond: held.at(-1)?.ratePerSecond,
      brokenRatePerSecond: broken?.ratePerSecond,
    },
  };
}

/** "held up to 400/s, broke at 600/s" — the ramp in one phrase. */
export function rampLine(ramp: RampSummary): string {
  const held = ramp.heldRatePerSecond === undefined ? 'held at no step' : `held up to ${ramp.heldRatePerSecond}/s`;
  const broke = ramp.brokenRatePerSecond === undefined ? (ramp.steps.length === ramp.plannedRates.length ? ' (the cap; never broke)' : '') : `, broke at ${ramp.brokenRatePerSecond}/s`;
  return `essential functions ${held}${broke} (steps ${ramp.plannedRates.map((rate) => `${rate}/s`).join(', ')}, ${ramp.stepMs} ms each; required ${ramp.requiredRatePerSecond}/s)`;
}

/**
 * The CR 7.1 verdict of a ramp: the essential functions held at the required rate, no new client was refused beside a
 * served held connection, and every function answers within its bound again after the load.
 */
export function judgeRamp(report: RampReport): AvailabilityJudgement {
  const { ramp } = report;
  const findings: string[] = [...judgeNewClients(report)];
  const held = ramp.heldRatePerSecond ?? 0;
  const broken = ramp.steps.find((entry) => !entry.held);
  if (held < ramp.requiredRatePerSecond) {
    const reached = ramp.heldRatePerSecond === undefined ? 'held at no step of the ramp' : `held only up to ${ramp.heldRatePerSecond}/s`;
    findings.push(`essential functions ${reached}, below the required ${ramp.requiredRatePerSecond}/s${broken ? `; at ${broken.ratePerSecond}/s: ${broken.findings.join('; ')}` : ''}`);
  }
  for (const probe of report.probes) {
    if (!probe.recovered) findings.push(`${probe.name}: not answering within ${probe.maxLatencyMs} ms at the end of the recovery window`);
  }
  const top = [...ramp.steps].reverse().find((entry) => entry.held);
  const summary = [
    rampLine(ramp),
    ...(top ? top.probes.map((probe) => `${probe.name} at ${top.ratePerSecond}/s: p99 ${probe.stats.p99 === undefined ? '-' : `${fmt(probe.stats.p99)} ms`} (bound ${probe.maxLatencyMs} ms), ${probe.stats.missed}/${probe.stats.count} lost`) : []),
    ...(broken ? [`at ${broken.ratePerSecond}/s: ${broken.findings.join('; ')}`] : []),
  ];
  return { ok: findings.length === 0, findings, summary };
}

function roundRate(rate: number): number {
  return rate >= 10 ? Math.round(rate) : Math.round(rate * 10) / 10;
}

function fmt(value: number): string {
  return value >= 100 ? String(Math.round(value)) : value.toFixed(1);
}
