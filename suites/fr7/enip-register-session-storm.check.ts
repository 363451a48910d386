import { defineCheck, fail, pass } from '../../core/check.js';
import { attachAvailabilityEvidence, essentialFunctionsAnswerBeforeLoad, judgeAvailability, MAX_DURATION_MS, measureDuringCheck, runLoad } from '../../core/load/index.js';
import { registerSessionStorm } from '../../adapters/enip/storm.js';
import { enipTarget, essentialProbes, requiresEnipEssentialFunction } from '../../adapters/enip/target.js';

const MAX_IN_FLIGHT = 256;

export default defineCheck({
  id: 'enip.availability.register-session-storm',
  requirement: 'CR 7.1',
  sl: [1, 2, 3, 4],
  protocol: 'enip',
  disruptive: true,
  title: 'Essential functions stay available during an EtherNet/IP RegisterSession storm',
  expectation:
    'While new connections each registering an encapsulation session arrive at the configured rate, every essential function keeps its p99 latency within its bound, loses no more samples than the tolerance, and answers normally once the storm stops; refusing sessions beyond a cap is the expected way to cope',
  timeoutMs: MAX_DURATION_MS + 60_000,
  requires: requiresEnipEssentialFunction,
  async run(ctx) {
    const { target, label } = enipTarget(ctx);
    const { ratePerSecond, durationMs, lossTolerance } = ctx.settings.load;
    const timeouts = { connectTimeoutMs: ctx.settings.connectTimeoutMs, requestTimeoutMs: ctx.settings.requestTimeoutMs };
    const monitor = essentialProbes(ctx.profile, ctx.host, timeouts);
    const storm = registerSessionStorm(target, timeouts);
    let report;
    try {
      await essentialFunctionsAnswerBeforeLoad(ctx, monitor.probes, label);
      report = await ctx.step(`RegisterSession on new connections to ${label} at up to ${ratePerSecond}/s for ${durationMs} ms, monitoring the essential functions`, () =>
        measureDuringCheck(ctx, monitor.probes, (signal) => runLoad({ ratePerSecond, durationMs, signal, maxInFlight: MAX_IN_FLIGHT, worker: storm.worker })),
      );
    } finally {
      await monitor.close();
    }
    const { load } = report;
    const refused = Object.entries(storm.stats.refused).map(([status, count]) => `${count} refused with ${status}`);
    const errors = load.errors.map((error) => `${error.count} ${error.message}`);
    const loadLine = `${load.started} RegisterSession attempts at ${load.achievedRatePerSecond}/s (planned ${load.plannedRatePerSecond}/s) for ${(load.elapsedMs / 1000).toFixed(1)} s: ${storm.stats.registered} sessions registered${[...refused, ...errors].length ? `, ${[...refused, ...errors].join(', ')}` : ''}${load.skipped ? `, ${load.skipped} not started (${MAX_IN_FLIGHT} already pending)` : ''}`;
    ctx.log(loadLine);
    attachAvailabilityEvidence(ctx, report, { title: `RegisterSession storm on ${label}`, loadLine });
    const verdict = judgeAvailability(report, lossTolerance);
    const details = { load, stats: storm.stats, probes: report.probes };
    if (!verdict.ok) return fail(`${loadLine}: ${verdict.findings.join('; ')}`, details);
    return pass(`${loadLine}: ${verdict.summary.join('; ')}`, details);
  },
});
