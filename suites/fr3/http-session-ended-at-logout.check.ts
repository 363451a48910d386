import { defineCheck, fail, pass } from '../../core/check.js';
import { logout } from '../../adapters/http/login.js';
import { requiresOnWebInterfaces, requiresWebAccount, sessionCookieOf, webTarget } from '../../adapters/http/target.js';

export default defineCheck({
  id: 'http.session.ended-at-logout',
  requirement: 'CR 3.8',
  sl: [2, 3, 4],
  protocol: 'http',
  disruptive: false,
  title: 'A web session id is invalid after logout',
  expectation: 'After logout the old session id, sent again, no longer reaches the protected page: the device ended the session, not only the browser',
  timeoutMs: 60_000,
  requires: (profile) => requiresWebAccount('viewer', 'operator', 'admin')(profile) ?? requiresOnWebInterfaces('logoutPath', 'the URL that ends a session')(profile),
  async run(ctx) {
    const target = webTarget(ctx);
    const { endpoint } = target;
    if (!endpoint.logoutPath) throw new Error(`${target.name} declares no logoutPath; cannot end a session to test it`);
    try {
      const { session, result } = await target.loginAs(target.controlAccount());
      const cookie = sessionCookieOf(target, session, result);
      const reference = await ctx.step(`protected page ${endpoint.protectedPath} while logged in`, () => target.reference(session, endpoint.protectedPath));
      const kept = session.jar.clone();
      const out = await ctx.step(`log out at ${endpoint.logoutPath}`, () => logout(session, endpoint.logoutPath!));
      const replay = await ctx.step('protected page with the old session id', () => target.session({ jar: kept }).get(endpoint.protectedPath));
      const judged = target.sessionServed(replay, reference);
      const details = { cookie: cookie.name, logout: out.status, replay: judged.summary };
      if (judged.served) return fail(`after logout (${out.status}) the old session id still reaches ${endpoint.protectedPath} (${judged.summary}): the device did not end the session`, details);
      return pass(`after logout (${out.status}) the old session id no longer reaches ${endpoint.protectedPath} (${judged.summary})`, details);
    } finally {
      target.attachTranscript();
    }
  },
});
