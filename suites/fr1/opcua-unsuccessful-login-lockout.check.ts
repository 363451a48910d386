import { defineCheck, fail, pass } from '../../core/check.js';
import { pause } from '../../adapters/opcua/deadline.js';
import { formatStatus } from '../../adapters/opcua/status.js';
import { opcuaTarget, randomPassword, requiresAccounts, userIdentity } from '../../adapters/opcua/target.js';
import type { SessionAttempt } from '../../adapters/opcua/types.js';

/** Consecutive failures tried before concluding the device does not lock out. */
const MAX_FAILURES = 10;
/** How long the check watches a locked account for its release. */
const RELEASE_WATCH_MS = 60_000;
const POLL_MS = 250;

export default defineCheck({
  id: 'opcua.login-attempts.lockout',
  requirement: 'CR 1.11',
  sl: [1, 2, 3, 4],
  protocol: 'opcua',
  disruptive: true,
  title: 'OPC UA limits consecutive failed logins',
  expectation: 'After a number of consecutive failed logins the account is locked or slowed down for a period, so that even the correct password is refused or delayed',
  timeoutMs: 150_000,
  requires: requiresAccounts('lockout'),
  async run(ctx) {
    const target = opcuaTarget(ctx);
    const account = target.account('lockout')!;
    const channelOptions = await target.sessionChannel();
    const channel = await ctx.step(`secure channel ${channelOptions.securityMode}/${channelOptions.securityPolicy}`, () => target.probe.openChannel(channelOptions));
    const correct = async (): Promise<SessionAttempt> => {
      const { attempt, session } = await channel.attemptSession(userIdentity(account));
      await session?.close();
      return attempt;
    };
    try {
      const baseline = await ctx.step(`baseline login as "${account.username}"`, correct);
      if (!baseline.accepted) throw new Error(`the lockout account "${account.username}" cannot log in before the test (${formatStatus(baseline.status)}); it may still be locked from an earlier run`);
      // A correct login right after the failures shows whether the account is locked; most devices reset the count
      // on success, so round n sends n failures in a row before that login.
      const slowdownMs = Math.max(1_000, baseline.durationMs * 5);
      let threshold: number | undefined;
      let lockedAttempt: SessionAttempt | undefined;
      let failures = 0;
      for (let round = 1; round <= MAX_FAILURES && threshold === undefined; round++) {
        for (let i = 0; i < round; i++) {
          ctx.throwIfAborted();
          const { attempt, session } = await channel.attemptSession({ kind: 'username', username: account.username, password: randomPassword() });
          await session?.close();
          if (attempt.accepted) return fail(`a wrong password was accepted for "${account.username}"`, { attempt });
          failures += 1;
        }
        const after = await ctx.step(`correct login after ${round} consecutive failures`, correct);
        if (!after.accepted || after.durationMs > slowdownMs) {
          threshold = round;
          lockedAttempt = after;
        }
      }
      if (threshold === undefined || !lockedAttempt) {
        return fail(`the correct password was accepted at once after up to ${MAX_FAILURES} consecutive failed logins (${failures} failures in all): no lockout or slowdown`, { failures, maxConsecutive: MAX_FAILURES });
      }
      const lockedAt = Date.now();
      let releasedAfterMs: number | undefined;
      while (Date.now() - lockedAt < RELEASE_WATCH_MS) {
        await pause(POLL_MS, ctx.signal);
        const attempt = await correct();
        if (attempt.accepted && attempt.durationMs <= slowdownMs) {
          releasedAfterMs = Date.now() - lockedAt;
          break;
        }
      }
      ctx.designedWait(Date.now() - lockedAt, 'watching the locked account until the lockout is released');
      const how = lockedAttempt.accepted ? `delayed to ${lockedAttempt.durationMs} ms` : `refused with ${formatStatus(lockedAttempt.status)}`;
      const period = releasedAfterMs === undefined ? `still locked after ${RELEASE_WATCH_MS / 1000} s` : `released after about ${(releasedAfterMs / 1000).toFixed(1)} s`;
      const details = { account: account.username, threshold, failures, lockedAttempt, releasedAfterMs, watchedMs: RELEASE_WATCH_MS };
      return pass(`after ${threshold} consecutive failed logins the correct password was ${how}; ${period}`, details);
    } finally {
      await channel.close();
      target.attachTranscript();
    }
  },
});
