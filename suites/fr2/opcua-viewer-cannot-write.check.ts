import { defineCheck, fail, pass } from '../../core/check.js';
import { describeSet, probeWrites } from '../../adapters/opcua/authorization.js';
import { isGood } from '../../adapters/opcua/status.js';
import { opcuaTarget, requiresAccounts, userIdentity } from '../../adapters/opcua/target.js';

export default defineCheck({
  id: 'opcua.authorization.viewer-cannot-write',
  requirement: 'CR 2.1',
  sl: [1, 2, 3, 4],
  protocol: 'opcua',
  disruptive: false,
  title: 'OPC UA enforces read-only access for viewers',
  expectation: 'A viewer session can read process values but every write is refused',
  timeoutMs: 60_000,
  requires: requiresAccounts('viewer'),
  async run(ctx) {
    const target = opcuaTarget(ctx);
    const viewer = target.account('viewer')!;
    try {
      const channel = await target.sessionChannel();
      const probe = await ctx.step(`write probe as viewer "${viewer.username}"`, () => target.probe.withSession(userIdentity(viewer), channel, (session) => probeWrites(session, ctx.throwIfAborted)));
      const readable = probe.results.filter((result) => isGood(result.read)).length;
      const details = { viewer: viewer.username, probe };
      if (probe.variables.length === 0) throw new Error('the viewer sees no variables outside namespace 0, so there is nothing to test writes on');
      if (probe.writable.length > 0) return fail(`the viewer wrote ${probe.writable.length} of ${probe.variables.length} variables: ${describeSet(probe.writable)}`, details);
      if (readable === 0) return fail(`the viewer can read none of the ${probe.variables.length} variables, so read-only access is not what is enforced`, details);
      const refusals = [...new Set(probe.results.map((result) => result.write?.name ?? result.read.name))].join(', ');
      return pass(`the viewer read ${readable} of ${probe.variables.length} variables and every write was refused (${refusals})`, details);
    } finally {
      target.attachTranscript();
    }
  },
});
