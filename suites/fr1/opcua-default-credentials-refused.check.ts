import { defineCheck, fail, pass } from '../../core/check.js';
import { loadCredentialList, tryCredentials } from '../../adapters/opcua/credentials.js';
import { opcuaTarget } from '../../adapters/opcua/target.js';

const DEFAULT_CREDENTIALS = new URL('../data/opcua-default-credentials.json', import.meta.url);

export default defineCheck({
  id: 'opcua.authenticators.default-credentials-refused',
  requirement: 'CR 1.5',
  sl: [1, 2, 3, 4],
  protocol: 'opcua',
  disruptive: false,
  title: 'OPC UA refuses common factory-default credentials',
  expectation: 'None of the common factory-default user name and password pairs opens a session',
  timeoutMs: 120_000,
  async run(ctx) {
    const target = opcuaTarget(ctx);
    const pairs = loadCredentialList(DEFAULT_CREDENTIALS);
    const channelOptions = await target.sessionChannel();
    const channel = await ctx.step(`secure channel ${channelOptions.securityMode}/${channelOptions.securityPolicy}`, () => target.probe.openChannel(channelOptions));
    try {
      const trials = await ctx.step(`${pairs.length} default-credential logins`, () => tryCredentials(channel, pairs, ctx.throwIfAborted));
      const accepted = trials.filter((trial) => trial.attempt.accepted).map((trial) => trial.username);
      const details = { channel: channelOptions, tried: trials.length, trials };
      ctx.attach({ name: 'Default credential trials', contentType: 'application/json', extension: 'json', content: JSON.stringify(trials, null, 2) });
      if (accepted.length > 0) return fail(`${accepted.length} of ${trials.length} factory-default pairs opened a session, for user names ${[...new Set(accepted)].join(', ')}`, details);
      return pass(`all ${trials.length} factory-default pairs were refused`, details);
    } finally {
      await channel.close();
      target.attachTranscript();
    }
  },
});
