import { defineCheck, fail, pass } from '../../core/check.js';
import { describeSet, probeWrites } from '../../adapters/opcua/authorization.js';
import { formatStatus, isGood } from '../../adapters/opcua/status.js';
import { SERVER_NODES } from '../../adapters/opcua/nodes.js';
import { opcuaTarget } from '../../adapters/opcua/target.js';

export default defineCheck({
  id: 'opcua.authentication.anonymous-read-only',
  requirement: 'CR 1.1',
  sl: [1, 2, 3, 4],
  protocol: 'opcua',
  disruptive: false,
  title: 'Anonymous OPC UA sessions may read but never write',
  expectation:
    'Where the profile declares anonymous access read-only, an anonymous session is refused or may read, but the device refuses every write it tries (each variable written with the value it already holds)',
  timeoutMs: 90_000,
  requires: (profile) =>
    profile.endpoints.opcua?.anonymousAccess === 'read-only' ? undefined : 'anonymous access is not declared read-only (endpoints.opcua.anonymousAccess), so anonymous sessions must be refused: opcua.authentication.anonymous-session-refused checks that',
  async run(ctx) {
    const target = opcuaTarget(ctx);
    try {
      const channel = await target.sessionChannel();
      const opened = await ctx.step(`secure channel ${channel.securityMode}/${channel.securityPolicy}`, () => target.probe.openChannel(channel));
      try {
        const { attempt, session } = await ctx.step('anonymous session', () => opened.attemptSession({ kind: 'anonymous' }));
        if (!session) return pass(`anonymous ActivateSession refused at ${attempt.stage} with ${attempt.status ? formatStatus(attempt.status) : attempt.note}: stricter than the declared read-only access`, { attempt });
        try {
          const read = await session.read(SERVER_NODES.state);
          const probe = await ctx.step('write each variable its own value, anonymously', () => probeWrites(session, () => ctx.throwIfAborted()));
          ctx.attach({ name: 'Anonymous write attempts', contentType: 'application/json', extension: 'json', content: JSON.stringify(probe.results, null, 2) });
          const details = { read: read.status, variables: probe.variables.length, writable: probe.writable };
          const reading = isGood(read.status) ? 'reads' : `cannot even read (${formatStatus(read.status)})`;
          if (probe.writable.length > 0) return fail(`an anonymous session ${reading} and wrote ${probe.writable.length} of ${probe.results.length} variables: ${describeSet(probe.writable)}`, details);
          if (probe.results.length === 0) throw new Error('the anonymous session sees no variable outside namespace 0, so no write could be tried');
          return pass(`an anonymous session ${reading}; all ${probe.results.length} writes it tried were refused`, details);
        } finally {
          await session.close();
        }
      } finally {
        await opened.close();
      }
    } finally {
      target.attachTranscript();
    }
  },
});
