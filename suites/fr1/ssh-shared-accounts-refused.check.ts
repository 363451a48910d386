import { defineCheck, fail, pass } from '../../core/check.js';
import { budgetNote, describeAcceptedPair, loadPairs, positiveControl, requiresKnownAccount, sshTarget, tryPairs } from '../../adapters/ssh/target.js';

const SHARED_ACCOUNTS = new URL('../data/ssh-shared-accounts.json', import.meta.url);

export default defineCheck({
  id: 'ssh.identification.shared-accounts-refused',
  requirement: 'CR 1.1',
  enhancement: 1,
  sl: [2, 3, 4],
  protocol: 'ssh',
  disruptive: false,
  title: 'SSH has no shared group accounts',
  expectation: 'A known personal account logs in, and none of the usual shared account names (shift, operator, guest, …) logs in with its customary password',
  timeoutMs: 120_000,
  requires: requiresKnownAccount,
  async run(ctx) {
    const target = sshTarget(ctx);
    const control = await positiveControl(ctx, target);
    if (control.kind === 'no-password-login') {
      return pass(`not applicable: no password login (the server offers ${control.methods.join(', ') || 'no method'}); no shared-account password was sent`, { control });
    }
    const trials = await tryPairs(ctx, target, loadPairs(SHARED_ACCOUNTS), 'shared account');
    ctx.attach({ name: 'Shared account trials', contentType: 'application/json', extension: 'json', content: JSON.stringify(trials, null, 2) });
    const accepted = trials.filter((trial) => trial.outcome === 'accepted' || trial.outcome === 'accepted-without-password');
    const tried = trials.filter((trial) => !trial.outcome.startsWith('skipped')).length;
    const details = { control: { account: control.account.username }, trials, threshold: ctx.logins.threshold };
    const bound = budgetNote(ctx, trials);
    if (accepted.length > 0) return fail(`shared account(s) logged in: ${accepted.map(describeAcceptedPair).join(', ')} (${tried} tried; ${bound})`, details);
    return pass(`"${control.account.username}" logged in; none of ${tried} shared account names did (${bound})`, details);
  },
});
