import { defineCheck, fail, pass } from '../../core/check.js';
import type { OpcuaSession } from '../../adapters/opcua/client.js';
import { boundUsed, DEFAULT_OPCUA_BOUNDS } from '../../adapters/opcua/endpoint.js';
import { formatStatus } from '../../adapters/opcua/status.js';
import { opcuaTarget } from '../../adapters/opcua/target.js';
import type { SessionAttempt } from '../../adapters/opcua/types.js';

export default defineCheck({
  id: 'opcua.session.concurrent-per-user-capped',
  requirement: 'CR 2.7',
  sl: [3, 4],
  protocol: 'opcua',
  disruptive: false,
  title: 'OPC UA caps concurrent sessions per user',
  expectation: `Opening sessions for one user, the device refuses one once the documented per-user cap is reached (endpoints.opcua.maxSessionsPerUser; default: before ${DEFAULT_OPCUA_BOUNDS.sessionsPerUser} are open at once)`,
  timeoutMs: 90_000,
  async run(ctx) {
    const target = opcuaTarget(ctx);
    const documented = ctx.profile.endpoints.opcua?.maxSessionsPerUser;
    // With a documented cap, one session beyond it must be refused; without, a refusal must come before the default.
    const limit = documented ?? DEFAULT_OPCUA_BOUNDS.sessionsPerUser - 1;
    const bound = boundUsed(documented !== undefined ? `cap ${documented} per user` : `a refusal before ${DEFAULT_OPCUA_BOUNDS.sessionsPerUser}`, documented !== undefined);
    const identity = target.leastPrivilegedIdentity();
    const channelOptions = await target.sessionChannel();
    const channel = await ctx.step(`secure channel ${channelOptions.securityMode}/${channelOptions.securityPolicy}`, () => target.probe.openChannel(channelOptions));
    const sessions: OpcuaSession[] = [];
    try {
      let refused: SessionAttempt | undefined;
      for (let n = 1; n <= limit + 1 && !refused; n++) {
        ctx.throwIfAborted();
        const { attempt, session } = await channel.attemptSession(identity);
        if (session) {
          sessions.push(session);
          target.recordLogin(identity, attempt);
        } else refused = attempt;
      }
      const who = identity.kind === 'username' ? `user "${identity.username}"` : identity.kind;
      const details = { identity: who, openBeforeRefusal: sessions.length, refused, tried: limit + 1, documented };
      if (!refused) return fail(`${sessions.length} concurrent sessions for ${who} were all accepted (${bound})`, details);
      if (sessions.length === 0) throw new Error(`the first session for ${who} was already refused (${refused.status ? formatStatus(refused.status) : refused.note}), so no cap can be measured`);
      return pass(`${sessions.length} concurrent sessions for ${who} were accepted and the next was refused with ${refused.status ? formatStatus(refused.status) : refused.note} (${bound})`, details);
    } finally {
      for (const session of sessions) await session.close();
      await channel.close();
      target.attachTranscript();
    }
  },
});
