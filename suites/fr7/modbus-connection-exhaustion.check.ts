import { defineCheck, fail, pass } from '../../core/check.js';
import { attachAvailabilityEvidence, judgeAvailability, MAX_DURATION_MS, runLoad } from '../../core/load/index.js';
import { connectionHolder, modbusTarget, monitoredLoad, requiresModbusEssentialFunction } from '../../adapters/modbus/index.js';

/** Far above any PLC's connection table (typically 4 to 64), low enough for the harness's own file descriptors. */
const MAX_CONNECTIONS = 512;
/** Connections beyond a documented limit the check opens, so that the limit is surely reached. */
const BEYOND_DOCUMENTED = 8;

export default defineCheck({
  id: 'modbus.resources.connection-exhaustion',
  requirement: 'CR 7.2',
  sl: [1, 2, 3, 4],
  protocol: 'modbus',
  disruptive: true,
  title: 'Modbus connections are capped and essential functions survive exhaustion',
  expectation:
    'A client that keeps opening and holding connections meets a limit (refused or dropped connections): the one the vendor documents (endpoints.modbus.maxConnections), or without it one below the harness\'s bound of 512, while every essential function keeps its latency bound and sample loss within tolerance',
  timeoutMs: MAX_DURATION_MS + 60_000,
  requires: requiresModbusEssentialFunction,
  async run(ctx) {
    const { target, label, read, options } = modbusTarget(ctx);
    const { ratePerSecond, durationMs, sampleIntervalMs, lossTolerance } = ctx.settings.load;
    const documented = ctx.profile.endpoints.modbus?.maxConnections;
    const count = Math.min(MAX_CONNECTIONS, Math.max(1, Math.ceil((ratePerSecond * durationMs) / 1000), documented !== undefined ? documented + BEYOND_DOCUMENTED : 1));
    const bound = documented !== undefined ? `limit ${documented} as documented (maxConnections)` : `no documented limit; bound ${MAX_CONNECTIONS}`;
    ctx.log(`connection limit used: ${bound}`);
    const holdMs = Math.max(1000, 5 * sampleIntervalMs);
    const holder = connectionHolder(target, { read, ...options });
    let peak = holder.snapshot();
    const report = await ctx.step(`open and hold up to ${count} connections to ${label} at up to ${ratePerSecond}/s within ${durationMs} ms, then hold them ${holdMs} ms`, () =>
      monitoredLoad(ctx, target, async (signal) => {
        try {
          const load = await runLoad({ ratePerSecond, durationMs, maxStarted: count, signal, maxInFlight: 64, worker: holder.worker });
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, holdMs);
            signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
          });
          ctx.designedWait(holdMs, 'holding the opened connections');
          peak = holder.snapshot();
          return load;
        } finally {
          holder.release();
        }
        // The table is filled on purpose up to its cap: a new client refused there is the cap at work.
      }, { newClients: false }),
    );
    const reasons = Object.entries(peak.reasons).map(([reason, times]) => `${times} ${reason}`);
    const loadLine = `${peak.attempted} connections opened at ${report.load.achievedRatePerSecond}/s (planned ${ratePerSecond}/s): ${peak.served} served, ${peak.refused} refused${reasons.length ? ` (${reasons.join(', ')})` : ''}; ${peak.stillOpen} still open after ${holdMs} ms`;
    ctx.log(loadLine);
    attachAvailabilityEvidence(ctx, report, { title: `Modbus connection exhaustion on ${label}`, loadLine, extra: { connections: peak } });
    const verdict = judgeAvailability(report, lossTolerance);
    const findings = [...verdict.findings];
    const capped = peak.refused > 0 || peak.droppedLater > 0 || peak.stillOpen < peak.served;
    if (!capped) findings.unshift(`no connection limit: all ${peak.served} connections served were kept open`);
    else if (documented !== undefined && peak.stillOpen > documented) findings.unshift(`${peak.stillOpen} connections held at once, more than the ${documented} the profile documents (maxConnections)`);
    const details = { bound, achievedRatePerSecond: report.load.achievedRatePerSecond, connections: peak, load: report.load, probes: report.probes };
    if (findings.length > 0) return fail(`${loadLine} (${bound}): ${findings.join('; ')}`, details);
    const limited = `${peak.refused} refused${peak.droppedLater ? `, ${peak.droppedLater} dropped after being served` : ''}`;
    return pass(`${loadLine} (${bound}): the device limited them (${limited}, ${peak.stillOpen} held at the end besides the monitor's); ${verdict.summary.join('; ')}`, details);
  },
});
