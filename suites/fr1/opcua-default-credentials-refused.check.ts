import { defineCheck, fail, pass } from '../../core/check.js';
import { describeRefusals, describeSkipped, loadCredentialList, tryCredentials, withPasswordLogin } from '../../adapters/opcua/credentials.js';
import { requiresKnownAccount } from '../../adapters/opcua/target.js';

const DEFAULT_CREDENTIALS = new URL('../data/opcua-default-credentials.json', import.meta.url);

export default defineCheck({
  id: 'opcua.authenticators.default-credentials-refused',
  requirement: 'CR 1.5',
  sl: [1, 2, 3, 4],
  protocol: 'opcua',
  disruptive: false,
  title: 'OPC UA refuses common factory-default credentials',
  expectation:
    "None of the common factory-default user name and password pairs opens a session, while a known account of the profile logs in on the same channel; no account is sent more failed logins in a row than the run's budget",
  timeoutMs: 120_000,
  requires: requiresKnownAccount('that a password login can succeed (the positive control)'),
  async run(ctx) {
    const pairs = loadCredentialList(DEFAULT_CREDENTIALS);
    return withPasswordLogin(ctx, async ({ channel, channelName, known, control }) => {
      const result = await ctx.step(`${pairs.length} default-credential logins within the failed-login budget`, () => tryCredentials(channel, pairs, { logins: ctx.logins, known, throwIfAborted: () => ctx.throwIfAborted() }));
      const skipped = describeSkipped(result, ctx.logins, ctx.interface.lockoutThreshold !== undefined);
      const accepted = result.trials.filter((trial) => trial.attempt.accepted).map((trial) => trial.username);
      const details = { channel: channelName, control, tried: result.trials.length, skipped: result.skipped, resets: result.resets, trials: result.trials };
      ctx.attach({ name: 'Default credential trials', contentType: 'application/json', extension: 'json', content: JSON.stringify(result, null, 2) });
      if (accepted.length > 0) return fail(`${accepted.length} of ${result.trials.length} factory-default pairs opened a session, for user names ${[...new Set(accepted)].join(', ')}; ${skipped}`, details);
      return pass(`all ${result.trials.length} factory-default pairs tried were refused: ${describeRefusals(result.trials)}, while ${control} logged in on the same ${channelName} channel; ${skipped}`, details);
    });
  },
});
