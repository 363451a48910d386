import { setTimeout as sleep } from 'node:timers/promises';
import { defineCheck, fail, pass } from '../../core/check.js';
import { requiresWebAccount, webTarget } from '../../adapters/http/target.js';

/** The idle bound when the profile documents none (endpoints.http[].idleTimeoutS). */
const DEFAULT_IDLE_TIMEOUT_S = 900;
/** Beyond the bound, how long the check waits before trying the idle session again. */
const marginS = (boundS: number) => Math.max(2, Math.ceil(boundS * 0.1));
/** The longest wait this check's timeout leaves room for. */
const MAX_WAIT_S = 1_050;

export default defineCheck({
  id: 'http.session.idle-timeout',
  requirement: 'CR 2.6',
  sl: [2, 3, 4],
  protocol: 'http',
  disruptive: false,
  title: 'The web interface ends idle sessions',
  expectation: `A session left idle for longer than the documented idle timeout (endpoints.http[].idleTimeoutS; default ${DEFAULT_IDLE_TIMEOUT_S} s) no longer reaches the protected page`,
  timeoutMs: (MAX_WAIT_S + 60) * 1000,
  requires: requiresWebAccount('viewer', 'operator', 'admin'),
  async run(ctx) {
    const target = webTarget(ctx);
    const { endpoint } = target;
    if (endpoint.login.kind === 'basic' || endpoint.login.kind === 'digest') throw new Error(`${target.name} uses HTTP ${endpoint.login.kind} authentication: the browser resends the credentials with every request, so there is no session to time out`);
    const boundS = endpoint.idleTimeoutS ?? DEFAULT_IDLE_TIMEOUT_S;
    const source = endpoint.idleTimeoutS === undefined ? 'default' : 'profile';
    const waitS = boundS + marginS(boundS);
    if (waitS > MAX_WAIT_S) throw new Error(`the idle timeout ${boundS} s (${source}) needs a wait of ${waitS} s, longer than this check allows (${MAX_WAIT_S} s): configure a shorter idle timeout for the test`);
    try {
      const { session } = await target.loginAs(target.controlAccount());
      const reference = await ctx.step(`protected page ${endpoint.protectedPath} right after login`, () => target.reference(session, endpoint.protectedPath));
      ctx.log(`idle for ${waitS} s: the bound ${boundS} s (${source}) plus ${marginS(boundS)} s`);
      const idleFrom = Date.now();
      await sleep(waitS * 1000, undefined, { signal: ctx.signal });
      ctx.designedWait(Date.now() - idleFrom, `session left idle past the ${boundS} s bound`);
      const after = await ctx.step(`protected page ${endpoint.protectedPath} after ${waitS} s idle`, () => session.get(endpoint.protectedPath));
      const judged = target.sessionServed(after, reference);
      // A device that stopped answering has also "ended" the session; only one that still serves a fresh login ended it on purpose.
      await target.loginAs(target.controlAccount());
      const details = { boundS, source, waitS, after: { status: after.status, summary: judged.summary } };
      if (judged.served) return fail(`the session still reached ${endpoint.protectedPath} after ${waitS} s idle (${judged.summary}); bound ${boundS} s (${source})`, details);
      return pass(`after ${waitS} s idle the session was ended (${judged.summary}) and a fresh login worked; bound ${boundS} s (${source})`, details);
    } finally {
      target.attachTranscript();
    }
  },
});
