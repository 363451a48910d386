import { defineCheck, fail, pass } from '../../core/check.js';
import { describeRefusals, describeSkipped, loadCredentialList, tryCredentials, withPasswordLogin } from '../../adapters/opcua/credentials.js';
import { requiresKnownAccount } from '../../adapters/opcua/target.js';

const SHARED_ACCOUNTS = new URL('../data/opcua-shared-accounts.json', import.meta.url);

export default defineCheck({
  id: 'opcua.authentication.shared-accounts-refused',
  requirement: 'CR 1.1',
  enhancement: 1,
  sl: [2, 3, 4],
  protocol: 'opcua',
  disruptive: false,
  title: 'OPC UA admits no shared or group account',
  expectation:
    "Sessions for generic shared accounts (admin, operator, guest, user, ...) with their usual passwords are refused, while a known personal account of the profile logs in on the same channel, so every session belongs to one identified person; no account is sent more failed logins in a row than the run's budget",
  timeoutMs: 90_000,
  requires: requiresKnownAccount('that a password login can succeed (the positive control)'),
  async run(ctx) {
    const pairs = loadCredentialList(SHARED_ACCOUNTS);
    return withPasswordLogin(ctx, async ({ channel, channelName, known, control }) => {
      const result = await ctx.step(`${pairs.length} shared account logins within the failed-login budget`, () => tryCredentials(channel, pairs, { logins: ctx.logins, known, throwIfAborted: () => ctx.throwIfAborted() }));
      const skipped = describeSkipped(result, ctx.logins, ctx.interface.lockoutThreshold !== undefined);
      const accepted = result.trials.filter((trial) => trial.attempt.accepted).map((trial) => trial.username);
      const details = { channel: channelName, control, skipped: result.skipped, resets: result.resets, trials: result.trials };
      ctx.attach({ name: 'Shared account trials', contentType: 'application/json', extension: 'json', content: JSON.stringify(result, null, 2) });
      if (accepted.length > 0) return fail(`${accepted.length} of ${result.trials.length} shared accounts got a session: ${[...new Set(accepted)].join(', ')}; ${skipped}`, details);
      return pass(`all ${result.trials.length} shared-account logins tried were refused: ${describeRefusals(result.trials)}, while ${control} logged in on the same ${channelName} channel; ${skipped}`, details);
    });
  },
});
