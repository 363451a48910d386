import { defineCheck, fail, pass } from '../../core/check.js';
import { attachRampEvidence, judgeRamp, MAX_DURATION_MS, MAX_RAMP_STEPS, rampLine, runLoad } from '../../core/load/index.js';
import { loadRateLine, modbusTarget, monitoredRamp, openFlood, requiresModbusEssentialFunction, type FloodStats } from '../../adapters/modbus/index.js';

const FLOOD_CONNECTIONS = 4;

export default defineCheck({
  id: 'modbus.availability.request-flood',
  requirement: 'CR 7.1',
  sl: [1, 2, 3, 4],
  protocol: 'modbus',
  disruptive: true,
  title: 'Essential functions stay available during a Modbus request flood',
  expectation:
    'While pipelined read requests arrive at rates rising in steps up to the configured cap, every essential function, read over a connection held from before the flood and over a new connection per sample, keeps its p99 latency within its bound and loses no more samples than the tolerance up to the required rate, and answers normally once the flood stops; a flood answered not at all is a finding',
  timeoutMs: MAX_RAMP_STEPS * MAX_DURATION_MS + 60_000,
  requires: requiresModbusEssentialFunction,
  async run(ctx) {
    const { target, label, read, options } = modbusTarget(ctx);
    const { ratePerSecond, requiredRatePerSecond, durationMs } = ctx.settings.load;
    let flood: FloodStats | undefined;
    let duringFlood: FloodStats | undefined;
    let emitter: Awaited<ReturnType<typeof openFlood>> | undefined;
    const report = await ctx.step(
      `flood ${label} with reads at rates rising to ${ratePerSecond}/s (required ${requiredRatePerSecond ?? ratePerSecond}/s), ${durationMs} ms per step on ${FLOOD_CONNECTIONS} connections, monitoring the essential functions`,
      async () => {
        try {
          return await monitoredRamp(ctx, target, async (rate, signal) => {
            emitter ??= await openFlood(target, { connections: FLOOD_CONNECTIONS, read, connectTimeoutMs: options.connectTimeoutMs, signal });
            const current = emitter;
            const load = await runLoad({ ratePerSecond: rate, durationMs, signal, emit: (due) => current.emit(due) });
            duringFlood = current.stats();
            return load;
          });
        } finally {
          flood = await emitter?.close();
        }
      },
    );
    const verdict = judgeRamp(report);
    // A flood the device answered not at all while it ran shows it serving nobody new, whatever its held connection saw.
    if (duringFlood && duringFlood.sent > 0 && duringFlood.replies === 0) {
      verdict.findings.unshift(`the device answered none of the ${duringFlood.sent} flood requests on ${FLOOD_CONNECTIONS} new connections while the flood ran`);
    }
    const busy = Object.entries(flood?.exceptions ?? {}).map(([name, count]) => `${count} × exception ${name}`);
    const loadLine = `${loadRateLine(report.load, 'read requests')} on ${FLOOD_CONNECTIONS} connections; ${flood?.responses ?? 0} answered${busy.length ? `, ${busy.join(', ')}` : ''}, ${flood?.unanswered ?? 0} unanswered`;
    ctx.log(loadLine);
    ctx.log(rampLine(report.ramp));
    attachRampEvidence(ctx, report, { title: `Modbus request flood on ${label}`, loadLine: `${loadLine}; ${rampLine(report.ramp)}`, extra: { flood } });
    const details = { achievedRatePerSecond: report.load.achievedRatePerSecond, load: report.load, ramp: report.ramp, flood, probes: report.probes };
    if (verdict.findings.length > 0) return fail(`${loadLine}: ${verdict.findings.join('; ')}; ${rampLine(report.ramp)}`, details);
    return pass(`${loadLine}: ${verdict.summary.join('; ')}`, details);
  },
});
