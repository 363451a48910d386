import { defineCheck, fail, pass } from '../../core/check.js';
import type { EssentialProbe } from '../../core/load/availability.js';
import { pause } from '../../core/net/abort.js';
import { protocolDefinitions, type AvailabilityMonitor } from '../../core/protocol.js';
import { attachMatches, awaitRecords, causeSecurityEvents, describeMatch, openCollector, syslogEndpoint, type CausedEvent } from '../../adapters/syslog/target.js';

const SAMPLE_INTERVAL_MS = 500;

interface ProbeTally {
  name: string;
  samples: number;
  misses: number;
  worstMs: number;
  firstError?: string;
}

async function sampleOnce(probe: EssentialProbe, tally: ProbeTally, signal: AbortSignal): Promise<void> {
  const began = Date.now();
  tally.samples++;
  try {
    await probe.sample(signal);
    const took = Date.now() - began;
    tally.worstMs = Math.max(tally.worstMs, took);
    if (took > probe.maxLatencyMs) {
      tally.misses++;
      tally.firstError ??= `answered after ${took} ms (allowed ${probe.maxLatencyMs} ms)`;
    }
  } catch (error) {
    if (signal.aborted) throw error;
    tally.misses++;
    tally.firstError ??= (error as Error).message;
  }
}

export default defineCheck({
  id: 'syslog.outage.essential-functions-and-buffer',
  requirement: 'CR 2.10',
  sl: [1, 2, 3, 4],
  protocol: 'syslog',
  disruptive: true,
  title: 'While the syslog collector is away the device keeps working and keeps its audit records',
  expectation:
    'While the collector refuses connections for the profile\'s outage time, the essential functions and the interfaces keep answering, and the records of security events made meanwhile arrive once the collector is back',
  timeoutMs: 300_000,
  requires: (profile) =>
    profile.endpoints.syslog?.transport === 'udp' ? 'the device sends syslog over UDP, where it cannot notice that the collector is away (transport udp)' : undefined,
  async run(ctx) {
    const endpoint = syslogEndpoint(ctx);
    const withinMs = endpoint.recordWithinS * 1000;
    const outageMs = endpoint.outageS * 1000;
    const collector = await openCollector(ctx);
    const targets: Array<{ attachTranscript(): void }> = [];
    const monitors: AvailabilityMonitor[] = [];
    try {
      // Positive control: the device connects to this collector and its records arrive, or an outage shows nothing.
      if (collector.connections === 0) throw new Error(`positive control failed: the device did not connect to ${collector.address} within ${endpoint.recordWithinS} s, so an outage cannot be judged (see CR 2.8)`);
      const before = await causeSecurityEvents(ctx, 'one');
      targets.push(...before.targets);
      const control = await awaitRecords(ctx, collector, before.events, withinMs);
      if (!control.every((match) => match.record)) throw new Error(`positive control failed: no record of the ${before.events[0]!.action} arrived within ${endpoint.recordWithinS} s while the collector listened, so an outage cannot be judged (see CR 2.8)`);

      for (const definition of protocolDefinitions()) {
        if (!definition.monitor) continue;
        const monitor = await definition.monitor(ctx);
        if (monitor) monitors.push(monitor);
      }
      const probes = monitors.flatMap((monitor) => monitor.probes);
      const tallies = probes.map((probe) => ({ name: probe.name, samples: 0, misses: 0, worstMs: 0 }) as ProbeTally);

      await ctx.step(`collector stops listening for ${endpoint.outageS} s (connections refused)`, () => collector.stop());
      const outageBegan = Date.now();
      const during: CausedEvent[] = [];
      const interfaceProblems: string[] = [];
      try {
        const caused = await causeSecurityEvents(ctx, 'one');
        targets.push(...caused.targets);
        during.push(...caused.events);
      } catch (error) {
        interfaceProblems.push(`causing a failed login during the outage failed: ${(error as Error).message}`);
      }
      while (Date.now() - outageBegan < outageMs) {
        ctx.progress({ phase: 'collector away', remainingMs: outageMs - (Date.now() - outageBegan) });
        for (const [index, probe] of probes.entries()) await sampleOnce(probe, tallies[index]!, ctx.signal);
        await pause(Math.min(SAMPLE_INTERVAL_MS, Math.max(0, outageMs - (Date.now() - outageBegan))), ctx.signal);
      }
      ctx.designedWait(outageMs, `the collector is away for endpoints.syslog.outageS = ${endpoint.outageS} s`, outageBegan + outageMs);
      await ctx.step('collector listens again', () => collector.start());

      // The control's records take part in the matching, so that none of them passes for a record of the outage.
      const all = during.length > 0 ? await awaitRecords(ctx, collector, [...before.events, ...during], outageMs + withinMs) : [];
      const matches = all.slice(before.events.length);
      attachMatches(ctx, matches, endpoint.recordWithinS);
      const missed = tallies.filter((tally) => tally.misses > 0);
      const lost = matches.filter((match) => !match.record);
      const essentialLine =
        probes.length === 0
          ? 'no essential function declared; the web UI answered the login during the outage'
          : `essential functions during the outage: ${tallies.map((tally) => `${tally.name} ${tally.samples - tally.misses}/${tally.samples} answered in time (worst ${tally.worstMs} ms)`).join(', ')}`;
      const details = { outageS: endpoint.outageS, recordWithinS: endpoint.recordWithinS, probes: tallies, events: matches.map((match) => ({ ...match.event, record: match.record?.record.raw, receivedAt: match.record?.receivedAt })) };
      const problems = [
        ...interfaceProblems,
        ...missed.map((tally) => `essential function "${tally.name}" failed ${tally.misses} of ${tally.samples} samples while the collector was away (${tally.firstError})`),
        ...lost.map((match) => `${describeMatch(match, endpoint.recordWithinS)} after the collector came back: the record made during the outage was lost, not buffered`),
      ];
      const bounds = `outage ${endpoint.outageS} s, records within ${endpoint.recordWithinS} s (profile)`;
      if (problems.length > 0) return fail(`${problems.join('; ')}; ${essentialLine}; ${bounds}`, details);
      return pass(`${essentialLine}; buffered: ${matches.map((match) => `${match.event.action} → record ${((match.record!.receivedAt.getTime() - outageBegan - outageMs) / 1000).toFixed(1)} s after the collector came back`).join('; ')}; ${bounds}`, details);
    } finally {
      for (const monitor of monitors) await monitor.close().catch(() => undefined);
      await collector.close();
      for (const target of targets) target.attachTranscript();
    }
  },
});
