import { defineCheck, fail, pass } from '../../core/check.js';
import type { HttpResponse } from '../../adapters/http/client.js';
import { distinctivePhrases, judgeServed } from '../../adapters/http/content.js';
import type { HttpSession } from '../../adapters/http/session.js';
import { requiresWebAccount, webTarget } from '../../adapters/http/target.js';
import type { AdminAction } from '../../adapters/http/endpoint.js';

function sendAction(session: HttpSession, action: AdminAction): Promise<HttpResponse> {
  return session.request({ method: action.method, path: action.path, ...(action.form ? { form: action.form } : {}), ...(action.json ? { json: action.json } : {}) });
}

export default defineCheck({
  id: 'http.authorization.viewer-refused-admin',
  requirement: 'CR 2.1',
  sl: [1, 2, 3, 4],
  protocol: 'http',
  disruptive: false,
  title: 'A viewer cannot use the admin page or the admin action of the web interface',
  expectation:
    'Logged in as the least privileged role, the admin page is refused (its content absent) and the admin action the profile names as harmless is refused, while an admin gets both',
  timeoutMs: 60_000,
  requires: (profile) => requiresWebAccount('admin')(profile) ?? requiresWebAccount('viewer', 'operator')(profile),
  async run(ctx) {
    const target = webTarget(ctx);
    const { endpoint } = target;
    const action = endpoint.adminAction;
    try {
      const admin = target.account('admin')!;
      const low = target.account('viewer', 'operator');
      if (!low) throw new Error(`no viewer or operator account for ${target.name}`);
      const { session: adminSession } = await target.loginAs(admin);
      const reference = await ctx.step(`admin page ${endpoint.adminPath} as the admin`, () => target.reference(adminSession, endpoint.adminPath));
      // The action is sent only where the profile says performing it changes nothing that matters.
      let adminAnswer: HttpResponse | undefined;
      if (action?.safe) {
        adminAnswer = await ctx.step(`admin action ${action.method} ${action.path} as the admin`, () => sendAction(adminSession, action));
        if (adminAnswer.status >= 400) throw new Error(`the admin action ${action.method} ${action.path} answered ${adminAnswer.status} to the admin; it cannot show what a refusal looks like`);
      }
      const { session: lowSession } = await target.loginAs(low);
      const page = await ctx.step(`admin page ${endpoint.adminPath} as ${low.role} "${low.username}"`, () => lowSession.get(endpoint.adminPath));
      const pageJudged = judgeServed(page, reference.distinctive);
      let actionLine = action ? `the admin action was not sent (adminAction.safe is false)` : 'no admin action named in the profile (adminAction)';
      let actionPerformed = false;
      const details: Record<string, unknown> = { role: low.role, page: { status: page.status, served: pageJudged.served, summary: pageJudged.summary } };
      if (action?.safe && adminAnswer) {
        const answer = await ctx.step(`admin action ${action.method} ${action.path} as ${low.role}`, () => sendAction(lowSession, action));
        // Performed means answered as the admin was: a success status and the admin's own confirmation text.
        const confirmation = distinctivePhrases(adminAnswer.text, [page.text]);
        const sameStatus = answer.status === adminAnswer.status || (answer.status < 400 && adminAnswer.status < 400 && answer.location === adminAnswer.location);
        const judged = judgeServed(answer, confirmation);
        actionPerformed = answer.status < 400 && sameStatus && (confirmation.length === 0 || judged.served);
        actionLine = `admin action ${action.method} ${action.path}: ${answer.status}${actionPerformed ? ', answered as for the admin' : ', refused'}`;
        details.action = { status: answer.status, adminStatus: adminAnswer.status, performed: actionPerformed };
      }
      const pageLine = `admin page ${endpoint.adminPath}: ${pageJudged.summary}`;
      if (pageJudged.served || actionPerformed) return fail(`${low.role} "${low.username}" got what only an admin may: ${[pageJudged.served ? pageLine : undefined, actionPerformed ? actionLine : undefined].filter(Boolean).join('; ')}`, details);
      return pass(`${low.role} refused: ${pageLine}; ${actionLine}; the admin was served both`, details);
    } finally {
      target.attachTranscript();
    }
  },
});
