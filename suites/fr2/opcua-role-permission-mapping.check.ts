import { defineCheck, fail, pass } from '../../core/check.js';
import { describeSet, probeWrites } from '../../adapters/opcua/authorization.js';
import { opcuaTarget, requiresAccounts, userIdentity } from '../../adapters/opcua/target.js';

export default defineCheck({
  id: 'opcua.authorization.role-permission-mapping',
  requirement: 'CR 2.1',
  enhancement: 2,
  sl: [2, 3, 4],
  protocol: 'opcua',
  disruptive: false,
  title: 'OPC UA maps write permissions to roles',
  expectation: 'The viewer writes nothing, the operator writes some variables, and the operator writes strictly less than the admin',
  timeoutMs: 90_000,
  requires: requiresAccounts('admin', 'operator', 'viewer'),
  async run(ctx) {
    const target = opcuaTarget(ctx);
    try {
      const channel = await target.sessionChannel();
      const probes: Record<string, string[]> = {};
      const evidence = [];
      for (const role of ['viewer', 'operator', 'admin'] as const) {
        const account = target.account(role)!;
        const probe = await ctx.step(`write probe as ${role} "${account.username}"`, () => target.probe.withSession(userIdentity(account), channel, (session) => probeWrites(session, ctx.throwIfAborted)));
        probes[role] = probe.writable;
        evidence.push({ role, username: account.username, writable: probe.writable, results: probe.results });
      }
      const viewer = probes.viewer!;
      const operator = probes.operator!;
      const admin = new Set(probes.admin!);
      const problems: string[] = [];
      if (viewer.length > 0) problems.push(`the viewer wrote ${describeSet(viewer)}`);
      if (operator.length === 0) problems.push('the operator could write nothing, so no role-specific permission was seen');
      const operatorOnly = operator.filter((nodeId) => !admin.has(nodeId));
      if (operatorOnly.length > 0) problems.push(`the operator wrote what the admin may not: ${describeSet(operatorOnly)}`);
      if (operator.length > 0 && operatorOnly.length === 0 && operator.length >= admin.size) problems.push(`the operator writes everything the admin writes (${describeSet(operator)}): the roles are not told apart`);
      const details = { roles: evidence };
      if (problems.length > 0) return fail(problems.join('; '), details);
      return pass(`viewer writes nothing; operator writes ${describeSet(operator)}; admin writes ${describeSet([...admin])}`, details);
    } finally {
      target.attachTranscript();
    }
  },
});
