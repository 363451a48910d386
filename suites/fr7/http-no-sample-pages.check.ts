import { readFileSync } from 'node:fs';
import { defineCheck, fail, pass } from '../../core/check.js';
import { webTarget } from '../../adapters/http/target.js';

const SAMPLE_PAGES = new URL('../data/http-sample-pages.json', import.meta.url);

interface SamplePage {
  path: string;
  signature: string;
  what: string;
}

export default defineCheck({
  id: 'http.content.no-sample-pages',
  requirement: 'CR 7.7',
  sl: [1, 2, 3, 4],
  protocol: 'http',
  disruptive: false,
  title: 'The web interface serves no default or sample pages',
  expectation: 'None of the default, sample and diagnostic pages web servers ship with (a list of paths, each with its signature) is served',
  timeoutMs: 60_000,
  async run(ctx) {
    const target = webTarget(ctx);
    const { endpoint } = target;
    try {
      const { pages } = JSON.parse(readFileSync(SAMPLE_PAGES, 'utf8')) as { pages: SamplePage[] };
      // The device's own pages are not samples, whatever their path.
      const own = new Set([endpoint.protectedPath, endpoint.adminPath, endpoint.logoutPath, target.loginPagePath].filter(Boolean).map((path) => new URL(path!, target.baseUrl).pathname));
      const candidates = pages.filter((page) => !own.has(page.path));
      const session = target.session();
      const control = await ctx.step(`GET ${target.loginPagePath}`, () => session.get(target.loginPagePath));
      if (control.status >= 500) throw new Error(`the interface answers ${control.status} to an ordinary GET`);
      const served: Array<SamplePage & { status: number }> = [];
      const statuses: Record<string, number> = {};
      await ctx.step(`GET ${candidates.length} known sample paths`, async () => {
        for (const page of candidates) {
          ctx.throwIfAborted();
          const answer = await session.get(page.path);
          statuses[page.path] = answer.status;
          if (answer.status >= 200 && answer.status < 300 && new RegExp(page.signature, 'i').test(answer.text)) served.push({ ...page, status: answer.status });
        }
      });
      const details = { statuses, served };
      if (served.length > 0) return fail(`default or sample pages served: ${served.map((page) => `${page.path} (${page.what})`).join(', ')}`, details);
      return pass(`none of ${candidates.length} known default or sample pages is served`, details);
    } finally {
      target.attachTranscript();
    }
  },
});
