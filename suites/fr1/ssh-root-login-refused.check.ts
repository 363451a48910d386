import { readFileSync } from 'node:fs';
import { defineCheck, fail, pass } from '../../core/check.js';
import { accountsFor } from '../../core/profile/load.js';
import { positiveControl, requiresKnownAccount, sshLogin, sshTarget } from '../../adapters/ssh/target.js';

const ROOT_PASSWORDS = (JSON.parse(readFileSync(new URL('../data/ssh-root-passwords.json', import.meta.url), 'utf8')) as { passwords: string[] }).passwords;

export default defineCheck({
  id: 'ssh.identification.root-login-refused',
  requirement: 'CR 1.1',
  sl: [1, 2, 3, 4],
  protocol: 'ssh',
  disruptive: false,
  title: 'SSH refuses password logins as root',
  expectation:
    'A known account logs in, while root cannot log in with a password: with its real password when the profile names it, else with the usual root passwords, within the failed-login budget',
  timeoutMs: 60_000,
  requires: requiresKnownAccount,
  async run(ctx) {
    const target = sshTarget(ctx);
    const control = await positiveControl(ctx, target);
    if (control.kind === 'no-password-login') return pass(`not applicable: no password login (the server offers ${control.methods.join(', ') || 'no method'}), so root cannot log in with a password`, { control });
    // root's own password, when the vendor documents it, is the decisive test: PermitRootLogin no refuses even that.
    const documented = accountsFor(ctx.profile, ctx.interface.name).find((account) => account.username === 'root');
    const passwords = documented ? [documented.password] : ROOT_PASSWORDS;
    const outcomes: string[] = [];
    for (const password of passwords) {
      if (!documented && ctx.logins.remaining('root') <= 0) {
        outcomes.push('skipped: failed-login budget spent');
        continue;
      }
      const attempt = await sshLogin(ctx, target, 'root', password, documented ? 'root with the password the profile gives' : 'root with a usual password');
      outcomes.push(attempt.outcome);
      if (attempt.outcome === 'accepted' || attempt.outcome === 'accepted-without-password') {
        return fail(`root logged in with ${documented ? 'the password the profile gives for it' : 'a usual root password'} over SSH`, { documented: Boolean(documented), outcomes });
      }
    }
    const how = documented ? 'root was refused even with the password the profile gives for it' : `root was refused with ${outcomes.filter((outcome) => outcome === 'refused').length} usual password(s)${outcomes.some((outcome) => outcome.startsWith('skipped')) ? ' (the rest left out to stay within the failed-login budget)' : ''}; the profile names no root account, so its real password was not tried`;
    return pass(`"${control.account.username}" logged in; ${how}`, { documented: Boolean(documented), outcomes, threshold: ctx.logins.threshold });
  },
});
