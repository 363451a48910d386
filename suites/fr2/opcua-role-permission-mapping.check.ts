import { defineCheck, fail, notApplicable, pass } from '../../core/check.js';
import { describeProbe, describeSet, probeWrites, writePermissionFor } from '../../adapters/opcua/authorization.js';
import { opcuaTarget, requiresAccounts, userIdentity } from '../../adapters/opcua/target.js';

export default defineCheck({
  id: 'opcua.authorization.role-permission-mapping',
  requirement: 'CR 2.1',
  enhancement: 2,
  sl: [2, 3, 4],
  protocol: 'opcua',
  disruptive: false,
  title: 'OPC UA maps write permissions to roles',
  expectation:
    'The viewer may write nothing, the operator some variables, and the operator strictly less than the admin (UserAccessLevel per identity, confirmed by writes of a variable\'s own value where allowed); where operator and admin may write the same, the observable permissions cannot tell the roles apart and documentary evidence is needed',
  timeoutMs: 90_000,
  requires: requiresAccounts('admin', 'operator', 'viewer'),
  async run(ctx) {
    const target = opcuaTarget(ctx);
    const permission = writePermissionFor(ctx);
    try {
      const channel = await target.sessionChannel();
      const probes: Record<string, string[]> = {};
      const evidence = [];
      for (const role of ['viewer', 'operator', 'admin'] as const) {
        const account = target.account(role)!;
        const probe = await ctx.step(`write permissions of ${role} "${account.username}"`, () => target.withSession(userIdentity(account), channel, (session) => probeWrites(session, permission, ctx.signal)));
        probes[role] = probe.writable;
        evidence.push({ role, username: account.username, writable: probe.writable, seen: describeProbe(probe), findings: probe.findings });
      }
      const viewer = probes.viewer!;
      const operator = probes.operator!;
      const admin = new Set(probes.admin!);
      const listing = `viewer writes ${describeSet(viewer)}; operator writes ${describeSet(operator)}; admin writes ${describeSet([...admin])}; ${permission.describe}`;
      const details = { roles: evidence, writes: permission.describe };
      const problems: string[] = [];
      if (viewer.length > 0) problems.push(`the viewer may write ${describeSet(viewer)}`);
      const operatorOnly = operator.filter((nodeId) => !admin.has(nodeId));
      if (operatorOnly.length > 0) problems.push(`the operator may write what the admin may not: ${describeSet(operatorOnly)}`);
      if (problems.length > 0) return fail(`${problems.join('; ')} (${listing})`, details);
      // Equal write sets are not proof of one role for all: the difference may lie in methods, configuration or files.
      if (operator.length === 0) return notApplicable(`cannot tell roles apart from observable write permissions: the operator may write nothing, so no role-specific permission shows (${listing}); documentary evidence is needed`, details);
      if (operator.length >= admin.size) return notApplicable(`cannot tell roles apart from observable write permissions: operator and admin may write the same variables (${listing}); documentary evidence is needed`, details);
      return pass(listing, details);
    } finally {
      target.attachTranscript();
    }
  },
});
