import { defineCheck, fail, pass } from '../../core/check.js';
import { formatStatus, isGood } from '../../adapters/opcua/status.js';
import { opcuaTarget } from '../../adapters/opcua/target.js';
import { boundUsed, DEFAULT_OPCUA_BOUNDS } from '../../adapters/opcua/endpoint.js';

/** What the harness asks for: a day. */
const REQUESTED_MS = 24 * 60 * 60 * 1000;
/** How long this check can wait for the idle session to be closed. */
const WAIT_BUDGET_MS = 100_000;
const SESSION_GONE = ['BadSessionIdInvalid', 'BadSessionClosed', 'BadSessionNotActivated'];
const READ_NODE = 'i=2258'; // Server_ServerStatus_CurrentTime, present on every server

export default defineCheck({
  id: 'opcua.session.idle-timeout',
  requirement: 'CR 2.6',
  sl: [2, 3, 4],
  protocol: 'opcua',
  disruptive: false,
  title: 'OPC UA closes idle sessions',
  expectation: `A requested session timeout of one day is revised to at most the idle bound the vendor documents (endpoints.opcua.idleTimeoutS, default ${DEFAULT_OPCUA_BOUNDS.idleTimeoutS / 60} minutes), and a session left idle for that long is closed by the device`,
  timeoutMs: 150_000,
  async run(ctx) {
    const target = opcuaTarget(ctx);
    const documented = ctx.profile.endpoints.opcua?.idleTimeoutS;
    const maxAcceptedMs = (documented ?? DEFAULT_OPCUA_BOUNDS.idleTimeoutS) * 1000;
    const bound = boundUsed(`idle bound ${formatDuration(maxAcceptedMs)}`, documented !== undefined);
    const channelOptions = await target.sessionChannel({ requestedSessionTimeoutMs: REQUESTED_MS });
    const channel = await ctx.step(`secure channel ${channelOptions.securityMode}/${channelOptions.securityPolicy}`, () => target.probe.openChannel(channelOptions));
    try {
      const identity = target.leastPrivilegedIdentity();
      const { attempt, session } = await ctx.step(`session requesting a ${REQUESTED_MS} ms timeout`, () => channel.attemptSession(identity, REQUESTED_MS));
      target.recordLogin(identity, attempt);
      if (!session) throw new Error(`no session to test: ${attempt.status ? formatStatus(attempt.status) : attempt.note}`);
      const revised = attempt.revisedSessionTimeoutMs ?? REQUESTED_MS;
      const details: Record<string, unknown> = { requestedMs: REQUESTED_MS, revisedMs: revised, maxAcceptedMs, documented: documented !== undefined };
      if (revised >= REQUESTED_MS || revised > maxAcceptedMs) {
        await session.close();
        return fail(`the device revised the requested ${REQUESTED_MS} ms session timeout to ${revised} ms (${formatDuration(revised)}), above the bound (${bound})`, details);
      }
      const waitMs = revised + Math.max(2_000, revised * 0.25);
      if (waitMs > WAIT_BUDGET_MS) {
        await session.close();
        throw new Error(`the session timeout was revised to ${revised} ms, longer than this check waits (${WAIT_BUDGET_MS} ms): lower the device's maximum session timeout for the test and run again`);
      }
      const alive = await session.read(READ_NODE);
      if (!isGood(alive.status)) throw new Error(`the fresh session cannot read ${READ_NODE} (${formatStatus(alive.status)})`);
      ctx.log(`idle for ${waitMs} ms (revised timeout ${revised} ms plus margin); the channel stays busy with GetEndpoints`);
      await channel.idleSessionsFor(waitMs, ctx.signal);
      ctx.designedWait(waitMs, `session left idle past its revised timeout of ${revised} ms`);
      const after = await ctx.step('read after the idle period', () => session.read(READ_NODE));
      await session.close();
      details.afterIdle = after.status;
      if (isGood(after.status)) return fail(`the session was still usable after ${waitMs} ms idle, beyond its revised timeout of ${revised} ms (${bound})`, details);
      if (!SESSION_GONE.includes(after.status.name)) throw new Error(`after the idle period the read failed with ${formatStatus(after.status)}, which does not say the session was closed`);
      // A device that went away also "closes" the session; only a device that still answers has closed it on purpose.
      if (!(await target.probe.isAlive())) throw new Error('the device stopped answering during the idle period');
      return pass(`the requested one-day timeout was revised to ${revised} ms and the idle session was closed (${formatStatus(after.status)} after ${waitMs} ms; ${bound})`, details);
    } finally {
      await channel.close();
      target.attachTranscript();
    }
  },
});

function formatDuration(ms: number): string {
  return ms >= 120_000 ? `${+(ms / 60_000).toFixed(1)} min` : `${+(ms / 1000).toFixed(1)} s`;
}
