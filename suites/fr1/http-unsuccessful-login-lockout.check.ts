import { setTimeout as sleep } from 'node:timers/promises';
import { defineCheck, fail, pass } from '../../core/check.js';
import type { LoginResult } from '../../adapters/http/login.js';
import { randomPassword, requiresWebAccount, webTarget } from '../../adapters/http/target.js';
import type { Account } from '../../core/profile/schema.js';

/** Consecutive failures tried when the profile documents no threshold. */
const MAX_FAILURES = 10;
/** How long a lock is watched for its release when the profile documents no duration. */
const DEFAULT_RELEASE_WATCH_S = 60;
/** A correct login this much slower than before the failures (and at least SLOWDOWN_MIN_MS) counts as slowed down. */
const SLOWDOWN_FACTOR = 5;
const SLOWDOWN_MIN_MS = 1_000;

export default defineCheck({
  id: 'http.login-attempts.lockout',
  requirement: 'CR 1.11',
  sl: [1, 2, 3, 4],
  protocol: 'http',
  disruptive: true,
  title: 'The web interface limits consecutive failed logins',
  expectation: `After the documented number of consecutive failed logins (endpoints.http[].lockout.threshold; else up to ${MAX_FAILURES}) the account is locked or slowed down, so that even the correct password is refused or ${SLOWDOWN_FACTOR}× slower, and the lock ends as documented`,
  timeoutMs: 240_000,
  requires: requiresWebAccount('lockout'),
  async run(ctx) {
    const target = webTarget(ctx);
    const account = target.account('lockout');
    // Only the account set aside for this test is ever locked; any other role is refused outright.
    if (!account || account.role !== 'lockout') throw new Error(`no account with role "lockout" for ${target.name}: this check locks only an account set aside for it`);
    const documented = target.endpoint.lockout;
    const correct = (): Promise<LoginResult> => target.login(target.session(), account);
    const wrong = async (who: Account) => {
      const result = await target.login(target.session(), { username: who.username, password: randomPassword() });
      if (result.accepted) throw new Error(`a wrong password was accepted for "${who.username}"`);
      return result;
    };
    try {
      const baseline = await ctx.step(`baseline login as "${account.username}"`, correct);
      if (!baseline.accepted) throw new Error(`the lockout account "${account.username}" cannot log in before the test (${baseline.reason}); it may still be locked from an earlier run`);
      const slowMs = Math.max(SLOWDOWN_MIN_MS, baseline.decisionMs * SLOWDOWN_FACTOR);
      const blocked = (result: LoginResult) => !result.accepted || result.decisionMs > slowMs;
      const rounds = documented ? [documented.threshold] : Array.from({ length: MAX_FAILURES }, (_, i) => i + 1);
      let threshold: number | undefined;
      let lockedWith: LoginResult | undefined;
      let failures = 0;
      // Round n: n failures in a row, then the correct password. Devices reset the count on success, so rounds do not add up.
      for (const round of rounds) {
        for (let i = 0; i < round; i++) {
          ctx.throwIfAborted();
          await wrong(account);
          failures += 1;
        }
        const after = await ctx.step(`correct password after ${round} consecutive failures`, correct);
        if (blocked(after)) {
          threshold = round;
          lockedWith = after;
          break;
        }
      }
      const bounds = `bounds: threshold ${documented ? `${documented.threshold} (profile)` : `up to ${MAX_FAILURES} (default)`}, slowdown above ${slowMs.toFixed(0)} ms`;
      if (threshold === undefined || !lockedWith) {
        const said = documented ? `the documented ${documented.threshold}` : `up to ${MAX_FAILURES}`;
        return fail(`the correct password was accepted at once after ${said} consecutive failed logins (${failures} in all): no lockout or slowdown; ${bounds}`, { failures, documented });
      }
      const how = lockedWith.accepted ? `delayed to ${lockedWith.decisionMs.toFixed(0)} ms` : `refused (${lockedWith.reason})`;
      const lockedAt = Date.now();
      if (documented?.durationS === 0) {
        return pass(`after ${threshold} consecutive failed logins the correct password was ${how}; the lock lasts until an admin releases it (documented), so it was not watched; ${bounds}`, { failures, threshold, documented });
      }
      // Polling a locked account may prolong the lock on some devices: wait the documented time first, then poll sparsely.
      const watchS = documented ? Math.ceil(documented.durationS * 1.5) + 5 : DEFAULT_RELEASE_WATCH_S;
      let releasedAfterS: number | undefined;
      let waitMs = documented ? documented.durationS * 1000 : 1_000;
      while (Date.now() - lockedAt + waitMs <= watchS * 1000) {
        await sleep(waitMs, undefined, { signal: ctx.signal });
        const attempt = await correct();
        if (!blocked(attempt)) {
          releasedAfterS = (Date.now() - lockedAt) / 1000;
          break;
        }
        waitMs = Math.min(waitMs * 2 || 1_000, 8_000);
      }
      ctx.designedWait(Date.now() - lockedAt, 'watching the locked account until the lockout is released');
      const period = releasedAfterS === undefined ? `still locked after ${watchS} s (watched ${documented ? 'the documented duration and a margin' : 'by default'})` : `released after about ${releasedAfterS.toFixed(1)} s${documented ? ` (documented ${documented.durationS} s)` : ''}`;
      return pass(`after ${threshold} consecutive failed logins the correct password was ${how}; ${period}; ${bounds}`, { failures, threshold, releasedAfterS, watchS, documented });
    } finally {
      target.attachTranscript();
    }
  },
});
