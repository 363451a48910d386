import { defineCheck, fail, pass } from '../../core/check.js';
import { describeProbe, describeSet, probeWrites, writePermissionFor, type WriteProbe } from '../../adapters/opcua/authorization.js';
import { formatStatus } from '../../adapters/opcua/status.js';
import { opcuaTarget, userIdentity } from '../../adapters/opcua/target.js';
import type { Identity, SessionAttempt } from '../../adapters/opcua/types.js';

export default defineCheck({
  id: 'opcua.authorization.all-identities-bounded',
  requirement: 'CR 2.1',
  enhancement: 1,
  sl: [2, 3, 4],
  protocol: 'opcua',
  disruptive: false,
  title: 'OPC UA authorizes software and device identities too',
  expectation:
    'An anonymous session may write nothing, and a session with an X509 (device or software) identity may write no more than the operator role (UserAccessLevel per identity, confirmed by writes of a variable\'s own value where the profile allows one)',
  timeoutMs: 90_000,
  async run(ctx) {
    const target = opcuaTarget(ctx);
    const permission = writePermissionFor(ctx);
    try {
      const channel = await target.sessionChannel();
      const probeAs = async (identity: Identity, label: string): Promise<{ attempt: SessionAttempt; probe?: WriteProbe }> =>
        ctx.step(`write permissions of ${label}`, async () => {
          const open = await target.probe.openChannel(channel);
          try {
            const { attempt, session } = await open.attemptSession(identity);
            target.recordLogin(identity, attempt);
            if (!session) return { attempt };
            try {
              return { attempt, probe: await probeWrites(session, permission, ctx.signal) };
            } finally {
              await session.close();
            }
          } finally {
            await open.close();
          }
        });
      const anonymous = await probeAs({ kind: 'anonymous' }, 'anonymous');
      const x509 = await probeAs(target.x509Identity(), 'the X509 identity of the client certificate');
      const operatorAccount = target.account('operator');
      const operator = operatorAccount ? await probeAs(userIdentity(operatorAccount), `operator "${operatorAccount.username}"`) : undefined;
      const operatorWritable = new Set(operator?.probe?.writable ?? []);
      const problems: string[] = [];
      if (anonymous.probe && anonymous.probe.writable.length > 0) problems.push(`an anonymous session may write ${describeSet(anonymous.probe.writable)}`);
      const beyondOperator = (x509.probe?.writable ?? []).filter((nodeId) => !operatorWritable.has(nodeId));
      if (beyondOperator.length > 0) problems.push(`the X509 identity may write what the operator${operatorAccount ? '' : ' (none in the profile)'} may not: ${describeSet(beyondOperator)}`);
      const seen = [anonymous.probe && `anonymous: ${describeProbe(anonymous.probe)}`, x509.probe && `X509: ${describeProbe(x509.probe)}`].filter(Boolean).join('; ');
      const details = { anonymous, x509, operatorWritable: [...operatorWritable], writes: permission.describe };
      if (problems.length > 0) return fail(`${problems.join('; ')} (${seen}; ${permission.describe})`, details);
      const undecided = [anonymous.probe, x509.probe].filter((probe) => probe && probe.variables.length > 0 && probe.undecided.length === probe.variables.length);
      if (undecided.length > 0) throw new Error(`the device gives no UserAccessLevel and no write was allowed, so nothing shows what ${undecided.map((probe) => probe!.who).join(' and ')} may write; declare writeProbes or run --disruptive`);
      const anonymousText = anonymous.probe ? 'an anonymous session may write nothing' : `anonymous was refused (${anonymous.attempt.status ? formatStatus(anonymous.attempt.status) : anonymous.attempt.note})`;
      const x509Text = x509.probe ? `the X509 identity may write ${describeSet(x509.probe.writable)}` : `the X509 identity was refused (${x509.attempt.status ? formatStatus(x509.attempt.status) : x509.attempt.note})`;
      return pass(`${anonymousText}; ${x509Text}; the operator may write ${describeSet([...operatorWritable])} (${seen || 'no session to probe'}; ${permission.describe})`, details);
    } finally {
      target.attachTranscript();
    }
  },
});
