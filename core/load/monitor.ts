import { performance } from 'node:perf_hooks';

export interface Sample {
  /** Milliseconds since the monitor started. */
  t: number;
  /** Label of the phase the sample was taken in, e.g. "baseline", "load", "recovery". */
  phase: string;
  /** Present when the function answered within the sample timeout. */
  latencyMs?: number;
  missed: boolean;
  /** Why the sample was missed. */
  error?: string;
}

export interface Series {
  name: string;
  /** The essential function's latency bound, drawn on the chart. */
  maxLatencyMs?: number;
  samples: Sample[];
}

export interface SeriesStats {
  count: number;
  answered: number;
  missed: number;
  /** missed / count (0 when there are no samples). */
  lossRatio: number;
  p50?: number;
  p95?: number;
  p99?: number;
  max?: number;
  mean?: number;
}

export interface MonitorOptions {
  name: string;
  /** One call of the essential function; resolving means it answered, throwing means it did not. */
  sample: (signal: AbortSignal) => Promise<void>;
  intervalMs: number;
  /** A sample slower than this is missed (its call is aborted). */
  timeoutMs: number;
  /** Stops the monitor. */
  signal: AbortSignal;
  maxLatencyMs?: number;
  /** The phase label given to each new sample. */
  phase?: () => string;
}

export interface MonitorResult extends Series {
  stats: SeriesStats;
}

export interface RunningMonitor {
  readonly samples: Sample[];
  /** Stops sampling, waits for the sample in flight (bounded by its timeout) and summarises. */
  stop(): Promise<MonitorResult>;
}

/**
 * Samples one essential function at a fixed interval. A tick that finds the previous sample still running is recorded
 * as missed: at that moment the function was not available, which is what a flood does to a weak device.
 */
export function startMonitor(options: MonitorOptions): RunningMonitor {
  const samples: Sample[] = [];
  const begin = performance.now();
  const stopController = new AbortController();
  let inFlight: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let tickCount = 0;
  const phaseOf = options.phase ?? (() => 'run');

  const runSample = () => {
    const t = performance.now() - begin;
    const phase = phaseOf();
    const controller = new AbortController();
    const onStop = () => controller.abort(new Error('monitor stopped'));
    stopController.signal.addEventListener('abort', onStop, { once: true });
    let timedOut = false;
    const timeout = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`no answer within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    const startedAt = performance.now();
    let call: Promise<void>;
    try {
      call = options.sample(controller.signal);
    } catch (error) {
      call = Promise.reject(error);
    }
    // The call may ignore its signal; the race makes sure the timeout still counts.
    const deadline = new Promise<void>((_, reject) => controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true }));
    inFlight = Promise.race([call, deadline])
      .then(
        () => {
          samples.push({ t: round(t), phase, latencyMs: round(performance.now() - startedAt), missed: false });
        },
        (error: unknown) => {
          if (stopController.signal.aborted && !timedOut) return;
          samples.push({ t: round(t), phase, missed: true, error: timedOut ? `no answer within ${options.timeoutMs} ms` : messageOf(error) });
        },
      )
      .finally(() => {
        clearTimeout(timeout);
        stopController.signal.removeEventListener('abort', onStop);
        call.catch(() => undefined);
        inFlight = undefined;
      });
  };

  const tick = () => {
    timer = undefined;
    if (stopController.signal.aborted) return;
    tickCount++;
    if (inFlight) {
      samples.push({ t: round(performance.now() - begin), phase: phaseOf(), missed: true, error: 'previous sample still unanswered' });
    } else {
      runSample();
    }
    // Scheduled against the start time, so the interval does not drift with slow samples.
    const next = begin + tickCount * options.intervalMs - performance.now();
    timer = setTimeout(tick, Math.max(0, next));
  };

  const onAbort = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  if (options.signal.aborted) onAbort();
  else {
    options.signal.addEventListener('abort', onAbort, { once: true });
    tick();
  }

  return {
    samples,
    async stop() {
      options.signal.removeEventListener('abort', onAbort);
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (inFlight) {
        // Give the sample in flight its chance to finish within its own timeout, then cut it off.
        const grace = new Promise<void>((resolve) => setTimeout(resolve, options.timeoutMs + 50).unref());
        await Promise.race([inFlight, grace]);
      }
      stopController.abort();
      if (inFlight) await inFlight;
      samples.sort((a, b) => a.t - b.t);
      return { name: options.name, maxLatencyMs: options.maxLatencyMs, samples, stats: summarize(samples) };
    },
  };
}

/** Samples until options.signal aborts, then resolves with the series and its statistics. */
export function monitorEssentialFunctions(options: MonitorOptions): Promise<MonitorResult> {
  const monitor = startMonitor(options);
  return new Promise((resolve, reject) => {
    const finish = () => monitor.stop().then(resolve, reject);
    if (options.signal.aborted) finish();
    else options.signal.addEventListener('abort', finish, { once: true });
  });
}

/** Nearest-rank percentile of the answered latencies. */
export function percentile(sortedLatencies: number[], p: number): number | undefined {
  if (sortedLatencies.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sortedLatencies.length);
  return sortedLatencies[Math.min(sortedLatencies.length - 1, Math.max(0, rank - 1))];
}

export function summarize(samples: Sample[]): SeriesStats {
  const latencies = samples.filter((sample) => !sample.missed && sample.latencyMs !== undefined).map((sample) => sample.latencyMs!);
  latencies.sort((a, b) => a - b);
  const missed = samples.filter((sample) => sample.missed).length;
  const mean = latencies.length > 0 ? latencies.reduce((sum, value) => sum + value, 0) / latencies.length : undefined;
  return {
    count: samples.length,
    answered: latencies.length,
    missed,
    lossRatio: samples.length > 0 ? round(missed / samples.length, 4) : 0,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: latencies.at(-1),
    mean: mean === undefined ? undefined : round(mean),
  };
}

function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
