import { defineCheck, fail, pass } from '../../core/check.js';
import { attachRampEvidence, judgeRamp, MAX_DURATION_MS, MAX_RAMP_STEPS, measureRampDuringCheck, rampLine, runLoad, type EssentialProbe, type RampReport } from '../../core/load/index.js';
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
    'While TCP connections to every declared port are opened and closed at rates rising in steps up to the configured cap, each monitored function (the essential functions and services every protocol of the component offers to watch) keeps its p99 latency within its bound and loses no more samples than the tolerance up to the required rate, and answers normally once the storm stops',
  timeoutMs: MAX_RAMP_STEPS * MAX_DURATION_MS + 60_000,
  requires: (profile) => {
    if (declaredTcpPorts(profile).length === 0) return 'the profile declares no TCP port to storm (openPorts, endpoints)';
    if (protocolDefinitions().every((definition) => (definition.watches?.(profile) ?? []).length === 0)) {
      return 'nothing this check can monitor: no essential function in the profile and no service any of its protocols can watch';
    }
    return undefined;
  },
  async run(ctx) {
    const ports = declaredTcpPorts(ctx.profile);
    const { ratePerSecond, requiredRatePerSecond, durationMs } = ctx.settings.load;
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
    let report: RampReport;
    try {
      report = await ctx.step(
        `TCP connections to ports ${ports.join(', ')} at rates rising to ${ratePerSecond}/s (required ${requiredRatePerSecond ?? ratePerSecond}/s), ${durationMs} ms per step, monitoring ${probes.map((probe) => probe.name).join(', ')}`,
        () => measureRampDuringCheck(ctx, probes, (rate, signal) => runLoad({ ratePerSecond: rate, durationMs, signal, maxInFlight: MAX_IN_FLIGHT, worker: storm.worker })),
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
    ctx.log(rampLine(report.ramp));
    attachRampEvidence(ctx, report, { title: `TCP connection storm on ${ctx.host}`, loadLine: `${loadLine}; ${rampLine(report.ramp)}`, extra: { perPort } });
    const verdict = judgeRamp(report);
    const details = { ports, perPort, load, ramp: report.ramp, probes: report.probes, notes };
    if (!verdict.ok) return fail(`${loadLine}: ${verdict.findings.join('; ')}; ${rampLine(report.ramp)}`, details);
    return pass(`${loadLine}: ${verdict.summary.join('; ')}`, details);
  },
});
