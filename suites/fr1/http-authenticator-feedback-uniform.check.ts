import { defineCheck, fail, pass } from '../../core/check.js';
import { describeFailedLogins } from '../../adapters/http/budget.js';
import { bodyShape, differingPhrases, pathOf } from '../../adapters/http/content.js';
import type { LoginResult } from '../../adapters/http/login.js';
import { randomPassword, requiresWebAccount, unknownUserName, webTarget } from '../../adapters/http/target.js';

/** Attempts of each kind; the failed-login budget may lower it for the known account. */
const SAMPLES = 3;
/** A difference in answer time below this is noise on any network; above it, and above the spread, it tells. */
const TIMING_TOLERANCE_MS = 50;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const spread = (values: number[]) => Math.max(...values) - Math.min(...values);

interface Refusal {
  username: string;
  result: LoginResult;
}

function summary(refusal: Refusal) {
  const { response, cookiesSet } = refusal.result;
  return { status: response.status, location: response.location ? pathOf(response.location) : undefined, cookies: [...cookiesSet].sort().join(','), shape: bodyShape(response.text, [refusal.username]) };
}

export default defineCheck({
  id: 'http.authenticator-feedback.uniform-refusal',
  requirement: 'CR 1.10',
  sl: [1, 2, 3, 4],
  protocol: 'http',
  disruptive: false,
  runsAlone: 'it compares answer times, which checks of other interfaces running beside it would disturb',
  title: 'Web login failures do not reveal which part was wrong',
  expectation: `An unknown user name and a known user name with a wrong password get the same answer: status, redirect, cookies, page (echoes and tokens aside) and time within ${TIMING_TOLERANCE_MS} ms`,
  timeoutMs: 60_000,
  requires: requiresWebAccount('viewer', 'operator', 'admin'),
  async run(ctx) {
    const target = webTarget(ctx);
    try {
      const known = target.controlAccount();
      // Positive control: the login decides (a known account gets in), so refusals come from the credential check.
      await target.loginAs(known);
      const budget = target.budget();
      const unknown: Refusal[] = [];
      const wrong: Refusal[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        ctx.throwIfAborted();
        const name = unknownUserName();
        const byName = await budget.attempt(name, async () => {
          const result = await target.login(target.session(), { username: name, password: randomPassword() });
          return { accepted: result.accepted, value: result };
        });
        if (byName) unknown.push({ username: name, result: byName });
        const byPassword = await budget.attempt(known.username, async () => {
          const result = await target.login(target.session(), { username: known.username, password: randomPassword() });
          return { accepted: result.accepted, value: result };
        });
        if (byPassword) wrong.push({ username: known.username, result: byPassword });
      }
      const failedLogins = budget.report();
      const budgetLine = describeFailedLogins(failedLogins);
      if (unknown.length === 0 || wrong.length === 0) throw new Error(`no refusal to compare within the failed-login budget (${budgetLine})`);
      const accepted = [...unknown, ...wrong].find((refusal) => refusal.result.accepted);
      if (accepted) return fail(`a login with ${accepted.username === known.username ? 'a wrong password' : 'an unknown user name'} was accepted`, { failedLogins });
      const broken = [...unknown, ...wrong].find((refusal) => refusal.result.response.status >= 500 || refusal.result.response.status === 404);
      if (broken) throw new Error(`the login answered ${broken.result.response.status}: the attempt did not reach the credential check`);

      const a = summary(unknown[0]!);
      const b = summary(wrong[0]!);
      const timesUnknown = unknown.map((refusal) => refusal.result.decisionMs);
      const timesWrong = wrong.map((refusal) => refusal.result.decisionMs);
      const gap = Math.abs(median(timesUnknown) - median(timesWrong));
      const noise = Math.max(TIMING_TOLERANCE_MS, 2 * Math.max(spread(timesUnknown), spread(timesWrong)));
      const timing = `median ${median(timesUnknown).toFixed(0)} ms (unknown user) vs ${median(timesWrong).toFixed(0)} ms (wrong password), bound ${noise.toFixed(0)} ms`;
      const details = { unknownUser: a, wrongPassword: b, timesUnknown, timesWrong, gapMs: gap, boundMs: noise, failedLogins };
      const differences: string[] = [];
      if (a.status !== b.status) differences.push(`status ${a.status} vs ${b.status}`);
      if (a.location !== b.location) differences.push(`redirect ${a.location ?? 'none'} vs ${b.location ?? 'none'}`);
      if (a.cookies !== b.cookies) differences.push(`cookies set "${a.cookies}" vs "${b.cookies}"`);
      if (a.shape !== b.shape) {
        const phrases = differingPhrases(unknown[0]!.result.response.text, wrong[0]!.result.response.text, [unknown[0]!.username, known.username]);
        differences.push(`page text "${phrases.onlyFirst.join(' | ') || '…'}" vs "${phrases.onlySecond.join(' | ') || '…'}"`);
      }
      if (gap > noise) differences.push(`answer time ${timing}`);
      if (differences.length > 0) return fail(`unknown user name and wrong password are told apart: ${differences.join('; ')}; ${budgetLine}`, details);
      return pass(`${unknown.length} unknown-user and ${wrong.length} wrong-password logins got the same answer (${a.status}${a.location ? ` to ${a.location}` : ''}, same page shape), ${timing}; ${budgetLine}`, details);
    } finally {
      target.attachTranscript();
    }
  },
});
