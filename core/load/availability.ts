import { performance } from 'node:perf_hooks';
import type { CheckContext, ProgressUpdate, RunSettings } from '../check.js';
import { pause } from '../net/abort.js';
import type { LoadResult } from './engine.js';
import { startMonitor, summarize, type MonitorResult, type Sample, type SeriesStats } from './monitor.js';

/** One essential function to keep watching while the load runs. */
export interface EssentialProbe {
  name: string;
  maxLatencyMs: number;
  /** One call of the function; resolves when it answered. */
  sample: (signal: AbortSignal) => Promise<void>;
  /**
   * How the probe reaches the function: over a connection held from before the load (the default), or over a new
   * connection for every sample, as a client that reconnects during the load. A device serving neither before the load
   * cannot be judged; one serving the held connection but no new one while it is open serves one client at a time.
   */
  connection?: 'held' | 'new';
  /** Its own sample interval, where one call costs the device more than the run's interval allows for. */
  intervalMs?: number;
}

export interface AvailabilityOptions {
  probes: EssentialProbe[];
  intervalMs: number;
  /** Per sample; a slower answer is a miss. */
  timeoutMs: number;
  signal: AbortSignal;
  /** Quiet sampling before the load, for comparison. */
  baselineMs: number;
  /** Sampling after the load, to see the device recover. */
  recoveryMs: number;
  /** The load; `view` lets a load in steps (a ramp) see the monitors' samples and say which step runs. */
  load: (signal: AbortSignal, view: LoadView) => Promise<LoadResult>;
  /** Told of each window spent waiting on purpose (baseline, the load's duration, recovery) and when it ended; pass ctx.designedWait. */
  onDesignedWait?: (ms: number, reason: string, endedAt?: number) => void;
  /** Told twice a second which window runs, how long it still lasts by design, and what the monitors lost so far; pass ctx.progress. */
  onProgress?: (update: ProgressUpdate) => void;
  /** The load's planned duration, so the progress can say what remains of it. */
  plannedLoadMs?: number;
}

/** What a running load may see of the measurement around it. */
export interface LoadView {
  /** Milliseconds since the measurement started, on the clock of the samples' `t`. */
  elapsedMs(): number;
  /** The samples taken so far, one list per probe in the order of the probes. */
  samples(): ReadonlyArray<readonly Sample[]>;
  /** Names the part of the load now running in the live progress line, e.g. "step 2 of 4 at 400/s". */
  describe(step: string, ratePerSecond?: number): void;
}

export interface PhaseWindow {
  name: 'baseline' | 'load' | 'recovery';
  fromMs: number;
  toMs: number;
}

export interface ProbeReport {
  name: string;
  maxLatencyMs: number;
  connection: 'held' | 'new';
  baseline: SeriesStats;
  load: SeriesStats;
  recovery: SeriesStats;
  /** The function answered within its bound at the end of the recovery window. */
  recovered: boolean;
  /** From the end of the load to the start of the final run of answers within the bound. */
  recoveredAfterMs?: number;
}

export interface AvailabilityReport {
  load: LoadResult;
  series: MonitorResult[];
  probes: ProbeReport[];
  phases: PhaseWindow[];
}

/** The sampling and window lengths of a CR 7 measurement, from the run's settings and the bounds of what is watched. */
export interface MeasurementWindows {
  intervalMs: number;
  /** Slower than this is a miss: well past the largest bound, short enough that one stuck call does not hide the others. */
  timeoutMs: number;
  baselineMs: number;
  recoveryMs: number;
}

export function measurementWindows(settings: Pick<RunSettings, 'requestTimeoutMs' | 'load'>, probes: readonly Pick<EssentialProbe, 'maxLatencyMs'>[]): MeasurementWindows {
  const bound = Math.max(...probes.map((probe) => probe.maxLatencyMs));
  return {
    intervalMs: settings.load.sampleIntervalMs,
    timeoutMs: Math.min(settings.requestTimeoutMs, Math.max(1_000, 5 * bound)),
    baselineMs: Math.max(300, 3 * settings.load.sampleIntervalMs),
    recoveryMs: Math.max(1_000, Math.min(5_000, settings.load.durationMs)),
  };
}

/**
 * Baseline, load and recovery for a check: the probes sampled in the windows the run's settings give, on the check's
 * signal, with the windows declared as designed waits. What every CR 7.1, CR 7.1 RE(1) and CR 7.2 check measures with.
 */
export function measureDuringCheck(
  ctx: CheckContext,
  probes: EssentialProbe[],
  load: (signal: AbortSignal, view: LoadView) => Promise<LoadResult>,
  plannedLoadMs: number = ctx.settings.load.durationMs,
): Promise<AvailabilityReport> {
  return measureUnderLoad({
    probes,
    ...measurementWindows(ctx.settings, probes),
    signal: ctx.signal,
    load,
    onDesignedWait: (ms, reason, endedAt) => ctx.designedWait(ms, reason, endedAt),
    onProgress: (update) => ctx.progress(update),
    plannedLoadMs,
  });
}

/** Baseline, load and recovery with every probe sampled throughout; the load's own signal aborts with the caller's. */
export async function measureUnderLoad(options: AvailabilityOptions): Promise<AvailabilityReport> {
  const begin = performance.now();
  const since = () => Math.round(performance.now() - begin);
  let phase: PhaseWindow['name'] = 'baseline';
  const monitors = options.probes.map((probe) =>
    startMonitor({
      name: probe.name,
      sample: probe.sample,
      intervalMs: probe.intervalMs ?? options.intervalMs,
      timeoutMs: options.timeoutMs,
      maxLatencyMs: probe.maxLatencyMs,
      signal: options.signal,
      phase: () => phase,
    }),
  );
  const phases: PhaseWindow[] = [];
  let load: LoadResult | undefined;
  let failure: unknown;
  let phaseStart = 0;
  const lengthOf = { baseline: options.baselineMs, load: options.plannedLoadMs, recovery: options.recoveryMs };
  let step: { label: string; ratePerSecond?: number } | undefined;
  const view: LoadView = {
    elapsedMs: since,
    samples: () => monitors.map((monitor) => monitor.samples),
    describe: (label, ratePerSecond) => (step = { label, ratePerSecond }),
  };
  const ticker = options.onProgress
    ? setInterval(() => {
        const samples = monitors.flatMap((monitor) => monitor.samples.filter((sample) => sample.phase === phase));
        const lost = samples.filter((sample) => sample.missed).length;
        const length = lengthOf[phase];
        const current = phase === 'load' ? step : undefined;
        options.onProgress!({
          phase: `${phase}${current ? ` ${current.label}` : ''}: ${lost} of ${samples.length} monitor samples lost`,
          ...(length !== undefined ? { remainingMs: Math.max(0, length - (since() - phaseStart)) } : {}),
          ...(current?.ratePerSecond !== undefined ? { ratePerSecond: current.ratePerSecond } : {}),
        });
      }, 500)
    : undefined;
  try {
    await pause(options.baselineMs, options.signal);
    options.onDesignedWait?.(options.baselineMs, 'baseline sampling of the essential functions before the load');
    phases.push({ name: 'baseline', fromMs: 0, toMs: since() });
    // A function the device does not serve before the load says nothing about the load: no verdict, and no load sent.
    const unservedIn = (monitor: (typeof monitors)[number]) => monitor.samples.length > 0 && monitor.samples.every((sample) => sample.missed);
    // New connections refused while the held one is served are the device's own finding, judged with the load's.
    const heldServed = monitors.some((monitor, index) => options.probes[index]!.connection !== 'new' && !unservedIn(monitor));
    const unserved = monitors
      .map((monitor, index) => ({ monitor, probe: options.probes[index]! }))
      .filter(({ monitor, probe }) => unservedIn(monitor) && !(probe.connection === 'new' && heldServed));
    if (unserved.length > 0) {
      throw new Error(
        `before any load, ${unserved.map(({ probe, monitor }) => `${probe.name} answered none of ${monitor.samples.length} samples${monitor.samples.at(-1)?.error ? ` (${monitor.samples.at(-1)!.error})` : ''}`).join('; ')}: the device does not serve its essential functions, so their availability under load cannot be judged`,
      );
    }
    phase = 'load';
    const loadStart = since();
    phaseStart = loadStart;
    const loadBegan = Date.now();
    load = await options.load(options.signal, view);
    // The load's own start window is by design; its drain of in-flight work afterwards is not. A load that goes on
    // holding what it opened (an exhaustion) returns later than its window ended, so the window is placed where it was.
    options.onDesignedWait?.(load.elapsedMs, `load for ${load.elapsedMs} ms (planned ${load.plannedDurationMs} ms at up to ${load.plannedRatePerSecond}/s)`, loadBegan + load.elapsedMs);
    phases.push({ name: 'load', fromMs: loadStart, toMs: since() });
    phase = 'recovery';
    const recoveryStart = since();
    phaseStart = recoveryStart;
    await pause(options.recoveryMs, options.signal);
    options.onDesignedWait?.(options.recoveryMs, 'recovery sampling after the load');
    phases.push({ name: 'recovery', fromMs: recoveryStart, toMs: since() });
  } catch (error) {
    failure = error;
  }
  clearInterval(ticker);
  // Monitors are stopped on every path, so no sample keeps a connection busy after the check.
  const series = await Promise.all(monitors.map((monitor) => monitor.stop()));
  if (failure !== undefined || !load) throw failure ?? new Error('measurement aborted');
  const loadEnd = phases.find((window) => window.name === 'load')!.toMs;
  const probes = series.map((result, index) => reportProbe(result, options.probes[index]!, loadEnd));
  return { load, series, probes, phases };
}

function reportProbe(series: MonitorResult, probe: EssentialProbe, loadEndMs: number): ProbeReport {
  const { maxLatencyMs } = probe;
  const of = (name: string) => series.samples.filter((sample) => sample.phase === name);
  const recovery = of('recovery');
  const good = (index: number) => !recovery[index]!.missed && recovery[index]!.latencyMs! <= maxLatencyMs;
  let firstOfFinalRun: number | undefined;
  for (let index = recovery.length - 1; index >= 0 && good(index); index--) firstOfFinalRun = index;
  return {
    name: series.name,
    maxLatencyMs,
    connection: probe.connection ?? 'held',
    baseline: summarize(of('baseline')),
    load: summarize(of('load')),
    recovery: summarize(recovery),
    recovered: firstOfFinalRun !== undefined,
    recoveredAfterMs: firstOfFinalRun === undefined ? undefined : Math.max(0, Math.round(recovery[firstOfFinalRun]!.t - loadEndMs)),
  };
}

export interface AvailabilityJudgement {
  ok: boolean;
  /** One line per violated criterion, with the values. */
  findings: string[];
  /** One line per probe, for the observed text. */
  summary: string[];
}

/**
 * The CR 7.1 criteria: under load each essential function keeps its p99 latency within its bound, loses no more
 * samples than the tolerance, and answers within its bound again once the load has stopped.
 */
export function judgeAvailability(report: AvailabilityReport, lossTolerance: number): AvailabilityJudgement {
  const findings: string[] = judgeNewClients(report);
  const summary: string[] = [];
  for (const probe of report.probes) {
    const { load } = probe;
    const p99 = load.p99 === undefined ? 'none answered' : `${fmt(load.p99)} ms`;
    summary.push(`${probe.name}: p99 ${p99} (bound ${probe.maxLatencyMs} ms), ${load.missed}/${load.count} samples lost under load, ${probe.recovered ? `recovered after ${probe.recoveredAfterMs} ms` : 'not recovered'}`);
    if (load.count === 0) findings.push(`${probe.name}: no sample was taken during the load`);
    if (load.p99 === undefined && load.count > 0) findings.push(`${probe.name}: no sample answered under load`);
    else if (load.p99 !== undefined && load.p99 > probe.maxLatencyMs) findings.push(`${probe.name}: p99 latency ${fmt(load.p99)} ms exceeds ${probe.maxLatencyMs} ms under load`);
    if (load.lossRatio > lossTolerance) {
      findings.push(`${probe.name}: ${load.missed} of ${load.count} samples lost (${fmt(load.lossRatio * 100)} %, tolerance ${fmt(lossTolerance * 100)} %)`);
    }
    if (!probe.recovered) findings.push(`${probe.name}: not answering within ${probe.maxLatencyMs} ms at the end of the recovery window`);
  }
  return { ok: findings.length === 0, findings, summary };
}

/** A new client refused even before the load, while the held connection was served: one client at a time. */
export function judgeNewClients(report: Pick<AvailabilityReport, 'probes'>): string[] {
  return report.probes
    .filter((probe) => probe.connection === 'new' && probe.baseline.count > 0 && probe.baseline.answered === 0)
    .map((probe) => `${probe.name}: no new connection was served even before the load while the monitor's held connection was open (${probe.baseline.count} tried): the device serves one client at a time`);
}

function fmt(value: number): string {
  return value >= 100 ? String(Math.round(value)) : value.toFixed(1);
}
