import { defineCheck, fail, pass } from '../../core/check.js';
import type { OpcuaSession } from '../../adapters/opcua/client.js';
import { pause } from '../../adapters/opcua/deadline.js';
import { DIAGNOSTICS_NODES, type DiagnosticsCounter } from '../../adapters/opcua/nodes.js';
import { formatStatus, isGood } from '../../adapters/opcua/status.js';
import { opcuaTarget, randomPassword, unknownUserName, userIdentity } from '../../adapters/opcua/target.js';
import type { Identity } from '../../adapters/opcua/types.js';

/** Failed logins the harness makes, each one a rejected session the counters should show. */
const REJECTED_LOGINS = 3;
const SETTLE_MS = 2_000;

const COUNTERS = Object.keys(DIAGNOSTICS_NODES.counters) as DiagnosticsCounter[];
/** Counters that count rejected sessions; at least one must rise by the number of rejections. */
const REJECTION_COUNTERS: DiagnosticsCounter[] = ['SecurityRejectedSessionCount', 'RejectedSessionCount'];

type Reading = Record<DiagnosticsCounter, number | string>;

async function readCounters(session: OpcuaSession): Promise<{ enabled: unknown; counters: Reading }> {
  const results = await session.readValues([DIAGNOSTICS_NODES.enabledFlag, ...COUNTERS.map((name) => DIAGNOSTICS_NODES.counters[name])]);
  const [flag, ...values] = results;
  const counters = Object.fromEntries(COUNTERS.map((name, index) => [name, isGood(values[index]!.status) && typeof values[index]!.value === 'number' ? (values[index]!.value as number) : formatStatus(values[index]!.status)])) as Reading;
  return { enabled: isGood(flag!.status) ? flag!.value : formatStatus(flag!.status), counters };
}

export default defineCheck({
  id: 'opcua.monitoring.diagnostics-counters',
  requirement: 'CR 6.2',
  sl: [2, 3, 4],
  protocol: 'opcua',
  disruptive: false,
  title: 'OPC UA diagnostics counters show the harness\'s rejected logins',
  expectation: `Server diagnostics are enabled and readable, and after ${REJECTED_LOGINS} rejected logins SecurityRejectedSessionCount or RejectedSessionCount has risen by at least ${REJECTED_LOGINS}, so a monitoring system reading them sees the attempts`,
  timeoutMs: 60_000,
  async run(ctx) {
    const target = opcuaTarget(ctx);
    try {
      const channel = await target.sessionChannel();
      const account = target.account('admin', 'operator', 'viewer');
      const identity: Identity = account ? userIdentity(account) : { kind: 'anonymous' };
      return await target.withSession(identity, channel, async (session) => {
        const before = await ctx.step('read ServerDiagnostics.EnabledFlag and the ServerDiagnosticsSummary counters', () => readCounters(session));
        for (let attempt = 1; attempt <= REJECTED_LOGINS; attempt++) {
          const stranger = { kind: 'username' as const, username: unknownUserName(), password: randomPassword() };
          const login = await ctx.step(`rejected login ${attempt} of ${REJECTED_LOGINS} (unknown user, random password)`, () => target.probe.attemptSession(stranger, channel));
          target.recordLogin(stranger, login);
          if (login.accepted) throw new Error('the device accepted an unknown user name with a random password, so no rejected login could be counted');
        }
        let after = before;
        const rise = (name: DiagnosticsCounter) => (typeof before.counters[name] === 'number' && typeof after.counters[name] === 'number' ? (after.counters[name] as number) - (before.counters[name] as number) : undefined);
        const risen = () => REJECTION_COUNTERS.some((name) => (rise(name) ?? 0) >= REJECTED_LOGINS);
        const begin = Date.now();
        await ctx.step(`read the counters again (up to ${SETTLE_MS} ms for them to settle)`, async () => {
          do {
            after = await readCounters(session);
            if (risen()) break;
            await pause(200, ctx.signal);
          } while (Date.now() - begin < SETTLE_MS);
        });
        const table = COUNTERS.map((name) => ({ counter: name, nodeId: DIAGNOSTICS_NODES.counters[name], before: before.counters[name], after: after.counters[name], rise: rise(name) }));
        ctx.attach({ name: 'Diagnostics counters before and after', contentType: 'application/json', extension: 'json', content: JSON.stringify({ enabledFlag: { before: before.enabled, after: after.enabled }, rejectedLogins: REJECTED_LOGINS, counters: table }, null, 2) });
        const listing = REJECTION_COUNTERS.map((name) => `${name} ${before.counters[name]} → ${after.counters[name]}`).join(', ');
        const details = { enabledFlag: after.enabled, rejectedLogins: REJECTED_LOGINS, counters: table };
        const unreadable = REJECTION_COUNTERS.filter((name) => typeof after.counters[name] !== 'number');
        if (unreadable.length === REJECTION_COUNTERS.length) {
          return fail(`the rejected-session counters cannot be read (${listing}; EnabledFlag ${String(after.enabled)}), so the harness's ${REJECTED_LOGINS} rejected logins are invisible to monitoring`, details);
        }
        if (!risen()) return fail(`after ${REJECTED_LOGINS} rejected logins the counters did not rise by ${REJECTED_LOGINS} (${listing}; EnabledFlag ${String(after.enabled)})`, details);
        return pass(`after ${REJECTED_LOGINS} rejected logins: ${listing} (EnabledFlag ${String(after.enabled)})`, details);
      });
    } finally {
      target.attachTranscript();
    }
  },
});
