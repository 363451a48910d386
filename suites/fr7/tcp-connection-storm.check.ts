import { defineCheck, fail, pass } from '../../core/check.js';
import { attachAvailabilityEvidence, judgeAvailability, MAX_DURATION_MS, measureUnderLoad, runLoad, type EssentialProbe } from '../../core/load/index.js';
import { declaredPorts } from '../../core/profile/ports.js';
import type { Profile } from '../../core/profile/schema.js';
import { essentialProbes, targetFromProfile } from '../../adapters/modbus/index.js';
import { opcuaEssentialProbes } from '../../adapters/opcua/availability.js';
import { connectionStorm } from '../../adapters/tcp/storm.js';
import { tlsServiceProbe } from '../../adapters/tls/availability.js';
import { fetchRoot } from '../../adapters/tls/cleartext.js';

const MAX_IN_FLIGHT = 256;
/** The profile gives latency bounds only for Modbus and OPC UA functions; an operator's web page should answer within a second. */
const TLS_SERVICE_BOUND_MS = 1_000;

const hasModbusFunction = (profile: Profile) => profile.endpoints.modbus !== undefined && profile.essentialFunctions.some((entry) => 'modbus' in entry);
const hasOpcuaFunction = (profile: Profile) => profile.endpoints.opcua !== undefined && profile.essentialFunctions.some((entry) => 'opcua' in entry);

export default defineCheck({
  id: 'tcp.availability.connection-storm',
  requirement: 'CR 7.1',
  sl: [1, 2, 3, 4],
  protocol: 'tcp',
  disruptive: true,
  title: 'Essential functions stay available during a TCP connection storm on every declared port',
  expectation:
    'While TCP connections to every declared port are opened and closed at the configured rate, each monitored function (Modbus and OPC UA essential functions, TLS services) keeps its p99 latency within its bound, loses no more samples than the tolerance, and answers normally once the storm stops',
  timeoutMs: MAX_DURATION_MS + 60_000,
  requires: (profile) => {
    if (declaredPorts(profile).length === 0) return 'the profile declares no port to storm (openPorts, endpoints)';
    if (!hasModbusFunction(profile) && !hasOpcuaFunction(profile) && (profile.endpoints.tls ?? []).length === 0) {
      return 'nothing this check can monitor: no Modbus or OPC UA essential function and no TLS service in the profile';
    }
    return undefined;
  },
  async run(ctx) {
    const ports = declaredPorts(ctx.profile);
    const { ratePerSecond, durationMs, lossTolerance, sampleIntervalMs } = ctx.settings.load;
    const probes: EssentialProbe[] = [];
    const closers: Array<() => Promise<void>> = [];
    const notes: string[] = [];

    if (hasModbusFunction(ctx.profile)) {
      const modbus = essentialProbes(ctx.profile, targetFromProfile(ctx.profile, ctx.host), { connectTimeoutMs: ctx.settings.connectTimeoutMs, requestTimeoutMs: ctx.settings.requestTimeoutMs });
      probes.push(...modbus.probes);
      closers.push(modbus.close);
    }
    for (const service of ctx.profile.endpoints.tls ?? []) {
      // The first request says whether the service is a web page (then each sample needs the page) and that it is up.
      const answer = await ctx.step(`${service.name}: first request before the storm`, () =>
        fetchRoot({ host: ctx.host, port: service.port, tls: true, connectTimeoutMs: ctx.settings.connectTimeoutMs, timeoutMs: ctx.settings.requestTimeoutMs, signal: ctx.signal }),
      );
      ctx.log(`${service.name} answers ${answer.http ? answer.http.statusLine : 'a TLS handshake (not HTTP)'} before the storm`);
      probes.push(tlsServiceProbe({ host: ctx.host, port: service.port, name: service.name, http: answer.http !== undefined, maxLatencyMs: TLS_SERVICE_BOUND_MS }));
    }

    if (hasOpcuaFunction(ctx.profile)) {
      const opcua = opcuaEssentialProbes(ctx);
      closers.push(opcua.close);
      try {
        await ctx.step('OPC UA essential functions answer on a monitoring session before the storm', () => opcua.ready());
      } catch (error) {
        await Promise.all(closers.map((close) => close()));
        throw error;
      }
      probes.push(...opcua.probes);
    }
    const storm = connectionStorm(ctx.host, ports, { connectTimeoutMs: ctx.settings.connectTimeoutMs });
    const bound = Math.max(...probes.map((probe) => probe.maxLatencyMs));
    let report;
    try {
      report = await ctx.step(`TCP connections to ports ${ports.join(', ')} at up to ${ratePerSecond}/s for ${durationMs} ms, monitoring ${probes.map((probe) => probe.name).join(', ')}`, () =>
        measureUnderLoad({
          probes,
          intervalMs: sampleIntervalMs,
          timeoutMs: Math.min(ctx.settings.requestTimeoutMs, Math.max(1_000, 5 * bound)),
          signal: ctx.signal,
          baselineMs: Math.max(300, 3 * sampleIntervalMs),
          recoveryMs: Math.max(1_000, Math.min(5_000, durationMs)),
          load: (signal) => runLoad({ ratePerSecond, durationMs, signal, maxInFlight: MAX_IN_FLIGHT, worker: storm.worker }),
          onDesignedWait: (ms, reason) => ctx.designedWait(ms, reason),
        }),
      );
    } finally {
      await Promise.all(closers.map((close) => close()));
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
