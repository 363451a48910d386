import { defineCheck, fail, pass } from '../../core/check.js';
import { HttpConnectionError, HttpTimeoutError, type HttpResponse } from '../../adapters/http/client.js';
import { disclosures, type Disclosure } from '../../adapters/http/content.js';
import type { HttpSession } from '../../adapters/http/session.js';
import { unknownUserName, webTarget } from '../../adapters/http/target.js';

/** Requests that make web servers fail: malformed encodings, odd characters, an unknown method, a huge path. Nothing here writes. */
function provocations(protectedPath: string): Array<{ what: string; method: string; path: string }> {
  return [
    { what: 'malformed percent-encoding', method: 'GET', path: '/%E0%A4%A' },
    { what: 'malformed percent-encoding in the query', method: 'GET', path: `${protectedPath}?id=%ZZ%` },
    { what: 'encoded NUL byte', method: 'GET', path: '/index%00.html' },
    { what: 'quotes and angle brackets in the query', method: 'GET', path: `${protectedPath}?q=%27%22%3Cx%3E` },
    { what: 'an unknown page', method: 'GET', path: `/${unknownUserName()}.cgi` },
    { what: 'encoded path traversal', method: 'GET', path: '/..%2f..%2f..%2fetc%2fpasswd' },
    { what: 'an unsupported method', method: 'PROPFIND', path: '/' },
    { what: 'a 6 kB path', method: 'GET', path: `/${'A'.repeat(6_000)}` },
  ];
}

export default defineCheck({
  id: 'http.errors.discreet',
  requirement: 'CR 3.7',
  sl: [1, 2, 3, 4],
  protocol: 'http',
  disruptive: false,
  title: 'Web error answers give nothing away',
  expectation: 'Answers to malformed and unexpected requests, anonymous and logged in, show no stack trace, no file system path and no product version (body or Server/X-Powered-By headers)',
  timeoutMs: 60_000,
  async run(ctx) {
    const target = webTarget(ctx);
    try {
      const sessions: Array<{ who: string; session: HttpSession }> = [{ who: 'anonymous', session: target.session() }];
      const known = target.account('viewer', 'operator', 'admin');
      if (known) sessions.push({ who: `${known.role} "${known.username}"`, session: (await target.loginAs(known)).session });
      const found: Array<Disclosure & { request: string; status: number; who: string }> = [];
      let answered = 0;
      let silent = 0;
      for (const { who, session } of sessions) {
        for (const probe of provocations(target.endpoint.protectedPath)) {
          ctx.throwIfAborted();
          let answer: HttpResponse;
          try {
            answer = await session.request({ method: probe.method, path: probe.path });
          } catch (error) {
            if (!(error instanceof HttpConnectionError || error instanceof HttpTimeoutError)) throw error;
            silent += 1;
            continue;
          }
          answered += 1;
          for (const disclosure of disclosures(answer)) found.push({ ...disclosure, request: `${probe.method} ${probe.path.slice(0, 60)} (${probe.what})`, status: answer.status, who });
        }
      }
      // Positive control: the device was listening throughout, so quiet answers are discretion and not a dead device.
      const alive = await ctx.step('login page still answers', () => target.session().get(target.loginPagePath));
      if (alive.status >= 500) throw new Error(`the login page answers ${alive.status} after the provocations`);
      if (answered === 0) throw new Error(`none of the ${silent} provocations was answered; cannot judge what error answers show`);
      const details = { answered, silent, disclosures: found };
      if (found.length > 0) {
        const kinds = [...new Set(found.map((entry) => entry.kind))];
        const first = found.slice(0, 3).map((entry) => `${entry.kind} in the ${entry.where} of the ${entry.status} to ${entry.request} (${entry.who}): "${entry.excerpt.slice(0, 100)}"`);
        return fail(`error answers give away ${kinds.join(', ')}: ${first.join('; ')}${found.length > 3 ? `; ${found.length - 3} more` : ''}`, details);
      }
      return pass(`${answered} answers to ${answered + silent} malformed or unexpected requests (anonymous${sessions.length > 1 ? ' and logged in' : ''}) showed no stack trace, path or version${silent ? `; ${silent} closed without an answer` : ''}`, details);
    } finally {
      target.attachTranscript();
    }
  },
});
