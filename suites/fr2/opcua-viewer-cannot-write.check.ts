import { defineCheck, fail, pass } from '../../core/check.js';
import { describeProbe, describeSet, probeWrites, refusalNames, writePermissionFor } from '../../adapters/opcua/authorization.js';
import { isGood } from '../../adapters/opcua/status.js';
import { opcuaTarget, requiresAccounts, userIdentity } from '../../adapters/opcua/target.js';

export default defineCheck({
  id: 'opcua.authorization.viewer-cannot-write',
  requirement: 'CR 2.1',
  sl: [1, 2, 3, 4],
  protocol: 'opcua',
  disruptive: false,
  title: 'OPC UA enforces read-only access for viewers',
  expectation:
    'A viewer session can read process values, the device grants it no write (UserAccessLevel), and refuses every write of a variable\'s own value where the profile allows one (writeProbes, or a disruptive run)',
  timeoutMs: 60_000,
  requires: requiresAccounts('viewer'),
  async run(ctx) {
    const target = opcuaTarget(ctx);
    const viewer = target.account('viewer')!;
    const permission = writePermissionFor(ctx);
    try {
      const channel = await target.sessionChannel();
      const { probe, readable } = await ctx.step(`write permissions of viewer "${viewer.username}"`, () =>
        target.withSession(userIdentity(viewer), channel, async (session) => {
          const probe = await probeWrites(session, permission, ctx.signal);
          const reads = probe.variables.length > 0 ? await session.readValues(probe.variables.map((variable) => variable.nodeId)) : [];
          return { probe, readable: reads.filter((read) => isGood(read.status)).length };
        }),
      );
      const details = { viewer: viewer.username, writes: permission.describe, probe };
      const seen = `${describeProbe(probe)}; ${permission.describe}`;
      if (probe.variables.length === 0) throw new Error('the viewer sees no variables outside namespace 0, so there is nothing to judge write access on');
      if (probe.writable.length > 0) return fail(`the viewer may write ${probe.writable.length} of ${probe.variables.length} variables: ${describeSet(probe.writable)} (${seen})`, details);
      if (probe.undecided.length === probe.variables.length) {
        throw new Error(`the device gives no UserAccessLevel for the viewer and no write was allowed, so nothing shows what the viewer may write (${seen}); declare writeProbes or run --disruptive`);
      }
      if (readable === 0) return fail(`the viewer can read none of the ${probe.variables.length} variables, so read-only access is not what is enforced (${seen})`, details);
      const refusals = probe.refused.length > 0 ? `; writes refused with ${refusalNames(probe)}` : '';
      return pass(`the viewer reads ${readable} of ${probe.variables.length} variables and may write none (${seen})${refusals}`, details);
    } finally {
      target.attachTranscript();
    }
  },
});
