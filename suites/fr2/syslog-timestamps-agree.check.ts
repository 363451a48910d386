import { defineCheck, fail, pass } from '../../core/check.js';
import { awaitRecords, causeSecurityEvents, openCollector, syslogEndpoint } from '../../adapters/syslog/target.js';

const signed = (ms: number) => `${ms >= 0 ? '+' : ''}${(ms / 1000).toFixed(1)} s`;

export default defineCheck({
  id: 'syslog.timestamps.clock-and-zone',
  requirement: 'CR 2.11',
  sl: [1, 2, 3, 4],
  protocol: 'syslog',
  disruptive: false,
  title: 'Audit records carry a time stamp with a zone that agrees with the harness clock',
  expectation: 'The record of a security event the harness caused carries a time stamp in UTC or with an offset, within the profile\'s tolerance of the time the harness received it',
  timeoutMs: 90_000,
  async run(ctx) {
    const endpoint = syslogEndpoint(ctx);
    const toleranceMs = endpoint.clockToleranceS * 1000;
    const collector = await openCollector(ctx);
    const targets: Array<{ attachTranscript(): void }> = [];
    try {
      const caused = await causeSecurityEvents(ctx, 'one');
      targets.push(...caused.targets);
      const matches = await awaitRecords(ctx, collector, caused.events, endpoint.recordWithinS * 1000);
      const judged = matches.flatMap((match) => (match.record ? [match.record] : []));
      if (judged.length === 0) throw new Error(`no record of the ${caused.events.map((event) => event.action).join(', ')} arrived within ${endpoint.recordWithinS} s, so no time stamp could be judged (CR 2.8 says whether records arrive)`);
      const stamps = judged.map(({ record, receivedAt }) => ({
        raw: record.raw,
        timestamp: record.timestampText,
        zone: record.zone,
        receivedAt: receivedAt.toISOString(),
        offsetMs: record.timestamp ? record.timestamp.getTime() - receivedAt.getTime() : undefined,
      }));
      const details = { clockToleranceS: endpoint.clockToleranceS, stamps };
      const problems: string[] = [];
      for (const stamp of stamps) {
        if (stamp.zone === 'missing') problems.push(`a record has no time stamp: ${stamp.raw.slice(0, 120)}`);
        else if (stamp.zone === 'none') problems.push(`time stamp "${stamp.timestamp}" has no time zone or offset (local time of an unknown zone)`);
        if (stamp.offsetMs !== undefined && Math.abs(stamp.offsetMs) > toleranceMs) problems.push(`time stamp "${stamp.timestamp}" is ${signed(stamp.offsetMs)} off the harness clock (received ${stamp.receivedAt})`);
      }
      const bound = `tolerance ±${endpoint.clockToleranceS} s (profile)`;
      if (problems.length > 0) return fail(`${problems.join('; ')}; ${bound}`, details);
      return pass(`${stamps.map((stamp) => `time stamp "${stamp.timestamp}" (${stamp.zone === 'utc' ? 'UTC' : 'with offset'}) is ${signed(stamp.offsetMs!)} off the harness clock`).join('; ')}; ${bound}`, details);
    } finally {
      await collector.close();
      for (const target of targets) target.attachTranscript();
    }
  },
});
