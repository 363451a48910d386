import { defineCheck, fail, pass } from '../../core/check.js';
import { estimateEntropy } from '../../adapters/http/entropy.js';
import { logout } from '../../adapters/http/login.js';
import { requiresWebAccount, sessionCookieOf, webTarget } from '../../adapters/http/target.js';

/** Session ids collected, one per login. */
const SAMPLE = 20;
/** The least entropy a session id must show: 64 bits, as OWASP's session management guidance asks. */
const MIN_ENTROPY_BITS = 64;

export default defineCheck({
  id: 'http.session.unpredictable-ids',
  requirement: 'CR 3.8',
  sl: [2, 3, 4],
  protocol: 'http',
  disruptive: false,
  title: 'Web session ids cannot be predicted',
  expectation: `Across ${SAMPLE} logins the session ids are all different, do not count up, and show at least ${MIN_ENTROPY_BITS} bits of entropy`,
  timeoutMs: 90_000,
  requires: requiresWebAccount('viewer', 'operator', 'admin'),
  async run(ctx) {
    const target = webTarget(ctx);
    try {
      const account = target.controlAccount();
      const ids: string[] = [];
      let cookieName = '';
      await ctx.step(`${SAMPLE} logins as "${account.username}"`, async () => {
        for (let i = 0; i < SAMPLE; i++) {
          ctx.throwIfAborted();
          const { session, result } = await target.loginAs(account);
          const cookie = sessionCookieOf(target, session, result);
          cookieName = cookie.name;
          ids.push(cookie.value);
          if (target.endpoint.logoutPath) await logout(session, target.endpoint.logoutPath);
        }
      });
      const estimate = estimateEntropy(ids);
      const details = { cookie: cookieName, minEntropyBits: MIN_ENTROPY_BITS, estimate };
      const shape = `${estimate.samples} ids of ${estimate.length} ${estimate.alphabet} characters (${estimate.bitsPerId} bits)`;
      const findings: string[] = [];
      if (estimate.duplicates > 0) findings.push(`${estimate.duplicates} id(s) repeated`);
      if (estimate.sequentialSteps) findings.push(`consecutive ids differ by ${estimate.sequentialSteps.slice(0, 5).join(', ')}${estimate.sequentialSteps.length > 5 ? ', …' : ''} (a counter or a clock)`);
      if (estimate.estimatedBits < MIN_ENTROPY_BITS) findings.push(`about ${estimate.estimatedBits} bits of entropy, below ${MIN_ENTROPY_BITS}`);
      if (findings.length > 0) return fail(`session cookie ${cookieName}: ${findings.join('; ')}; ${shape}`, details);
      return pass(`session cookie ${cookieName}: about ${estimate.estimatedBits} bits of entropy (≥ ${MIN_ENTROPY_BITS}), no repeats, no counting up; ${shape}`, details);
    } finally {
      target.attachTranscript();
    }
  },
});
