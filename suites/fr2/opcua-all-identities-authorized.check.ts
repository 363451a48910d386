import { defineCheck, fail, pass } from '../../core/check.js';
import { describeSet, probeWrites, type WriteProbe } from '../../adapters/opcua/authorization.js';
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
  expectation: 'An anonymous session cannot write, and a session with an X509 (device or software) identity can write no more than the operator role',
  timeoutMs: 90_000,
  async run(ctx) {
    const target = opcuaTarget(ctx);
    try {
      const channel = await target.sessionChannel();
      const probeAs = async (identity: Identity, label: string): Promise<{ attempt: SessionAttempt; probe?: WriteProbe }> =>
        ctx.step(`write probe as ${label}`, async () => {
          const open = await target.probe.openChannel(channel);
          try {
            const { attempt, session } = await open.attemptSession(identity);
            if (!session) return { attempt };
            try {
              return { attempt, probe: await probeWrites(session, ctx.throwIfAborted) };
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
      if (anonymous.probe && anonymous.probe.writable.length > 0) problems.push(`an anonymous session wrote ${describeSet(anonymous.probe.writable)}`);
      const beyondOperator = (x509.probe?.writable ?? []).filter((nodeId) => !operatorWritable.has(nodeId));
      if (beyondOperator.length > 0) problems.push(`the X509 identity wrote what the operator${operatorAccount ? '' : ' (none in the profile)'} may not: ${describeSet(beyondOperator)}`);
      const details = { anonymous, x509, operatorWritable: [...operatorWritable] };
      if (problems.length > 0) return fail(problems.join('; '), details);
      const anonymousText = anonymous.probe ? 'an anonymous session could write nothing' : `anonymous was refused (${formatStatus(anonymous.attempt.status)})`;
      const x509Text = x509.probe ? `the X509 identity could write ${describeSet(x509.probe.writable)}` : `the X509 identity was refused (${x509.attempt.status ? formatStatus(x509.attempt.status) : x509.attempt.note})`;
      return pass(`${anonymousText}; ${x509Text}; the operator may write ${describeSet([...operatorWritable])}`, details);
    } finally {
      target.attachTranscript();
    }
  },
});
