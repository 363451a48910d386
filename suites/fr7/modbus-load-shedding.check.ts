import { defineCheck, fail, pass } from '../../core/check.js';
import { attachAvailabilityEvidence, MAX_DURATION_MS, runLoad } from '../../core/load/index.js';
import { loadRateLine, modbusTarget, monitoredLoad, openFlood, requiresModbusEssentialFunction, type FloodStats } from '../../adapters/modbus/index.js';

const FLOOD_CONNECTIONS = 4;

export default defineCheck({
  id: 'modbus.availability.flood-backlog-bounded',
  requirement: 'CR 7.1',
  enhancement: 1,
  sl: [2, 3, 4],
  protocol: 'modbus',
  disruptive: true,
  title: 'The device limits the effect of a Modbus request flood',
  expectation:
    'Under a request flood the device sheds or throttles what it cannot serve (refusals such as exception 06, or dropped requests) instead of queueing it: 99 % of the flood requests are answered or refused within the essential functions\' latency bound, and the device answers normally right after',
  timeoutMs: MAX_DURATION_MS + 60_000,
  requires: requiresModbusEssentialFunction,
  async run(ctx) {
    const { target, label, read, options } = modbusTarget(ctx);
    const { ratePerSecond, durationMs } = ctx.settings.load;
    const bound = Math.max(...ctx.profile.essentialFunctions.map((entry) => entry.maxLatencyMs));
    let flood: FloodStats | undefined;
    const report = await ctx.step(`flood ${label} at up to ${ratePerSecond}/s for ${durationMs} ms and time the device's answers to the flood itself`, () =>
      monitoredLoad(ctx, target, async (signal) => {
        const emitter = await openFlood(target, { connections: FLOOD_CONNECTIONS, read, connectTimeoutMs: options.connectTimeoutMs, signal });
        try {
          return await runLoad({ ratePerSecond, durationMs, signal, emit: (due) => emitter.emit(due) });
        } finally {
          flood = await emitter.close(Math.min(2 * bound, 1000));
        }
      }),
    );
    const stats = flood!;
    const refused = Object.values(stats.exceptions).reduce((sum, count) => sum + count, 0);
    const shed = `${refused} refused (${Object.entries(stats.exceptions).map(([name, count]) => `${count} × ${name}`).join(', ') || 'no exceptions'}), ${stats.unanswered} unanswered after the flood`;
    const latency = `flood replies p50 ${stats.replyLatency.p50 ?? '-'} ms, p99 ${stats.replyLatency.p99 ?? '-'} ms`;
    const loadLine = `${loadRateLine(report.load, 'read requests')} on ${FLOOD_CONNECTIONS} connections; ${stats.responses} served, ${shed}; ${latency}`;
    ctx.log(loadLine);
    attachAvailabilityEvidence(ctx, report, { title: `Modbus flood with load management on ${label}`, loadLine, extra: { flood: stats } });

    const problems: string[] = [];
    // A queue that grows with the flood shows up as flood replies arriving ever later.
    if (stats.replyLatency.p99 === undefined) problems.push('the device answered none of the flood requests, so nothing shows it managing the load rather than stalling');
    else if (stats.replyLatency.p99 > bound) problems.push(`flood requests waited up to ${stats.replyLatency.p99} ms (p99) in the device's queue, beyond the ${bound} ms bound: the load is queued, not managed`);
    const unrecovered = report.probes.filter((probe) => !probe.recovered).map((probe) => probe.name);
    if (unrecovered.length > 0) problems.push(`not answering normally after the flood: ${unrecovered.join(', ')}`);
    const essential = report.probes.map((probe) => `${probe.name} p99 ${probe.load.p99 ?? '-'} ms under load`).join(', ');
    const details = { achievedRatePerSecond: report.load.achievedRatePerSecond, boundMs: bound, flood: stats, load: report.load, probes: report.probes };
    if (problems.length > 0) return fail(`${loadLine}: ${problems.join('; ')}`, details);
    return pass(`${loadLine}: backlog bounded within ${bound} ms and normal service right after; ${essential}`, details);
  },
});
