import { defineCheck, fail, pass } from '../../core/check.js';
import { attachAvailabilityEvidence, judgeAvailability, MAX_DURATION_MS, runLoad } from '../../core/load/index.js';
import { loadRateLine, modbusTarget, monitoredLoad, requiresModbusEssentialFunction, stormWorker } from '../../adapters/modbus/index.js';

const MAX_IN_FLIGHT = 256;

export default defineCheck({
  id: 'modbus.availability.connection-storm',
  requirement: 'CR 7.1',
  sl: [1, 2, 3, 4],
  protocol: 'modbus',
  disruptive: true,
  title: 'Essential functions stay available during a Modbus connection storm',
  expectation:
    'While new connections (each sending one read) arrive at the configured rate, every essential function keeps its p99 latency within its bound, loses no more samples than the tolerance, and answers normally once the storm stops',
  timeoutMs: MAX_DURATION_MS + 60_000,
  requires: requiresModbusEssentialFunction,
  async run(ctx) {
    const { target, label, read, options } = modbusTarget(ctx);
    const { ratePerSecond, durationMs, lossTolerance } = ctx.settings.load;
    const report = await ctx.step(`open connections to ${label} at up to ${ratePerSecond}/s for ${durationMs} ms, monitoring the essential functions`, () =>
      monitoredLoad(ctx, target, (signal) =>
        runLoad({ ratePerSecond, durationMs, signal, maxInFlight: MAX_IN_FLIGHT, worker: stormWorker(target, { read, ...options }) }),
      ),
    );
    const { load } = report;
    const refusals = load.errors.map((error) => `${error.count} ${error.message}`);
    const loadLine = `${loadRateLine(load, 'connection attempts')}; ${load.completed} served${refusals.length ? `, ${refusals.join(', ')}` : ''}${load.skipped ? `, ${load.skipped} not started (${MAX_IN_FLIGHT} already pending)` : ''}`;
    ctx.log(loadLine);
    attachAvailabilityEvidence(ctx, report, { title: `Modbus connection storm on ${label}`, loadLine });
    const verdict = judgeAvailability(report, lossTolerance);
    const details = { achievedRatePerSecond: load.achievedRatePerSecond, load, probes: report.probes };
    if (!verdict.ok) return fail(`${loadLine}: ${verdict.findings.join('; ')}`, details);
    return pass(`${loadLine}: ${verdict.summary.join('; ')}`, details);
  },
});
