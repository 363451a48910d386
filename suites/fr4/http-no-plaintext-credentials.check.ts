import { defineCheck, fail, pass } from '../../core/check.js';
import { BasicAuthorizer } from '../../adapters/http/auth.js';
import { HttpConnectionError, HttpTimeoutError, isRedirect, type HttpResponse } from '../../adapters/http/client.js';
import { randomPassword, requiresWebAccount, unknownUserName, webTarget } from '../../adapters/http/target.js';

const toHttps = (answer: HttpResponse) => isRedirect(answer.status) && answer.location !== undefined && new URL(answer.location).protocol === 'https:';

export default defineCheck({
  id: 'http.transport.no-plaintext-credentials',
  requirement: 'CR 4.1',
  sl: [1, 2, 3, 4],
  protocol: 'http',
  disruptive: false,
  title: 'The web interface accepts no credentials and no session over plain HTTP',
  expectation:
    'Its plain-HTTP address neither processes a login (it redirects to https:// instead) nor serves the protected page to a valid session cookie; an interface that is plain HTTP only fails',
  timeoutMs: 60_000,
  requires: requiresWebAccount('viewer', 'operator', 'admin'),
  async run(ctx) {
    const target = webTarget(ctx);
    const { endpoint } = target;
    try {
      if (!target.secure) {
        return fail(`the interface is plain HTTP (${endpoint.url}): user names, passwords and session cookies all travel in clear text`, { url: endpoint.url });
      }
      // Positive control: a session over HTTPS that reaches the protected page.
      const { session, result } = await target.loginAs(target.controlAccount());
      const reference = await ctx.step(`protected page ${endpoint.protectedPath} over HTTPS`, () => target.reference(session, endpoint.protectedPath));
      const cookieNames = target.sessionCookieNames(result);
      const plainBase = target.plainUrl;
      const plain = target.session({ baseUrl: plainBase, jar: session.jar.clone() });
      const findings: string[] = [];
      const seen: Record<string, unknown> = {};
      try {
        // The session cookie sent to the plain port on purpose (a browser would not send a Secure one).
        const withCookie = await ctx.step(`protected page in plain HTTP with the HTTPS session cookie`, () => plain.get(new URL(endpoint.protectedPath, plainBase), { cookies: 'include-secure' }));
        const judged = target.sessionServed(withCookie, reference);
        seen.sessionOverHttp = { status: withCookie.status, served: judged.served, summary: judged.summary };
        if (judged.served) findings.push(`the session cookie ${cookieNames.join(', ') || ''} was honoured in plain HTTP (${judged.summary})`);
        // A login posted in plain HTTP, made of an unknown user and a random password, so no real secret travels. It may
        // fail, so it spends the run's budget; a documented threshold of 1 leaves none, and the cookie test stands alone.
        const login = endpoint.login;
        const username = unknownUserName();
        const attempt = ctx.logins.remaining(username) === 0 ? undefined : await ctx.step('a login sent in plain HTTP (unknown user, random password)', async () => {
          const password = randomPassword();
          let answer: HttpResponse;
          if (login.kind === 'form') answer = await plain.request({ path: new URL(login.path, plainBase), method: 'POST', cookies: false, form: { ...(login.extraFields ?? {}), [login.usernameField]: username, [login.passwordField]: password } });
          else if (login.kind === 'json') answer = await plain.request({ path: new URL(login.path, plainBase), method: 'POST', cookies: false, json: { ...(login.extraFields ?? {}), [login.usernameField]: username, [login.passwordField]: password } });
          else answer = await plain.request({ path: new URL(login.path ?? endpoint.protectedPath, plainBase), cookies: false, headers: new BasicAuthorizer(username, password).headers() });
          if (!toHttps(answer)) ctx.logins.failed(username);
          return answer;
        });
        seen.loginOverHttp = attempt ? { status: attempt.status, location: attempt.location } : `not sent: the lockout threshold ${ctx.logins.threshold} leaves no failed login to spend`;
        if (attempt && !toHttps(attempt)) findings.push(`a login posted in plain HTTP was processed (${attempt.status}${attempt.location ? ` to ${attempt.location}` : ''}, not a redirect to https://)`);
      } catch (error) {
        if (!(error instanceof HttpConnectionError || error instanceof HttpTimeoutError)) throw error;
        seen.plain = error.message;
        if (!(error instanceof HttpConnectionError && error.code === 'ECONNREFUSED')) throw error;
        return pass(`nothing answers plain HTTP on ${plainBase.host} (connection refused), so nothing can be sent there; the HTTPS session reached ${endpoint.protectedPath}`, seen);
      }
      if (findings.length > 0) return fail(`${findings.join('; ')} on ${plainBase.host}`, seen);
      const loginLine = typeof seen.loginOverHttp === 'string' ? `no login sent there (${seen.loginOverHttp})` : 'redirected the login to https://';
      return pass(`plain HTTP on ${plainBase.host} ${loginLine} and did not honour the HTTPS session cookie; over HTTPS the same session reached ${endpoint.protectedPath}`, seen);
    } finally {
      target.attachTranscript();
    }
  },
});
