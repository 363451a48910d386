import { defineCheck, fail, pass } from '../../core/check.js';
import { attachMatches, awaitRecords, causeSecurityEvents, describeMatch, openCollector, RECORD_FIELDS, syslogEndpoint } from '../../adapters/syslog/target.js';

export default defineCheck({
  id: 'syslog.audit.security-events-recorded',
  requirement: 'CR 2.8',
  sl: [1, 2, 3, 4],
  protocol: 'syslog',
  disruptive: false,
  title: 'Security events caused through the device\'s interfaces reach the syslog collector as records',
  expectation:
    'A failed login and a refused write caused through each interface that allows it each produce, within the profile\'s bound, a syslog record with a time, the source, the category, the outcome and the user',
  timeoutMs: 120_000,
  async run(ctx) {
    const endpoint = syslogEndpoint(ctx);
    const collector = await openCollector(ctx);
    const targets: Array<{ attachTranscript(): void }> = [];
    try {
      const caused = await causeSecurityEvents(ctx, 'all');
      targets.push(...caused.targets);
      const matches = await awaitRecords(ctx, collector, caused.events, endpoint.recordWithinS * 1000);
      attachMatches(ctx, matches, endpoint.recordWithinS);
      const bound = `bound ${endpoint.recordWithinS} s (profile)`;
      const details = {
        recordWithinS: endpoint.recordWithinS,
        recordsReceived: collector.records.length,
        recordsFromOtherAddresses: collector.foreign,
        events: matches.map((match) => ({ ...match.event, record: match.record?.record.raw, receivedAt: match.record?.receivedAt, delayS: match.delayS, present: match.present, missing: match.missing })),
      };
      const unrecorded = matches.filter((match) => !match.record);
      const incomplete = matches.filter((match) => match.record && match.missing.length > 0);
      if (unrecorded.length > 0 || incomplete.length > 0) {
        const lines = [...unrecorded, ...incomplete].map((match) => describeMatch(match, endpoint.recordWithinS));
        const silent = endpoint.transport !== 'udp' && collector.connections === 0 ? `; the device never connected to ${collector.address}` : '';
        return fail(`${lines.join('; ')} (${collector.records.length} records received from ${ctx.host} in all${silent}; ${bound})`, details);
      }
      return pass(`every event has its record with ${RECORD_FIELDS.join(', ')}: ${matches.map((match) => describeMatch(match, endpoint.recordWithinS)).join('; ')}; ${bound}`, details);
    } finally {
      await collector.close();
      for (const target of targets) target.attachTranscript();
    }
  },
});
