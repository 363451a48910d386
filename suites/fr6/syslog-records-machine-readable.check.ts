import { defineCheck, fail, pass } from '../../core/check.js';
import { eventFields } from '../../adapters/syslog/parse.js';
import { awaitRecords, causeSecurityEvents, openCollector, syslogEndpoint } from '../../adapters/syslog/target.js';

/** Field names that carry who did it and how it ended, as stacks name them. */
const USER_FIELDS = /^(user|username|usr|account|subject|TargetUserName|SubjectUserName|suser|duser|uid|login)$/i;
const OUTCOME_FIELDS = /^(outcome|result|status|success|Keywords|action_result|res)$/i;

export default defineCheck({
  id: 'syslog.records.machine-readable',
  requirement: 'CR 6.1',
  sl: [1, 2, 3, 4],
  protocol: 'syslog',
  disruptive: false,
  title: 'Audit records are machine-readable: a standard header and the event as fields',
  expectation:
    'The record of a security event parses as syslog with a time stamp and a source, and names the user and the outcome as fields (RFC 5424 structured data, key=value pairs or JSON), not only in free text',
  timeoutMs: 90_000,
  async run(ctx) {
    const endpoint = syslogEndpoint(ctx);
    const collector = await openCollector(ctx);
    const targets: Array<{ attachTranscript(): void }> = [];
    try {
      const caused = await causeSecurityEvents(ctx, 'one');
      targets.push(...caused.targets);
      const matches = await awaitRecords(ctx, collector, caused.events, endpoint.recordWithinS * 1000);
      const judged = matches.flatMap((match) => (match.record ? [{ event: match.event, record: match.record.record }] : []));
      if (judged.length === 0) throw new Error(`no record of the ${caused.events.map((event) => event.action).join(', ')} arrived within ${endpoint.recordWithinS} s, so none could be judged (CR 2.8 says whether records arrive)`);
      const verdicts = judged.map(({ event, record }) => {
        const fields = eventFields(record);
        const names = Object.keys(fields);
        const problems: string[] = [];
        if (record.format === 'unparsed') problems.push('it is not syslog (no <PRI>)');
        if (!record.timestamp) problems.push('no parsable time stamp');
        if (!record.hostname && !record.appName) problems.push('no host name or application name');
        const user = names.find((name) => USER_FIELDS.test(name));
        const outcome = names.find((name) => OUTCOME_FIELDS.test(name));
        if (names.length === 0) problems.push(`the event is free text only: "${record.message.slice(0, 100)}"`);
        else {
          if (!user) problems.push(`no field names the user (fields: ${names.join(', ')})`);
          if (!outcome) problems.push(`no field names the outcome (fields: ${names.join(', ')})`);
        }
        return { event: event.action, format: record.format, fields, user, outcome, problems };
      });
      const details = { records: verdicts };
      const failing = verdicts.filter((verdict) => verdict.problems.length > 0);
      if (failing.length > 0) return fail(failing.map((verdict) => `the record of the ${verdict.event} (${verdict.format}): ${verdict.problems.join('; ')}`).join('; '), details);
      return pass(verdicts.map((verdict) => `the record of the ${verdict.event} is ${verdict.format.toUpperCase()} with fields ${Object.keys(verdict.fields).join(', ')} (user in "${verdict.user}", outcome in "${verdict.outcome}")`).join('; '), details);
    } finally {
      await collector.close();
      for (const target of targets) target.attachTranscript();
    }
  },
});
