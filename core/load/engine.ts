import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';

/** Hard upper bounds, whatever a profile or flag asks for (they match the profile schema's limits). */
// A million a second is well above what one harness process can emit on loopback (about 200,000 Modbus reads on two
// cores), so the cap never holds the engine back below a device's ceiling; a profile's own rate still bounds every run.
export const MAX_RATE_PER_SECOND = 1_000_000;
export const MAX_DURATION_MS = 600_000;
/** How long in-flight operations may take to finish once the load stops or is aborted. */
export const DRAIN_MS = 800;

export interface LoadOptions {
  /** Operations started per second (upper bound; clamped to MAX_RATE_PER_SECOND). */
  ratePerSecond: number;
  /** How long operations are started (clamped to MAX_DURATION_MS). */
  durationMs: number;
  /** Aborting stops the load; runLoad resolves within about a second. */
  signal: AbortSignal;
  /**
   * One awaited operation (a connection attempt, a request and its reply), started at the rate while fewer than
   * maxInFlight run. It receives a signal that aborts when the load ends; a rejection counts as failed.
   */
  worker?: (signal: AbortSignal) => Promise<void>;
  /** Default 256. */
  maxInFlight?: number;
  /**
   * Pipelined mode instead of worker: called every tick with the number of operations now due; it sends them without
   * waiting for replies and returns how many it actually sent (fewer under back-pressure).
   */
  emit?: (due: number) => number;
  /** Stop once this many operations have started, even before durationMs. */
  maxStarted?: number;
  /** Scheduling granularity; default 5 ms. */
  tickMs?: number;
}

export interface LoadResult {
  plannedRatePerSecond: number;
  plannedDurationMs: number;
  /** Time during which operations were started (the duration, or less when aborted). */
  elapsedMs: number;
  started: number;
  /** Workers that resolved; in pipelined mode, operations sent. */
  completed: number;
  failed: number;
  /** Due but not started: in-flight limit or back-pressure reached. */
  skipped: number;
  achievedRatePerSecond: number;
  /** Failure messages with their counts (at most 20 distinct). */
  errors: Array<{ message: string; count: number }>;
  aborted: boolean;
}

/**
 * Runs operations at a bounded rate for a bounded time. Counts are kept here; what an operation is (a request, a
 * connection) belongs to the protocol adapter that supplies worker or emit.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  if (!options.worker === !options.emit) throw new Error('runLoad needs exactly one of worker or emit');
  const rate = Math.max(0, Math.min(MAX_RATE_PER_SECOND, options.ratePerSecond));
  const durationMs = Math.max(0, Math.min(MAX_DURATION_MS, options.durationMs));
  const maxInFlight = Math.max(1, options.maxInFlight ?? 256);
  const tickMs = Math.max(1, options.tickMs ?? 5);
  const stop = new AbortController();
  // Every in-flight operation listens on the stop signal; thousands of them are expected, not a leak.
  setMaxListeners(0, stop.signal);
  const errors = new Map<string, number>();
  let started = 0;
  let completed = 0;
  let failed = 0;
  let skipped = 0;
  let accounted = 0;
  let inFlight = 0;
  let endedAt = 0;
  const inFlightDone = new Set<() => void>();

  const recordError = (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    if (errors.has(message) || errors.size < 20) errors.set(message, (errors.get(message) ?? 0) + 1);
  };

  const startWorker = (worker: (signal: AbortSignal) => Promise<void>) => {
    inFlight++;
    started++;
    let promise: Promise<void>;
    try {
      promise = worker(stop.signal);
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      () => completed++,
      (error: unknown) => {
        failed++;
        if (!stop.signal.aborted) recordError(error);
      },
    ).finally(() => {
      inFlight--;
      for (const notify of inFlightDone) notify();
    });
  };

  const begin = performance.now();
  const aborted = await new Promise<boolean>((resolve) => {
    if (options.signal.aborted || rate === 0 || durationMs === 0) {
      resolve(options.signal.aborted);
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => finish(true);
    const finish = (wasAborted: boolean) => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      options.signal.removeEventListener('abort', onAbort);
      endedAt = performance.now();
      resolve(wasAborted);
    };
    options.signal.addEventListener('abort', onAbort, { once: true });
    const tick = () => {
      timer = undefined;
      const now = performance.now();
      const elapsed = Math.min(now - begin, durationMs);
      // After an event-loop stall, at most 100 ms worth of operations is caught up; the rest counts as skipped.
      let due = Math.floor((rate * elapsed) / 1000) - accounted;
      if (options.maxStarted !== undefined) due = Math.min(due, options.maxStarted - started);
      const catchUpLimit = Math.max(1, Math.ceil(rate / 10));
      if (due > catchUpLimit) {
        skipped += due - catchUpLimit;
        accounted += due - catchUpLimit;
        due = catchUpLimit;
      }
      if (due > 0) {
        accounted += due;
        if (options.emit) {
          let sent = 0;
          try {
            sent = Math.max(0, Math.min(due, options.emit(due)));
          } catch (error) {
            recordError(error);
          }
          started += sent;
          completed += sent;
          skipped += due - sent;
        } else {
          for (let index = 0; index < due; index++) {
            if (inFlight >= maxInFlight) {
              skipped += due - index;
              break;
            }
            startWorker(options.worker!);
          }
        }
      }
      if (now - begin >= durationMs || (options.maxStarted !== undefined && started >= options.maxStarted)) {
        finish(false);
        return;
      }
      timer = setTimeout(tick, tickMs);
    };
    tick();
  });

  // On an abort in-flight work stops at once; at the natural end it gets DRAIN_MS to finish before being cut off.
  if (aborted) stop.abort(new Error('load aborted'));
  if (inFlight > 0) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, DRAIN_MS);
      const onAbort = () => done();
      options.signal.addEventListener('abort', onAbort, { once: true });
      function done() {
        clearTimeout(timer);
        options.signal.removeEventListener('abort', onAbort);
        inFlightDone.delete(check);
        resolve();
      }
      const check = () => {
        if (inFlight === 0) done();
      };
      inFlightDone.add(check);
    });
  }
  stop.abort(new Error(aborted ? 'load aborted' : 'load finished'));

  const elapsedMs = Math.max(0, (endedAt || performance.now()) - begin);
  return {
    plannedRatePerSecond: rate,
    plannedDurationMs: durationMs,
    elapsedMs: Math.round(elapsedMs),
    started,
    completed,
    failed,
    skipped,
    achievedRatePerSecond: elapsedMs > 0 ? Math.round((started / elapsedMs) * 1000) : 0,
    errors: [...errors.entries()].map(([message, count]) => ({ message, count })).sort((a, b) => b.count - a.count),
    aborted,
  };
}
