import { defineCheck, fail, pass } from '../../core/check.js';
import { visibleText } from '../../adapters/http/content.js';
import { webTarget } from '../../adapters/http/target.js';

/** Words a use notification is made of, for devices whose profile does not quote theirs. */
const NOTICE_WORDS = /\b(unauthori[sz]ed|authori[sz]ed (use|users|personnel)|monitored|prohibited|restricted to|consent|use of this (system|device))\b/i;

const normalise = (text: string) => text.replace(/\s+/g, ' ').trim().toLowerCase();

export default defineCheck({
  id: 'http.login.use-notification',
  requirement: 'CR 1.12',
  sl: [1, 2, 3, 4],
  protocol: 'http',
  disruptive: false,
  title: 'The web interface shows its use notification before login',
  expectation: 'The login page shows the use notification the profile declares (endpoints.http[].banner); without a declared one, a recognisable notice of authorised use',
  timeoutMs: 30_000,
  async run(ctx) {
    const target = webTarget(ctx);
    const declared = target.endpoint.banner;
    try {
      const path = target.loginPagePath;
      const page = await ctx.step(`login page ${path}`, () => target.session().get(path));
      if (page.status >= 400) throw new Error(`the login page ${path} answered ${page.status}; cannot see what is shown before login`);
      const text = visibleText(page.text);
      const realm = page.headers['www-authenticate'] ?? '';
      const shown = normalise(`${text} ${realm}`);
      const details = { page: path, status: page.status, declared: declared ?? null };
      if (declared) {
        if (shown.includes(normalise(declared))) return pass(`${path} shows the declared notification "${declared}" before login`, details);
        return fail(`${path} does not show the declared notification "${declared}" (the page shows: "${text.slice(0, 160)}")`, details);
      }
      const match = NOTICE_WORDS.exec(`${text} ${realm}`);
      if (match) {
        const at = Math.max(0, text.indexOf(match[0]) - 60);
        return pass(`no notification declared; ${path} shows a notice of authorised use: "…${text.slice(at, at + 140)}…"`, details);
      }
      return fail(`no notification declared and ${path} shows none before login (the page shows: "${text.slice(0, 160)}")`, details);
    } finally {
      target.attachTranscript();
    }
  },
});
