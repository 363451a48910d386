import { defineCheck, fail, notApplicable, pass } from '../../core/check.js';
import { budgetNote, describeAcceptedPair, loadPairs, positiveControl, requiresKnownAccount, sshTarget, tryPairs } from '../../adapters/ssh/target.js';

const DEFAULT_CREDENTIALS = new URL('../data/ssh-default-credentials.json', import.meta.url);

export default defineCheck({
  id: 'ssh.authenticators.default-credentials-refused',
  requirement: 'CR 1.5',
  sl: [1, 2, 3, 4],
  protocol: 'ssh',
  disruptive: false,
  title: 'SSH refuses common factory-default passwords',
  expectation: 'A known account logs in with its password, and none of the common factory-default user name and password pairs does',
  timeoutMs: 120_000,
  requires: requiresKnownAccount,
  async run(ctx) {
    const target = sshTarget(ctx);
    const control = await positiveControl(ctx, target);
    if (control.kind === 'no-password-login') {
      return notApplicable(`no password login (the server offers ${control.methods.join(', ') || 'no method'}), so no default password can be used; none was sent`, { control });
    }
    const trials = await tryPairs(ctx, target, loadPairs(DEFAULT_CREDENTIALS), 'factory default');
    ctx.attach({ name: 'Default credential trials', contentType: 'application/json', extension: 'json', content: JSON.stringify(trials, null, 2) });
    const accepted = trials.filter((trial) => trial.outcome === 'accepted' || trial.outcome === 'accepted-without-password');
    const tried = trials.filter((trial) => !trial.outcome.startsWith('skipped')).length;
    const details = { control: { account: control.account.username }, trials, threshold: ctx.logins.threshold };
    const bound = budgetNote(ctx, trials);
    if (accepted.length > 0) return fail(`factory-default credentials accepted: ${accepted.map(describeAcceptedPair).join(', ')} (${accepted.length} of ${tried} pairs tried; ${bound})`, details);
    return pass(`"${control.account.username}" logged in with its password; all ${tried} factory-default pairs were refused (${bound})`, details);
  },
});
