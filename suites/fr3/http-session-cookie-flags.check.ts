import { defineCheck, fail, pass } from '../../core/check.js';
import { describeCookieAttributes } from '../../adapters/http/cookies.js';
import { requiresWebAccount, sessionCookieOf, webTarget } from '../../adapters/http/target.js';

export default defineCheck({
  id: 'http.session.cookie-flags',
  requirement: 'CR 3.8',
  sl: [2, 3, 4],
  protocol: 'http',
  disruptive: false,
  title: 'The web session cookie is protected by its attributes',
  expectation: 'The session cookie carries HttpOnly (no script reads it), Secure (never sent in clear) and SameSite=Strict or Lax (not sent by other sites)',
  timeoutMs: 30_000,
  requires: requiresWebAccount('viewer', 'operator', 'admin'),
  async run(ctx) {
    const target = webTarget(ctx);
    try {
      const { session, result } = await target.loginAs(target.controlAccount());
      const { name } = sessionCookieOf(target, session, result);
      const cookie = session.jar.get(name)!;
      const attributes = describeCookieAttributes(cookie);
      const missing: string[] = [];
      if (!cookie.httpOnly) missing.push('HttpOnly');
      // On a plain-HTTP interface a Secure cookie could never come back; that the interface is plain HTTP is CR 4.1's finding.
      if (!cookie.secure && target.secure) missing.push('Secure');
      if (cookie.sameSite !== 'Strict' && cookie.sameSite !== 'Lax') missing.push(cookie.sameSite === 'None' ? 'SameSite (None gives no protection)' : 'SameSite');
      const note = !target.secure ? '; Secure not judged: the interface is plain HTTP (see CR 4.1)' : '';
      const details = { cookie: name, raw: cookie.raw.replace(cookie.value, '…'), httpOnly: cookie.httpOnly, secure: cookie.secure, sameSite: cookie.sameSite ?? null };
      if (missing.length > 0) return fail(`session cookie ${name} lacks ${missing.join(', ')} (attributes: ${attributes})${note}`, details);
      return pass(`session cookie ${name}: ${attributes}${note}`, details);
    } finally {
      target.attachTranscript();
    }
  },
});
