import { defineCheck, fail, pass } from '../../core/check.js';
import { judgeServed } from '../../adapters/http/content.js';
import { requiresWebAccount, webTarget } from '../../adapters/http/target.js';

export default defineCheck({
  id: 'http.access.anonymous-refused',
  requirement: 'CR 1.1',
  sl: [1, 2, 3, 4],
  protocol: 'http',
  disruptive: false,
  title: 'The web interface refuses anonymous users its protected and admin pages',
  expectation:
    'Without a login, the protected page and the admin page are refused (status 401/403, a redirect to the login, or the login form) and their content is not in the answer, while a logged-in admin gets them',
  timeoutMs: 60_000,
  requires: requiresWebAccount('admin'),
  async run(ctx) {
    const target = webTarget(ctx);
    const { endpoint } = target;
    try {
      // Positive control: the pages exist and a logged-in admin sees them, so a refusal means the login is what is missing.
      const { session } = await target.loginAs(target.account('admin')!);
      const pages = [
        { what: 'protected page', path: endpoint.protectedPath },
        { what: 'admin page', path: endpoint.adminPath },
      ];
      const seen: Array<{ what: string; path: string; status: number; served: boolean; summary: string }> = [];
      for (const page of pages) {
        // The reference holds the page as the admin sees it and as a request without a login gets it.
        const reference = await ctx.step(`${page.what} ${page.path} as the admin and without a login`, () => target.reference(session, page.path));
        const judged = judgeServed(reference.anonymous, reference.distinctive);
        seen.push({ ...page, status: reference.anonymous.status, served: judged.served, summary: judged.summary });
      }
      const details = { pages: seen };
      const served = seen.filter((page) => page.served);
      const describe = (page: (typeof seen)[number]) => `${page.what} ${page.path}: ${page.summary}`;
      if (served.length > 0) {
        const redirectLeak = served.some((page) => page.status >= 300 && page.status < 400) ? ' (the page travels in the body of the redirect)' : '';
        return fail(`served to an anonymous request${redirectLeak}: ${served.map(describe).join('; ')}`, details);
      }
      return pass(`refused without a login, content absent: ${seen.map(describe).join('; ')}; the admin was served both`, details);
    } finally {
      target.attachTranscript();
    }
  },
});
