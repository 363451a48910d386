import { defineCheck, fail, pass } from '../../core/check.js';
import { attachAvailabilityEvidence, judgeAvailability, MAX_DURATION_MS, runLoad } from '../../core/load/index.js';
import { loadRateLine, modbusTarget, monitoredLoad, openFlood, requiresModbusEssentialFunction, type FloodStats } from '../../adapters/modbus/index.js';

const FLOOD_CONNECTIONS = 4;

export default defineCheck({
  id: 'modbus.availability.request-flood',
  requirement: 'CR 7.1',
  sl: [1, 2, 3, 4],
  protocol: 'modbus',
  disruptive: true,
  title: 'Essential functions stay available during a Modbus request flood',
  expectation:
    'While pipelined read requests arrive at the configured rate, every essential function keeps its p99 latency within its bound, loses no more samples than the tolerance, and answers normally once the flood stops',
  timeoutMs: MAX_DURATION_MS + 60_000,
  requires: requiresModbusEssentialFunction,
  async run(ctx) {
    const { target, label, read, options } = modbusTarget(ctx);
    const { ratePerSecond, durationMs, lossTolerance } = ctx.settings.load;
    let flood: FloodStats | undefined;
    const report = await ctx.step(`flood ${label} with reads at up to ${ratePerSecond}/s for ${durationMs} ms on ${FLOOD_CONNECTIONS} connections, monitoring the essential functions`, () =>
      monitoredLoad(ctx, target, async (signal) => {
        const emitter = await openFlood(target, { connections: FLOOD_CONNECTIONS, read, connectTimeoutMs: options.connectTimeoutMs, signal });
        try {
          return await runLoad({ ratePerSecond, durationMs, signal, emit: (due) => emitter.emit(due) });
        } finally {
          flood = await emitter.close();
        }
      }),
    );
    const verdict = judgeAvailability(report, lossTolerance);
    // A flood the device answered not at all shows it serving nobody new, whatever its held connection saw.
    if (flood && flood.sent > 0 && flood.replies === 0) verdict.findings.unshift(`the device answered none of the ${flood.sent} flood requests on ${FLOOD_CONNECTIONS} new connections`);
    if (verdict.findings.length > 0) verdict.ok = false;
    const busy = Object.entries(flood?.exceptions ?? {}).map(([name, count]) => `${count} × exception ${name}`);
    const loadLine = `${loadRateLine(report.load, 'read requests')} on ${FLOOD_CONNECTIONS} connections; ${flood?.responses ?? 0} answered${busy.length ? `, ${busy.join(', ')}` : ''}, ${flood?.unanswered ?? 0} unanswered`;
    ctx.log(loadLine);
    attachAvailabilityEvidence(ctx, report, { title: `Modbus request flood on ${label}`, loadLine, extra: { flood } });
    const details = { achievedRatePerSecond: report.load.achievedRatePerSecond, load: report.load, flood, probes: report.probes };
    if (!verdict.ok) return fail(`${loadLine}: ${verdict.findings.join('; ')}`, details);
    return pass(`${loadLine}: ${verdict.summary.join('; ')}`, details);
  },
});
