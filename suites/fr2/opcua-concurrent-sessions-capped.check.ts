import { defineCheck, fail, pass } from '../../core/check.js';
import type { OpcuaSession } from '../../adapters/opcua/client.js';
import { formatStatus } from '../../adapters/opcua/status.js';
import { opcuaTarget } from '../../adapters/opcua/target.js';
import type { SessionAttempt } from '../../adapters/opcua/types.js';

/** Sessions opened for one user before concluding there is no cap. */
const MAX_SESSIONS = 12;

export default defineCheck({
  id: 'opcua.session.concurrent-per-user-capped',
  requirement: 'CR 2.7',
  sl: [3, 4],
  protocol: 'opcua',
  disruptive: false,
  title: 'OPC UA caps concurrent sessions per user',
  expectation: `Opening sessions for one user, the device refuses one before ${MAX_SESSIONS} are open at once`,
  timeoutMs: 90_000,
  async run(ctx) {
    const target = opcuaTarget(ctx);
    const identity = target.leastPrivilegedIdentity();
    const channelOptions = await target.sessionChannel();
    const channel = await ctx.step(`secure channel ${channelOptions.securityMode}/${channelOptions.securityPolicy}`, () => target.probe.openChannel(channelOptions));
    const sessions: OpcuaSession[] = [];
    try {
      let refused: SessionAttempt | undefined;
      for (let n = 1; n <= MAX_SESSIONS && !refused; n++) {
        ctx.throwIfAborted();
        const { attempt, session } = await channel.attemptSession(identity);
        if (session) sessions.push(session);
        else refused = attempt;
      }
      const who = identity.kind === 'username' ? `user "${identity.username}"` : identity.kind;
      const details = { identity: who, openBeforeRefusal: sessions.length, refused, tried: MAX_SESSIONS };
      if (!refused) return fail(`${MAX_SESSIONS} concurrent sessions for ${who} were all accepted`, details);
      if (sessions.length === 0) throw new Error(`the first session for ${who} was already refused (${formatStatus(refused.status)}), so no cap can be measured`);
      return pass(`${sessions.length} concurrent sessions for ${who} were accepted and the next was refused with ${refused.status ? formatStatus(refused.status) : refused.note}`, details);
    } finally {
      for (const session of sessions) await session.close();
      await channel.close();
      target.attachTranscript();
    }
  },
});
