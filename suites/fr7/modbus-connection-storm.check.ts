import { defineCheck, fail, pass } from '../../core/check.js';
import { attachRampEvidence, judgeRamp, MAX_DURATION_MS, MAX_RAMP_STEPS, rampLine, runLoad } from '../../core/load/index.js';
import { loadRateLine, modbusTarget, monitoredRamp, requiresModbusEssentialFunction, stormWorker } from '../../adapters/modbus/index.js';

const MAX_IN_FLIGHT = 256;

export default defineCheck({
  id: 'modbus.availability.connection-storm',
  requirement: 'CR 7.1',
  sl: [1, 2, 3, 4],
  protocol: 'modbus',
  disruptive: true,
  title: 'Essential functions stay available during a Modbus connection storm',
  expectation:
    'While new connections (each sending one read) arrive at rates rising in steps up to the configured cap, every essential function, read over a connection held from before the storm and over a new connection per sample, keeps its p99 latency within its bound and loses no more samples than the tolerance up to the required rate, and answers normally once the storm stops',
  timeoutMs: MAX_RAMP_STEPS * MAX_DURATION_MS + 60_000,
  requires: requiresModbusEssentialFunction,
  async run(ctx) {
    const { target, label, read, options } = modbusTarget(ctx);
    const { ratePerSecond, requiredRatePerSecond, durationMs } = ctx.settings.load;
    const worker = stormWorker(target, { read, ...options });
    const report = await ctx.step(`open connections to ${label} at rates rising to ${ratePerSecond}/s (required ${requiredRatePerSecond ?? ratePerSecond}/s), ${durationMs} ms per step, monitoring the essential functions`, () =>
      monitoredRamp(ctx, target, (rate, signal) => runLoad({ ratePerSecond: rate, durationMs, signal, maxInFlight: MAX_IN_FLIGHT, worker })),
    );
    const { load } = report;
    const refusals = load.errors.map((error) => `${error.count} ${error.message}`);
    const loadLine = `${loadRateLine(load, 'connection attempts')}; ${load.completed} served${refusals.length ? `, ${refusals.join(', ')}` : ''}${load.skipped ? `, ${load.skipped} not started (${MAX_IN_FLIGHT} already pending)` : ''}`;
    ctx.log(loadLine);
    ctx.log(rampLine(report.ramp));
    attachRampEvidence(ctx, report, { title: `Modbus connection storm on ${label}`, loadLine: `${loadLine}; ${rampLine(report.ramp)}` });
    const verdict = judgeRamp(report);
    const details = { achievedRatePerSecond: load.achievedRatePerSecond, load, ramp: report.ramp, probes: report.probes };
    if (!verdict.ok) return fail(`${loadLine}: ${verdict.findings.join('; ')}; ${rampLine(report.ramp)}`, details);
    return pass(`${loadLine}: ${verdict.summary.join('; ')}`, details);
  },
});
