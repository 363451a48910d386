import { performance } from 'node:perf_hooks';
import type { CheckContext } from '../check.js';
import { pause } from '../net/abort.js';
import { settleWithin } from '../net/deadline.js';
import { measurementWindows, type EssentialProbe } from './availability.js';

/**
 * The control of every CR 7 load check: each essential function answers before any load, or the check ends in "error"
 * (a device that does not serve a function cannot be judged on how load changes that).
 *
 * A device may still be shedding the previous disruptive check when this one starts: a registration rate limit still
 * empty, a session table not yet swept. So a refused sample is tried again at the sample interval for as long as the
 * recovery window the run's settings give (the bound a device gets to recover after a load); the wait is logged with
 * the first refusal and declared as a designed wait. Probes run in the order given.
 */
export async function essentialFunctionsAnswerBeforeLoad(ctx: CheckContext, probes: readonly EssentialProbe[], where: string): Promise<void> {
  const { recoveryMs, intervalMs } = measurementWindows(ctx.settings, probes);
  for (const probe of probes) {
    await ctx.step(`essential function "${probe.name}" answers before any load`, async () => {
      const started = performance.now();
      let firstRefusal: Error | undefined;
      for (let attempt = 1; ; attempt++) {
        try {
          await sampleWithin(probe, ctx.settings.requestTimeoutMs, ctx.signal);
          if (firstRefusal) {
            const waitedMs = Math.round(performance.now() - started);
            ctx.log(`essential function "${probe.name}" answered on attempt ${attempt}, ${waitedMs} ms after the first (${firstRefusal.message}); bound to settle: ${recoveryMs} ms`);
            ctx.designedWait(waitedMs, `essential function "${probe.name}" settling before the load`);
          }
          return;
        } catch (error) {
          if (ctx.signal.aborted) throw error;
          firstRefusal ??= error as Error;
          if (performance.now() - started + intervalMs > recoveryMs) {
            const tried = attempt === 1 ? '' : `, nor in ${attempt} attempts over ${Math.round(performance.now() - started)} ms (bound to settle: ${recoveryMs} ms; first: ${firstRefusal.message})`;
            throw new Error(`essential function "${probe.name}" does not answer on ${where} before any load (${(error as Error).message}${tried}), so its availability under load cannot be judged`);
          }
          await pause(intervalMs, ctx.signal);
        }
      }
    });
  }
}

/**
 * One sample within the request timeout. Only a probe still running at the deadline (or on Ctrl-C) is aborted through
 * its signal: one that has ended keeps its connection, which the load's monitor goes on sampling.
 */
function sampleWithin(probe: EssentialProbe, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const controller = new AbortController();
  let ended = false;
  return settleWithin<void>(
    'the sample',
    timeoutMs,
    signal,
    ({ resolve, reject }) =>
      void probe.sample(controller.signal).then(
        () => ((ended = true), resolve()),
        (error: Error) => ((ended = true), reject(error)),
      ),
    () => ended || controller.abort(new Error('the sample was given up')),
  );
}
