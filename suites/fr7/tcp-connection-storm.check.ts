import { defineCheck, fail, pass } from '../../core/check.js';
import { attachAvailabilityEvidence, judgeAvailability, MAX_DURATION_MS, measureDuringCheck, runLoad, type EssentialProbe } from '../../core/load/index.js';
import { declaredTcpPorts, protocolDefinitions, type AvailabilityMonitor } from '../../core/protocol.js';
import { connectionStorm } from '../../adapters/tcp/storm.js';

const MAX_IN_FLIGHT = 256;

export default defineCheck({
  id: 'tcp.availability.connection-storm',
  requirement: 'CR 7.1',
  sl: [1, 2, 3, 4],
  protocol: 'tcp',
  disruptive: true,
  title: 'Essential functions stay available during a TCP connection storm on every declared port',
  expectation:
    'While TCP connections to every declared port are opened and closed at the configured rate, each monitored function (the essential functions and services every protocol of the component offers to watch) keeps its p99 latency within its bound, loses no more samples than the tolerance, and answers normally once the storm stops',
  timeoutMs: MAX_DURATION_MS + 60_000,
  requires: (profile) => {
    if (declaredTcpPorts(profile).length === 0) return 'the profile declares no TCP port to storm (openPorts, endpoints)';
    if (protocolDefinitions().every((definition) => (definition.watches?.(profile) ?? []).length === 0)) {
      return 'nothing this check can monitor: no essential function in the profile and no service any of its protocols can watch';
    }
    return undefined;
  },
  async run(ctx) {
    const ports = declaredTcpPorts(ctx.profile);
    const { ratePerSecond, durationMs, lossTolerance } = ctx.settings.load;
    const notes: string[] = [];
    // Each protocol opens what its monitors sample (a session, a connection) before the storm, and closes it after.
    const monitors: AvailabilityMonitor[] = [];
    try {
      for (const definition of protocolDefinitions()) {
        const monitor = await definition.monitor?.(ctx);
        if (monitor) monitors.push(monitor);
      }
    } catch (error) {
      await Promise.all(monitors.map((monitor) => monitor.close()));
      throw error;
    }
    const probes: EssentialProbe[] = monitors.flatMap((monitor) => monitor.probes);
    const storm = connectionStorm(ctx.host, ports, { connectTimeoutMs: ctx.settings.connectTimeoutMs });
    let report;
    try {
      report = await ctx.step(`TCP connections to ports ${ports.join(', ')} at up to ${ratePerSecond}/s for ${durationMs} ms, monitoring ${probes.map((probe) => probe.name).join(', ')}`, () =>
        measureDuringCheck(ctx, probes, (signal) => runLoad({ ratePerSecond, durationMs, signal, maxInFlight: MAX_IN_FLIGHT, worker: storm.worker })),
      );
    } finally {
      await Promise.all(monitors.map((monitor) => monitor.close()));
    }

    const { load } = report;
    const perPort = storm.stats();
    const portLine = perPort.map((entry) => `${entry.port}: ${entry.connected}/${entry.attempts} accepted${entry.refused ? `, ${entry.refused} refused` : ''}${entry.timedOut ? `, ${entry.timedOut} timed out` : ''}`).join('; ');
    const loadLine = `${load.started} connection attempts at ${load.achievedRatePerSecond}/s (planned ${load.plannedRatePerSecond}/s) for ${(load.elapsedMs / 1000).toFixed(1)} s (${portLine})${load.skipped ? `, ${load.skipped} not started (${MAX_IN_FLIGHT} already pending)` : ''}`;
    ctx.log(loadLine);
    for (const note of notes) ctx.log(note);
    attachAvailabilityEvidence(ctx, report, { title: `TCP connection storm on ${ctx.host}`, loadLine, extra: { perPort } });
    const verdict = judgeAvailability(report, lossTolerance);
    const details = { ports, perPort, load, probes: report.probes, notes };
    if (!verdict.ok) return fail(`${loadLine}: ${verdict.findings.join('; ')}`, details);
    return pass(`${loadLine}: ${verdict.summary.join('; ')}`, details);
  },
});
