import { defineCheck, fail, pass } from '../../core/check.js';
import { describeProbe, describeSet, probeWrites, writePermissionFor } from '../../adapters/opcua/authorization.js';
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
    'Where the profile declares anonymous access read-only, an anonymous session is refused or may read, the device grants it no write (UserAccessLevel) and refuses every write of a variable\'s own value where the profile allows one',
  timeoutMs: 90_000,
  requires: (profile) =>
    profile.endpoints.opcua?.anonymousAccess === 'read-only' ? undefined : 'anonymous access is not declared read-only (endpoints.opcua.anonymousAccess), so anonymous sessions must be refused: opcua.authentication.anonymous-session-refused checks that',
  async run(ctx) {
    const target = opcuaTarget(ctx);
    const permission = writePermissionFor(ctx);
    try {
      const channel = await target.sessionChannel();
      const opened = await ctx.step(`secure channel ${channel.securityMode}/${channel.securityPolicy}`, () => target.probe.openChannel(channel));
      try {
        const { attempt, session } = await ctx.step('anonymous session', () => opened.attemptSession({ kind: 'anonymous' }));
        if (!session) return pass(`anonymous ActivateSession refused at ${attempt.stage} with ${attempt.status ? formatStatus(attempt.status) : attempt.note}: stricter than the declared read-only access`, { attempt });
        try {
          const read = await session.read(SERVER_NODES.state);
          const probe = await ctx.step('write permissions of an anonymous session', () => probeWrites(session, permission, ctx.signal));
          ctx.attach({ name: 'Anonymous write permissions', contentType: 'application/json', extension: 'json', content: JSON.stringify(probe.findings, null, 2) });
          const details = { read: read.status, variables: probe.variables.length, writable: probe.writable, writes: permission.describe };
          const reading = isGood(read.status) ? 'reads' : `cannot even read (${formatStatus(read.status)})`;
          const seen = `${describeProbe(probe)}; ${permission.describe}`;
          if (probe.writable.length > 0) return fail(`an anonymous session ${reading} and may write ${probe.writable.length} of ${probe.variables.length} variables: ${describeSet(probe.writable)} (${seen})`, details);
          if (probe.variables.length === 0) throw new Error('the anonymous session sees no variable outside namespace 0, so no write permission could be judged');
          if (probe.undecided.length === probe.variables.length) throw new Error(`nothing shows what an anonymous session may write (${seen}); declare writeProbes or run --disruptive`);
          return pass(`an anonymous session ${reading} and may write none of ${probe.variables.length} variables (${seen})`, details);
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
