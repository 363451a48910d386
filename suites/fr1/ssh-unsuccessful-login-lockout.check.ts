import { randomBytes } from 'node:crypto';
import { defineCheck, fail, pass } from '../../core/check.js';
import { pause } from '../../core/net/abort.js';
import { accountsFor } from '../../core/profile/load.js';
import type { Profile } from '../../core/profile/schema.js';
import { DEFAULT_LOCKOUT_THRESHOLD } from '../../adapters/ssh/endpoint.js';
import { sshLogin, sshTarget } from '../../adapters/ssh/target.js';

/** Consecutive failures sent when the profile documents no threshold. */
const UNDOCUMENTED_FAILURES = 10;
/** How long the check watches a locked account for its release when the profile gives no duration. */
const DEFAULT_RELEASE_WATCH_S = 60;
const MAX_RELEASE_WATCH_S = 120;

const lockoutAccount = (profile: Profile) => {
  const endpoint = profile.endpoints.ssh;
  const name = endpoint?.name ?? 'ssh';
  return profile.accounts.find((account) => account.role === 'lockout' && (account.interfaces === undefined || account.interfaces.includes(name)));
};

export default defineCheck({
  id: 'ssh.login-attempts.lockout',
  requirement: 'CR 1.11',
  sl: [1, 2, 3, 4],
  protocol: 'ssh',
  disruptive: true,
  title: 'SSH limits consecutive failed logins',
  expectation:
    'After the documented number of consecutive failed logins (default 3) the account is locked or slowed down, so that even its correct password is refused or delayed, and it is released again after the documented period',
  timeoutMs: 240_000,
  requires: (profile) => (profile.endpoints.ssh && !lockoutAccount(profile) ? 'the profile names no account with role "lockout" on the SSH interface: this check locks the account it uses, so it runs only on one set aside for that' : undefined),
  async run(ctx) {
    const target = sshTarget(ctx);
    const account = accountsFor(ctx.profile, ctx.interface.name).find((entry) => entry.role === 'lockout');
    if (!account) throw new Error(`no account with role "lockout" on interface ${ctx.interface.name}`);
    const documented = target.endpoint.lockout;
    const threshold = documented?.threshold ?? DEFAULT_LOCKOUT_THRESHOLD;
    const bound = documented ? `documented threshold ${threshold}, duration ${documented.durationS} s (endpoints.ssh.lockout)` : `no documented lockout: up to ${UNDOCUMENTED_FAILURES} failures sent (default threshold ${DEFAULT_LOCKOUT_THRESHOLD})`;

    const baseline = await sshLogin(ctx, target, account.username, account.password, 'baseline');
    if (baseline.outcome !== 'accepted') throw new Error(`the lockout account "${account.username}" cannot log in before the test (${baseline.outcome}); it may still be locked from an earlier run`);
    const slowMs = Math.max(1_000, (baseline.verdictMs ?? 0) * 5);

    const failures = documented ? threshold : UNDOCUMENTED_FAILURES;
    for (let index = 0; index < failures; index++) {
      ctx.throwIfAborted();
      const attempt = await sshLogin(ctx, target, account.username, `wrong-${randomBytes(6).toString('hex')}`, `wrong password ${index + 1} of ${failures}`);
      if (attempt.outcome === 'accepted') return fail(`a wrong password was accepted for "${account.username}"`, { attempt });
    }
    const after = await sshLogin(ctx, target, account.username, account.password, `correct password after ${failures} consecutive failures`);
    const details: Record<string, unknown> = { account: account.username, threshold, documented: documented ?? null, failures, baseline: baseline.verdictMs, after: { outcome: after.outcome, verdictMs: after.verdictMs }, slowMs };
    const locked = after.outcome === 'refused';
    const slowed = after.outcome === 'accepted' && (after.verdictMs ?? 0) > slowMs;
    if (!locked && !slowed) return fail(`the correct password was accepted at once (${after.verdictMs ?? '?'} ms) after ${failures} consecutive failed logins: no lockout or slowdown (${bound})`, details);

    // Watch for the release: it restores the account for the next run and shows the lock was the lockout, not a fault.
    const watchS = Math.min(MAX_RELEASE_WATCH_S, documented ? documented.durationS + Math.max(5, Math.ceil(documented.durationS / 2)) : DEFAULT_RELEASE_WATCH_S);
    const lockedAt = Date.now();
    let releasedAfterMs: number | undefined;
    if (locked) {
      if (documented) await pause(documented.durationS * 1000, ctx.signal);
      while (Date.now() - lockedAt < watchS * 1000) {
        const attempt = await sshLogin(ctx, target, account.username, account.password, 'is the account released?');
        if (attempt.outcome === 'accepted') {
          releasedAfterMs = Date.now() - lockedAt;
          break;
        }
        await pause(1_000, ctx.signal);
      }
      ctx.designedWait(Date.now() - lockedAt, 'watching the locked account until the lockout is released');
    }
    details.releasedAfterMs = releasedAfterMs ?? null;
    details.watchedS = watchS;
    const how = locked ? 'refused' : `delayed to ${after.verdictMs} ms (baseline ${baseline.verdictMs} ms)`;
    const period = !locked ? '' : releasedAfterMs === undefined ? `; still locked after ${watchS} s of watching` : `; released after about ${(releasedAfterMs / 1000).toFixed(1)} s`;
    return pass(`after ${failures} consecutive failed logins the correct password was ${how}${period} (${bound})`, details);
  },
});
