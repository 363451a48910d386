import { defineCheck, fail, pass } from '../../core/check.js';
import { attachAvailabilityEvidence, MAX_DURATION_MS, runLoad } from '../../core/load/index.js';
import { monitoredOpcuaLoad, opcuaEssentialFunctions, requiresOpcuaEssentialFunction } from '../../adapters/opcua/availability.js';
import { describeStorm, handshakeStorm, type HandshakeStormStats } from '../../adapters/opcua/storm.js';
import { boundUsed } from '../../adapters/opcua/endpoint.js';
import { opcuaTarget } from '../../adapters/opcua/target.js';

const MAX_IN_FLIGHT = 256;

export default defineCheck({
  id: 'opcua.availability.handshake-storm-managed',
  requirement: 'CR 7.1',
  enhancement: 1,
  sl: [2, 3, 4],
  protocol: 'opcua',
  disruptive: true,
  title: 'The device limits the effect of an OPC UA connection and handshake storm',
  expectation:
    'Under a storm of new connections each sending Hello and OpenSecureChannel, the device answers or refuses every attempt promptly (p99 of the time to its Acknowledge, Error or close within endpoints.opcua.handshakeAnswerMs, by default the largest latency bound of the OPC UA essential functions; unanswered attempts within the loss tolerance) instead of queueing them, and serves normally right after',
  timeoutMs: MAX_DURATION_MS + 60_000,
  requires: requiresOpcuaEssentialFunction,
  async run(ctx) {
    const target = opcuaTarget(ctx);
    const { ratePerSecond, durationMs, lossTolerance } = ctx.settings.load;
    const documented = ctx.profile.endpoints.opcua?.handshakeAnswerMs;
    const bound = documented ?? Math.max(...opcuaEssentialFunctions(ctx.profile).map((entry) => entry.maxLatencyMs));
    const boundLine = boundUsed(`answer bound ${bound} ms`, documented !== undefined);
    const storm = handshakeStorm(target.probe.url, { connectTimeoutMs: ctx.settings.connectTimeoutMs, answerTimeoutMs: ctx.settings.requestTimeoutMs });
    try {
      const report = await ctx.step(`Hello + OpenSecureChannel storm on ${target.probe.url} at up to ${ratePerSecond}/s for ${durationMs} ms, timing the device's answer to each attempt`, () =>
        // Judged on the held session: what a new client sees during a storm is the CR 7.1 check's.
        monitoredOpcuaLoad(ctx, (signal) => runLoad({ ratePerSecond, durationMs, signal, maxInFlight: MAX_IN_FLIGHT, worker: storm.worker }), target, { newClients: false }),
      );
      const stats: HandshakeStormStats = storm.stats();
      const answerLine = `first answer to an attempt p50 ${stats.firstAnswer.p50 ?? '-'} ms, p99 ${stats.firstAnswer.p99 ?? '-'} ms, max ${stats.firstAnswer.max ?? '-'} ms`;
      const loadLine = `${describeStorm(report.load, stats, MAX_IN_FLIGHT)}; ${answerLine}`;
      ctx.log(loadLine);
      attachAvailabilityEvidence(ctx, report, { title: `OPC UA handshake storm with load management on ${target.probe.url}`, loadLine, extra: { storm: stats } });

      const problems: string[] = [];
      const unanswered = stats.outcomes.timeout;
      const attempts = Math.max(1, stats.attempts);
      // A backlog that grows with the storm shows as attempts answered ever later, or not at all.
      if (stats.firstAnswer.p99 === undefined) problems.push('the device answered none of the attempts, so nothing shows it managing the load rather than stalling');
      else if (stats.firstAnswer.p99 > bound) problems.push(`new clients waited up to ${stats.firstAnswer.p99} ms (p99) for a first answer, beyond the bound (${boundLine}): the storm is queued, not managed`);
      if (unanswered / attempts > lossTolerance) problems.push(`${unanswered} of ${stats.attempts} attempts got no answer within ${ctx.settings.requestTimeoutMs} ms (tolerance ${(lossTolerance * 100).toFixed(1)} %)`);
      const unrecovered = report.probes.filter((probe) => !probe.recovered).map((probe) => probe.name);
      if (unrecovered.length > 0) problems.push(`not answering normally after the storm: ${unrecovered.join(', ')}`);
      const essential = report.probes.map((probe) => `${probe.name} p99 ${probe.load.p99 ?? '-'} ms under load`).join(', ');
      const details = { achievedRatePerSecond: report.load.achievedRatePerSecond, boundMs: bound, boundDocumented: documented !== undefined, storm: stats, load: report.load, probes: report.probes };
      if (problems.length > 0) return fail(`${loadLine}: ${problems.join('; ')} (${boundLine})`, details);
      return pass(`${loadLine}: every attempt answered or refused within ${bound} ms (${boundLine}) and normal service right after; ${essential}`, details);
    } finally {
      target.attachTranscript();
    }
  },
});
