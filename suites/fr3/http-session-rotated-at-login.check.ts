import { randomBytes } from 'node:crypto';
import { defineCheck, fail, pass } from '../../core/check.js';
import { CookieJar } from '../../adapters/http/cookies.js';
import { requiresWebAccount, sessionCookieOf, webTarget } from '../../adapters/http/target.js';

export default defineCheck({
  id: 'http.session.rotated-at-login',
  requirement: 'CR 3.8',
  sl: [2, 3, 4],
  protocol: 'http',
  disruptive: false,
  title: 'The web interface issues a new session id at login',
  expectation: 'The session id in use before the login (issued by the device, or one the client chose) is not the session after it and reaches no protected page (no session fixation)',
  timeoutMs: 60_000,
  requires: requiresWebAccount('viewer', 'operator', 'admin'),
  async run(ctx) {
    const target = webTarget(ctx);
    const { endpoint } = target;
    try {
      const account = target.controlAccount();
      // A first login names the session cookie and gives the protected page to compare against.
      const first = await target.loginAs(account);
      const name = sessionCookieOf(target, first.session, first.result).name;
      const reference = await target.reference(first.session, endpoint.protectedPath);

      const browser = target.session();
      await ctx.step(`login page ${target.loginPagePath} before logging in`, () => browser.get(target.loginPagePath));
      let before = browser.jar.get(name)?.value;
      const origin = before ? 'issued by the device before the login' : 'chosen by the client';
      if (!before) {
        before = `fixed${randomBytes(16).toString('hex')}`;
        browser.jar.set(target.baseUrl, name, before);
      }
      const { result } = await target.loginAs(account, browser);
      const after = sessionCookieOf(target, browser, result).value;
      const oldJar = new CookieJar();
      oldJar.set(target.baseUrl, name, before);
      const replay = await ctx.step('protected page with the pre-login session id', () => target.session({ jar: oldJar }).get(endpoint.protectedPath));
      const judged = target.sessionServed(replay, reference);
      const details = { cookie: name, origin, rotated: after !== before, preLoginIdServed: judged.served, replay: judged.summary };
      if (after === before || judged.served) {
        const what = after === before ? `the login kept the session id ${origin}` : `the pre-login id (${origin}) still reaches ${endpoint.protectedPath}`;
        return fail(`session fixation: ${what} (cookie ${name}; with the old id: ${judged.summary})`, details);
      }
      return pass(`the login replaced the session id ${origin} (cookie ${name}); the old id does not reach ${endpoint.protectedPath} (${judged.summary})`, details);
    } finally {
      target.attachTranscript();
    }
  },
});
