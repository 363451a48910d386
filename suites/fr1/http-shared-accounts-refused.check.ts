import { defineCheck, fail, pass } from '../../core/check.js';
import { describeAcceptedPairs, loadCredentialList, tryCredentialPairs } from '../../adapters/http/credentials.js';
import { requiresWebAccount, webTarget } from '../../adapters/http/target.js';

const SHARED_ACCOUNTS = new URL('../data/http-shared-accounts.json', import.meta.url);

export default defineCheck({
  id: 'http.accounts.shared-refused',
  requirement: 'CR 1.1',
  enhancement: 1,
  sl: [2, 3, 4],
  protocol: 'http',
  disruptive: false,
  title: 'The web interface has no shared role accounts',
  expectation: 'Generic accounts a shift or trade would share (operator, guest, maintenance, service …) with their usual passwords do not log in, while a personal account does',
  timeoutMs: 120_000,
  requires: requiresWebAccount('viewer', 'operator', 'admin'),
  async run(ctx) {
    const target = webTarget(ctx);
    try {
      const pairs = loadCredentialList(SHARED_ACCOUNTS);
      const result = await ctx.step(`${pairs.length} shared-account logins`, () => tryCredentialPairs(target, pairs, 'the shared-account list (suites/data/http-shared-accounts.json)'));
      const tried = result.trials.filter((trial) => trial.outcome !== 'left out').length;
      const details = { tried, trials: result.trials, failedLogins: result.budget };
      if (result.accepted.length > 0) {
        return fail(`shared role accounts logged in: ${describeAcceptedPairs(result.accepted)}; ${result.budgetLine}`, details);
      }
      if (tried === 0) throw new Error(`no shared account could be tried within the failed-login budget (${result.budgetLine})`);
      return pass(`all ${tried} shared-account pairs tried were refused, a known account logged in; ${result.budgetLine}`, details);
    } finally {
      target.attachTranscript();
    }
  },
});
