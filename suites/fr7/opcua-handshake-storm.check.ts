import { defineCheck, fail, pass } from '../../core/check.js';
import { attachRampEvidence, judgeRamp, MAX_DURATION_MS, MAX_RAMP_STEPS, rampLine, runLoad } from '../../core/load/index.js';
import { monitoredOpcuaRamp, requiresOpcuaEssentialFunction } from '../../adapters/opcua/availability.js';
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
    'While new connections, each sending Hello and OpenSecureChannel, arrive at rates rising in steps up to the configured cap, every OPC UA essential function read on an existing session keeps its p99 latency within its bound and loses no more samples than the tolerance up to the required rate, and answers normally once the storm stops',
  timeoutMs: MAX_RAMP_STEPS * MAX_DURATION_MS + 60_000,
  requires: requiresOpcuaEssentialFunction,
  async run(ctx) {
    const target = opcuaTarget(ctx);
    const { ratePerSecond, requiredRatePerSecond, durationMs } = ctx.settings.load;
    const storm = handshakeStorm(target.probe.url, { connectTimeoutMs: ctx.settings.connectTimeoutMs, answerTimeoutMs: ctx.settings.requestTimeoutMs });
    let stats: HandshakeStormStats | undefined;
    try {
      const report = await ctx.step(
        `Hello + OpenSecureChannel storm on ${target.probe.url} at rates rising to ${ratePerSecond}/s (required ${requiredRatePerSecond ?? ratePerSecond}/s), ${durationMs} ms per step, monitoring the essential functions`,
        () => monitoredOpcuaRamp(ctx, (rate, signal) => runLoad({ ratePerSecond: rate, durationMs, signal, maxInFlight: MAX_IN_FLIGHT, worker: storm.worker }), target),
      );
      stats = storm.stats();
      const loadLine = describeStorm(report.load, stats, MAX_IN_FLIGHT);
      ctx.log(loadLine);
      ctx.log(rampLine(report.ramp));
      attachRampEvidence(ctx, report, { title: `OPC UA handshake storm on ${target.probe.url}`, loadLine: `${loadLine}; ${rampLine(report.ramp)}`, extra: { storm: stats } });
      const verdict = judgeRamp(report);
      const details = { achievedRatePerSecond: report.load.achievedRatePerSecond, load: report.load, ramp: report.ramp, storm: stats, probes: report.probes };
      if (!verdict.ok) return fail(`${loadLine}: ${verdict.findings.join('; ')}; ${rampLine(report.ramp)}`, details);
      return pass(`${loadLine}: ${verdict.summary.join('; ')}`, details);
    } finally {
      target.attachTranscript();
    }
  },
});
