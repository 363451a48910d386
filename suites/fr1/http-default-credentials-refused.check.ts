import { defineCheck, fail, pass } from '../../core/check.js';
import { describeAcceptedPairs, loadCredentialList, tryCredentialPairs } from '../../adapters/http/credentials.js';
import { requiresWebAccount, webTarget } from '../../adapters/http/target.js';

const DEFAULT_CREDENTIALS = new URL('../data/http-default-credentials.json', import.meta.url);

export default defineCheck({
  id: 'http.authenticators.default-credentials-refused',
  requirement: 'CR 1.5',
  sl: [1, 2, 3, 4],
  protocol: 'http',
  disruptive: false,
  title: 'The web interface refuses factory-default credentials',
  expectation: 'None of the common factory-default user name and password pairs of embedded web interfaces logs in, while a known account does',
  timeoutMs: 120_000,
  requires: requiresWebAccount('viewer', 'operator', 'admin'),
  async run(ctx) {
    const target = webTarget(ctx);
    try {
      const pairs = loadCredentialList(DEFAULT_CREDENTIALS);
      const result = await ctx.step(`${pairs.length} factory-default logins`, () => tryCredentialPairs(target, pairs, 'the factory-default list (suites/data/http-default-credentials.json)'));
      const tried = result.trials.filter((trial) => trial.outcome !== 'left out').length;
      const details = { tried, trials: result.trials, failedLogins: result.budget };
      if (result.accepted.length > 0) {
        return fail(`factory-default credentials logged in: ${describeAcceptedPairs(result.accepted)}; ${result.budgetLine}`, details);
      }
      if (tried === 0) throw new Error(`no default pair could be tried within the failed-login budget (${result.budgetLine})`);
      return pass(`all ${tried} factory-default pairs tried were refused, a known account logged in; ${result.budgetLine}`, details);
    } finally {
      target.attachTranscript();
    }
  },
});
