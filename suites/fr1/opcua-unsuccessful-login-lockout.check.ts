import { defineCheck, fail, pass } from '../../core/check.js';
import { pause } from '../../adapters/opcua/deadline.js';
import { boundUsed, DEFAULT_OPCUA_BOUNDS } from '../../adapters/opcua/endpoint.js';
import { formatStatus } from '../../adapters/opcua/status.js';
import { opcuaTarget, randomPassword, requiresAccounts, userIdentity } from '../../adapters/opcua/target.js';
import type { SessionAttempt } from '../../adapters/opcua/types.js';

/** The longest this check watches a locked account for its release, whatever the documented duration. */
const MAX_RELEASE_WATCH_MS = 100_000;
const POLL_MS = 250;

export default defineCheck({
  id: 'opcua.login-attempts.lockout',
  requirement: 'CR 1.11',
  sl: [1, 2, 3, 4],
  protocol: 'opcua',
  disruptive: true,
  title: 'OPC UA limits consecutive failed logins',
  expectation: `After the documented number of consecutive failed logins (endpoints.opcua.lockout.threshold; default: at most ${DEFAULT_OPCUA_BOUNDS.lockoutSearch}) the account is locked or slowed down for a period, so that even the correct password is refused or delayed`,
  timeoutMs: 150_000,
  requires: requiresAccounts('lockout'),
  async run(ctx) {
    const target = opcuaTarget(ctx);
    const account = target.account('lockout')!;
    const documented = ctx.profile.endpoints.opcua?.lockout;
    const maxFailures = documented?.threshold ?? DEFAULT_OPCUA_BOUNDS.lockoutSearch;
    const thresholdBound = boundUsed(documented ? `threshold ${documented.threshold}` : `a lockout within ${maxFailures} failures`, documented !== undefined);
    const watchMs = Math.min(MAX_RELEASE_WATCH_MS, documented?.durationS !== undefined ? documented.durationS * 1500 + 2_000 : DEFAULT_OPCUA_BOUNDS.lockoutWatchS * 1000);
    const channelOptions = await target.sessionChannel();
    const channel = await ctx.step(`secure channel ${channelOptions.securityMode}/${channelOptions.securityPolicy}`, () => target.probe.openChannel(channelOptions));
    const correct = async (): Promise<SessionAttempt> => {
      const { attempt, session } = await channel.attemptSession(userIdentity(account));
      await session?.close();
      if (attempt.accepted) ctx.logins.succeeded(account.username);
      return attempt;
    };
    try {
      const baseline = await ctx.step(`baseline login as "${account.username}"`, correct);
      if (!baseline.accepted) throw new Error(`the lockout account "${account.username}" cannot log in before the test (${formatStatus(baseline.status)}); it may still be locked from an earlier run`);
      const slowdownMs = documented?.slowdownMs !== undefined ? baseline.durationMs + documented.slowdownMs / 2 : Math.max(DEFAULT_OPCUA_BOUNDS.slowdownMinMs, baseline.durationMs * DEFAULT_OPCUA_BOUNDS.slowdownFactor);
      const slowdownBound = boundUsed(
        documented?.slowdownMs !== undefined ? `slowed down = over half the documented ${documented.slowdownMs} ms delay` : `slowed down = over ${Math.round(slowdownMs)} ms (${DEFAULT_OPCUA_BOUNDS.slowdownFactor}× the baseline, at least ${DEFAULT_OPCUA_BOUNDS.slowdownMinMs} ms)`,
        documented?.slowdownMs !== undefined,
      );
      const failRound = async (n: number) => {
        for (let i = 0; i < n; i++) {
          ctx.throwIfAborted();
          const { attempt, session } = await channel.attemptSession({ kind: 'username', username: account.username, password: randomPassword() });
          await session?.close();
          if (attempt.accepted) return attempt;
          ctx.logins.failed(account.username);
        }
        return undefined;
      };
      // With a documented threshold, that many failures in a row must lock; without, round n sends n failures in a
      // row before a correct login (most devices reset the count on success), up to the default search bound.
      const rounds = documented ? [documented.threshold] : Array.from({ length: maxFailures }, (_, index) => index + 1);
      let threshold: number | undefined;
      let lockedAttempt: SessionAttempt | undefined;
      let failures = 0;
      for (const round of rounds) {
        const accepted = await failRound(round);
        if (accepted) return fail(`a wrong password was accepted for "${account.username}"`, { attempt: accepted });
        failures += round;
        const after = await ctx.step(`correct login after ${round} consecutive failures`, correct);
        if (!after.accepted || after.durationMs > slowdownMs) {
          threshold = round;
          lockedAttempt = after;
          break;
        }
      }
      if (threshold === undefined || !lockedAttempt) {
        return fail(`the correct password was accepted at once after ${documented ? documented.threshold : `up to ${maxFailures}`} consecutive failed logins (${failures} failures in all): no lockout or slowdown (${thresholdBound}; ${slowdownBound})`, { failures, maxFailures, documented });
      }
      const lockedAt = Date.now();
      let releasedAfterMs: number | undefined;
      while (Date.now() - lockedAt < watchMs) {
        await pause(POLL_MS, ctx.signal);
        const attempt = await correct();
        if (attempt.accepted && attempt.durationMs <= slowdownMs) {
          releasedAfterMs = Date.now() - lockedAt;
          break;
        }
      }
      ctx.designedWait(Date.now() - lockedAt, 'watching the locked account until the lockout is released');
      const how = lockedAttempt.accepted ? `delayed to ${lockedAttempt.durationMs} ms` : `refused with ${formatStatus(lockedAttempt.status)}`;
      const durationNote = documented?.durationS !== undefined ? `, documented ${documented.durationS} s` : '';
      const period = releasedAfterMs === undefined ? `still locked after watching ${(watchMs / 1000).toFixed(0)} s${durationNote}` : `released after about ${(releasedAfterMs / 1000).toFixed(1)} s${durationNote}`;
      const details = { account: account.username, threshold, failures, lockedAttempt, releasedAfterMs, watchedMs: watchMs, documented };
      return pass(`after ${threshold} consecutive failed logins the correct password was ${how}; ${period} (${thresholdBound}; ${slowdownBound})`, details);
    } finally {
      await channel.close();
      target.attachTranscript();
    }
  },
});
