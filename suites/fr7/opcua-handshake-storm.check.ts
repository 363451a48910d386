import { defineCheck, fail, pass } from '../../core/check.js';
import { attachAvailabilityEvidence, judgeAvailability, MAX_DURATION_MS, runLoad } from '../../core/load/index.js';
import { monitoredOpcuaLoad, requiresOpcuaEssentialFunction } from '../../adapters/opcua/availability.js';
import { describeStorm, handshakeStorm, type HandshakeStormStats } from '../../adapters/opcua/storm.js';
import { opcuaTarget } from '../../adapters/opcua/target.js';

const MAX_IN_FLIGHT = 256;

export default defineCheck({
  id: 'opcua.availability.handshake-storm',
  requirement: 'CR 7.1',
  sl: [1, 2, 3, 4],
  protocol: 'opcua',
  disruptive: true,
  title: 'OPC UA essential functions stay available during a connection and handshake storm',
  expectation:
    'While new connections, each sending Hello and OpenSecureChannel, arrive at the configured rate, every OPC UA essential function read on an existing session keeps its p99 latency within its bound, loses no more samples than the tolerance, and answers normally once the storm stops',
  timeoutMs: MAX_DURATION_MS + 60_000,
  requires: requiresOpcuaEssentialFunction,
  async run(ctx) {
    const target = opcuaTarget(ctx);
    const { ratePerSecond, durationMs, lossTolerance } = ctx.settings.load;
    const storm = handshakeStorm(target.probe.url, { connectTimeoutMs: ctx.settings.connectTimeoutMs, answerTimeoutMs: ctx.settings.requestTimeoutMs });
    let stats: HandshakeStormStats | undefined;
    try {
      const report = await ctx.step(`Hello + OpenSecureChannel storm on ${target.probe.url} at up to ${ratePerSecond}/s for ${durationMs} ms, monitoring the essential functions`, () =>
        monitoredOpcuaLoad(ctx, (signal) => runLoad({ ratePerSecond, durationMs, signal, maxInFlight: MAX_IN_FLIGHT, worker: storm.worker }), target),
      );
      stats = storm.stats();
      const loadLine = describeStorm(report.load, stats, MAX_IN_FLIGHT);
      ctx.log(loadLine);
      attachAvailabilityEvidence(ctx, report, { title: `OPC UA handshake storm on ${target.probe.url}`, loadLine, extra: { storm: stats } });
      const verdict = judgeAvailability(report, lossTolerance);
      const details = { achievedRatePerSecond: report.load.achievedRatePerSecond, load: report.load, storm: stats, probes: report.probes };
      if (!verdict.ok) return fail(`${loadLine}: ${verdict.findings.join('; ')}`, details);
      return pass(`${loadLine}: ${verdict.summary.join('; ')}`, details);
    } finally {
      target.attachTranscript();
    }
  },
});
