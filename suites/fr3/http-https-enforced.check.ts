import { defineCheck, fail, pass } from '../../core/check.js';
import { HttpConnectionError, HttpTimeoutError, isRedirect, type HttpResponse } from '../../adapters/http/client.js';
import { webTarget } from '../../adapters/http/target.js';

/** The shortest HSTS max-age accepted: half a year, the figure browsers' preload lists and TLS scanners ask for. */
const MIN_HSTS_MAX_AGE_S = 180 * 86_400;

function hstsMaxAge(response: HttpResponse): number | undefined {
  const header = response.headers['strict-transport-security'];
  const match = header ? /max-age\s*=\s*"?(\d+)"?/i.exec(header) : null;
  return match ? Number(match[1]) : undefined;
}

export default defineCheck({
  id: 'http.transport.https-enforced',
  requirement: 'CR 3.1',
  sl: [1, 2, 3, 4],
  protocol: 'http',
  disruptive: false,
  title: 'The web interface is served over HTTPS only',
  expectation: `The interface is HTTPS, sends Strict-Transport-Security with max-age of at least ${MIN_HSTS_MAX_AGE_S / 86_400} days, and its plain-HTTP address serves nothing but redirects to https://`,
  timeoutMs: 60_000,
  async run(ctx) {
    const target = webTarget(ctx);
    const { endpoint } = target;
    try {
      if (!target.secure) {
        const page = await ctx.step(`login page over ${endpoint.url}`, () => target.session().get(target.loginPagePath));
        return fail(`the interface is plain HTTP (${endpoint.url} answered ${page.status} without TLS): nothing protects what travels on it`, { url: endpoint.url, status: page.status });
      }
      // Positive control: the HTTPS interface answers, so what the plain port does is judged beside a working interface.
      const https = target.session();
      const pages = [target.loginPagePath, endpoint.protectedPath];
      const answers = [];
      for (const path of pages) answers.push(await ctx.step(`GET ${path} over HTTPS`, () => https.get(path)));
      const findings: string[] = [];
      const ages = answers.map(hstsMaxAge);
      const weakest = ages.some((age) => age === undefined) ? undefined : Math.min(...(ages as number[]));
      if (weakest === undefined) findings.push(`no Strict-Transport-Security header on ${pages.filter((_, index) => ages[index] === undefined).join(', ')}`);
      else if (weakest < MIN_HSTS_MAX_AGE_S) findings.push(`Strict-Transport-Security max-age=${weakest} (${(weakest / 86_400).toFixed(1)} days), below ${MIN_HSTS_MAX_AGE_S / 86_400} days`);

      const plainBase = target.plainUrl;
      const plainSeen: Array<{ path: string; status?: number; location?: string; note?: string }> = [];
      const plain = target.session({ baseUrl: plainBase });
      for (const path of ['/', ...pages]) {
        const url = new URL(path, plainBase);
        try {
          const answer = await ctx.step(`GET ${url.href} in plain HTTP`, () => plain.get(url, { cookies: false }));
          plainSeen.push({ path, status: answer.status, ...(answer.location ? { location: answer.location } : {}) });
          const toHttps = isRedirect(answer.status) && answer.location !== undefined && new URL(answer.location).protocol === 'https:' && new URL(answer.location).hostname === ctx.host;
          if (!toHttps) findings.push(`${url.href} answered ${answer.status}${answer.location ? ` to ${answer.location}` : ''} in plain HTTP instead of a redirect to https://`);
        } catch (error) {
          if (!(error instanceof HttpConnectionError || error instanceof HttpTimeoutError)) throw error;
          plainSeen.push({ path, note: error.message });
          // Nothing listening in plain HTTP serves nothing in plain HTTP.
          if (error instanceof HttpConnectionError && error.code === 'ECONNREFUSED') break;
        }
      }
      const listening = plainSeen.some((entry) => entry.status !== undefined);
      const plainLine = listening ? `plain HTTP ${plainBase.host} redirects ${plainSeen.filter((entry) => entry.status !== undefined).length} of ${plainSeen.length} paths to https://` : `nothing answers plain HTTP on ${plainBase.host}`;
      const details = { hstsMaxAgeS: weakest ?? null, minHstsMaxAgeS: MIN_HSTS_MAX_AGE_S, plain: plainSeen };
      if (findings.length > 0) return fail(`${findings.join('; ')}; bound: HSTS max-age ≥ ${MIN_HSTS_MAX_AGE_S} s`, details);
      return pass(`HTTPS with Strict-Transport-Security max-age=${weakest} (≥ ${MIN_HSTS_MAX_AGE_S} s); ${plainLine}`, details);
    } finally {
      target.attachTranscript();
    }
  },
});
