import { defineCheck, fail, pass } from '../../core/check.js';
import { observeIdleSession } from '../../adapters/ssh/login.js';
import { idleBound, knownAccounts, requiresKnownAccount, sshTarget } from '../../adapters/ssh/target.js';
import { readServerHello } from '../../adapters/ssh/wire.js';

/** The longest idle bound this check waits out; a longer one must be lowered on the device for the test. */
const MAX_WAIT_S = 16 * 60;

export default defineCheck({
  id: 'ssh.session.idle-timeout',
  requirement: 'CR 2.6',
  sl: [2, 3, 4],
  protocol: 'ssh',
  disruptive: false,
  title: 'SSH ends idle sessions',
  expectation: 'An interactive session left without any traffic is ended by the device within the documented idle timeout (endpoints.ssh.idleTimeoutS, default 900 s) plus a margin',
  timeoutMs: (MAX_WAIT_S + 60) * 1000,
  requires: requiresKnownAccount,
  async run(ctx) {
    const target = sshTarget(ctx);
    const bound = idleBound(target.endpoint);
    const marginS = Math.max(2, Math.ceil(bound.seconds * 0.1));
    const waitS = bound.seconds + marginS;
    if (waitS > MAX_WAIT_S) throw new Error(`the idle bound of ${bound.seconds} s (${bound.source}) is longer than this check waits (${MAX_WAIT_S} s)`);
    const account = knownAccounts(ctx)[0]!;
    ctx.log(`bound: ${bound.seconds} s (${bound.source}), waiting up to ${waitS} s`);
    const observed = await ctx.step(`log in as "${account.username}", open a shell and stay idle up to ${waitS} s`, () =>
      observeIdleSession({ ...target, username: account.username, password: account.password, maxIdleMs: waitS * 1000 }),
    );
    if (observed.attempt.outcome === 'accepted') ctx.logins.succeeded(account.username);
    else {
      if (observed.attempt.failedLogin) ctx.logins.failed(account.username);
      throw new Error(`no session to observe: the login as "${account.username}" was ${observed.attempt.outcome}`);
    }
    ctx.designedWait(observed.idleMs, `an SSH session left idle, bound ${bound.seconds} s`);
    const details = { boundS: bound.seconds, boundSource: bound.source, waitedS: waitS, ...observed, attempt: { outcome: observed.attempt.outcome } };
    if (!observed.ended) return fail(`the session was still open after ${(observed.idleMs / 1000).toFixed(1)} s idle, beyond the bound of ${bound.seconds} s (${bound.source}) plus ${marginS} s`, details);
    // A device that went away also ends the session; only one that still answers ended it on purpose.
    await ctx.step('the server still answers after the session ended', () => readServerHello(target));
    return pass(`the idle session was ended (${observed.how}) after ${(observed.idleMs / 1000).toFixed(1)} s; bound ${bound.seconds} s (${bound.source}) plus ${marginS} s margin`, details);
  },
});
