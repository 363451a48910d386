import { defineCheck, fail, pass } from '../../core/check.js';
import { looksLikeDirectoryListing } from '../../adapters/http/content.js';
import { webTarget } from '../../adapters/http/target.js';

/** Folders web servers of devices commonly have, besides those the login page itself links to. */
const COMMON_FOLDERS = ['/', '/static/', '/images/', '/img/', '/css/', '/js/', '/scripts/', '/assets/', '/files/', '/upload/', '/uploads/', '/backup/', '/logs/', '/log/', '/tmp/', '/config/', '/conf/', '/data/', '/docs/', '/firmware/', '/cgi-bin/'];

/** Folders of the resources a page links to: "/static/app.css" → "/static/". */
function linkedFolders(html: string, base: URL): string[] {
  const folders = new Set<string>();
  for (const match of html.matchAll(/\b(?:href|src)\s*=\s*["']([^"'#?]+)/gi)) {
    try {
      const url = new URL(match[1]!, base);
      if (url.host !== base.host) continue;
      const folder = url.pathname.slice(0, url.pathname.lastIndexOf('/') + 1);
      if (folder.length > 1) folders.add(folder);
    } catch {
      // not a URL
    }
  }
  return [...folders];
}

export default defineCheck({
  id: 'http.content.no-directory-listing',
  requirement: 'CR 7.7',
  sl: [1, 2, 3, 4],
  protocol: 'http',
  disruptive: false,
  title: 'The web interface lists no folders',
  expectation: 'No folder of the interface (those its login page links to and common ones) answers with a generated index of its files',
  timeoutMs: 60_000,
  async run(ctx) {
    const target = webTarget(ctx);
    try {
      const session = target.session();
      const page = await ctx.step(`login page ${target.loginPagePath}`, () => session.get(target.loginPagePath));
      if (page.status >= 500) throw new Error(`the login page answers ${page.status}; cannot look for folders`);
      const folders = [...new Set([...linkedFolders(page.text, target.baseUrl), ...COMMON_FOLDERS])];
      const listings: Array<{ folder: string; sign: string }> = [];
      const answered: Record<string, number> = {};
      await ctx.step(`GET ${folders.length} folders`, async () => {
        for (const folder of folders) {
          ctx.throwIfAborted();
          const answer = await session.get(folder);
          answered[folder] = answer.status;
          const sign = looksLikeDirectoryListing(answer);
          if (sign) listings.push({ folder, sign });
        }
      });
      const details = { folders: answered, listings };
      if (listings.length > 0) return fail(`folder listing served: ${listings.map((entry) => `${entry.folder} (${entry.sign})`).join(', ')}`, details);
      return pass(`none of ${folders.length} folders (${folders.slice(0, 4).join(', ')}, …) is listed`, details);
    } finally {
      target.attachTranscript();
    }
  },
});
