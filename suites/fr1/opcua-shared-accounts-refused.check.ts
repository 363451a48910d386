import { defineCheck, fail, pass } from '../../core/check.js';
import { loadCredentialList, tryCredentials } from '../../adapters/opcua/credentials.js';
import { opcuaTarget } from '../../adapters/opcua/target.js';

const SHARED_ACCOUNTS = new URL('../data/opcua-shared-accounts.json', import.meta.url);

export default defineCheck({
  id: 'opcua.authentication.shared-accounts-refused',
  requirement: 'CR 1.1',
  enhancement: 1,
  sl: [2, 3, 4],
  protocol: 'opcua',
  disruptive: false,
  title: 'OPC UA admits no shared or group account',
  expectation: 'Sessions for generic shared accounts (admin, operator, guest, user, ...) with their usual passwords are refused, so every session belongs to one identified person',
  timeoutMs: 90_000,
  async run(ctx) {
    const target = opcuaTarget(ctx);
    const pairs = loadCredentialList(SHARED_ACCOUNTS);
    const channelOptions = await target.sessionChannel();
    const channel = await ctx.step(`secure channel ${channelOptions.securityMode}/${channelOptions.securityPolicy}`, () => target.probe.openChannel(channelOptions));
    try {
      const trials = await ctx.step(`${pairs.length} shared account logins`, () => tryCredentials(channel, pairs, ctx.throwIfAborted));
      const accepted = trials.filter((trial) => trial.attempt.accepted).map((trial) => trial.username);
      const details = { channel: channelOptions, trials };
      ctx.attach({ name: 'Shared account trials', contentType: 'application/json', extension: 'json', content: JSON.stringify(trials, null, 2) });
      if (accepted.length > 0) return fail(`${accepted.length} of ${trials.length} shared accounts got a session: ${[...new Set(accepted)].join(', ')}`, details);
      return pass(`all ${trials.length} shared-account logins were refused (${[...new Set(trials.map((trial) => trial.attempt.status?.name ?? trial.attempt.note))].join(', ')})`, details);
    } finally {
      await channel.close();
      target.attachTranscript();
    }
  },
});
