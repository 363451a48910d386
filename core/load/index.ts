/**
 * The protocol-neutral load and essential-function monitoring engine (CR 7.1, CR 7.2 and every flood, storm or
 * exhaustion check). Protocol adapters supply the operations; this module bounds, schedules, measures and draws.
 *
 *   runLoad({ ratePerSecond, durationMs, signal, worker })          awaited operations (a connection attempt, a
 *       request and its reply), started at the rate while fewer than maxInFlight (default 256) run;
 *   runLoad({ ratePerSecond, durationMs, signal, emit })            pipelined: emit(due) sends `due` operations
 *       without waiting and returns how many it sent.
 *     maxStarted ends the load early once that many operations have started.
 *     Rate and duration are clamped to MAX_RATE_PER_SECOND and MAX_DURATION_MS; when `signal` aborts, no operation
 *     starts any more and runLoad resolves within about a second (in-flight work gets DRAIN_MS, then its signal aborts).
 *     Returns { started, completed, failed, skipped, achievedRatePerSecond, elapsedMs, errors, aborted }.
 *
 *   startMonitor({ name, sample, intervalMs, timeoutMs, signal, maxLatencyMs?, phase? }).stop()
 *   monitorEssentialFunctions({ ...same }) resolves when `signal` aborts.
 *     Samples one essential function at a fixed interval on the caller's own connection: { t, phase, latencyMs | missed,
 *     error }, and summarises them (count, missed, lossRatio, p50, p95, p99, max, mean).
 *
 *   measureUnderLoad({ probes, intervalMs, timeoutMs, signal, baselineMs, recoveryMs, load })
 *     baseline -> load -> recovery with every probe monitored; per-probe statistics of each phase and recovery time.
 *   judgeAvailability(report, lossTolerance)   the CR 7.1 criteria: p99 within maxLatencyMs under load, loss within
 *     tolerance, recovered afterwards; returns { ok, findings, summary } with concrete values.
 *
 *   renderLatencySvg(series, { title, subtitle?, phases? })   a self-contained SVG chart of the series;
 *   toCsv(series)   series,t_ms,phase,latency_ms,missed,error.
 *   attachAvailabilityEvidence(ctx, report, { title, loadLine })   attaches the chart, the CSV and the figures (JSON).
 *
 *   measurementWindows(settings, probes)   the sample interval, the per-sample timeout and the baseline and recovery
 *     windows a run's settings give (one place for every CR 7 check);
 *   measureDuringCheck(ctx, probes, load)   measureUnderLoad in those windows, on ctx.signal, declaring them as designed waits.
 *   essentialFunctionsAnswerBeforeLoad(ctx, probes, where)   the control before a load: each probe answers, tried again
 *     within the recovery window while the device settles from the previous check; otherwise the check ends in error.
 *
 *   measureRampDuringCheck(ctx, probes, (rate, signal) => runLoad({ ratePerSecond: rate, ... }))   the CR 7.1 rate ramp:
 *     baseline, then the load in steps (rampRates: RAMP_STEPS equal steps up to load.ratePerSecond, plus
 *     load.requiredRatePerSecond), each load.durationMs long and judged from the samples taken in it, stopping at the
 *     first step that breaks, then recovery; judgeRamp(report) compares the held rate with the required one;
 *     attachRampEvidence draws the ramp chart (renderRampSvg) beside the latency chart.
 *
 * A check's shape (see suites/fr7/tcp-connection-storm.check.ts):
 *   const report = await measureDuringCheck(ctx, probes, (signal) => runLoad({ ratePerSecond: ctx.settings.load.ratePerSecond,
 *     durationMs: ctx.settings.load.durationMs, signal, worker }));
 *   const verdict = judgeAvailability(report, ctx.settings.load.lossTolerance);
 */
export { runLoad, MAX_RATE_PER_SECOND, MAX_DURATION_MS, DRAIN_MS, type LoadOptions, type LoadResult } from './engine.js';
export {
  startMonitor,
  monitorEssentialFunctions,
  summarize,
  percentile,
  type MonitorOptions,
  type MonitorResult,
  type RunningMonitor,
  type Sample,
  type Series,
  type SeriesStats,
} from './monitor.js';
export {
  measureUnderLoad,
  measureDuringCheck,
  measurementWindows,
  judgeAvailability,
  judgeNewClients,
  type AvailabilityOptions,
  type AvailabilityReport,
  type AvailabilityJudgement,
  type EssentialProbe,
  type LoadView,
  type MeasurementWindows,
  type PhaseWindow,
  type ProbeReport,
} from './availability.js';
export {
  rampRates,
  runRamp,
  judgeStep,
  judgeRamp,
  rampLine,
  mergeLoads,
  measureRampDuringCheck,
  RAMP_STEPS,
  MAX_RAMP_STEPS,
  type RampReport,
  type RampStep,
  type RampSummary,
} from './ramp.js';
export { renderLatencySvg, renderRampSvg, toCsv, type ChartOptions, type RampBar } from './chart.js';
export { attachAvailabilityEvidence, attachRampEvidence } from './evidence.js';
export { essentialFunctionsAnswerBeforeLoad } from './ready.js';
