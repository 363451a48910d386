import { defineCheck, fail, pass } from '../../core/check.js';
import { formatStatus } from '../../adapters/opcua/status.js';
import { opcuaAccounts, opcuaTarget, randomPassword, unknownUserName } from '../../adapters/opcua/target.js';
import type { Profile } from '../../core/profile/schema.js';

export default defineCheck({
  id: 'opcua.authenticator-feedback.uniform-refusal',
  requirement: 'CR 1.10',
  sl: [1, 2, 3, 4],
  protocol: 'opcua',
  disruptive: false,
  title: 'OPC UA login failures do not reveal which part was wrong',
  expectation: 'An unknown user name and a known user name with a wrong password are refused with the same status code',
  timeoutMs: 60_000,
  requires: (profile: Profile) => (opcuaAccounts(profile).some((account) => account.role !== 'lockout') ? undefined : 'the profile names no account to use as the known user (accounts[])'),
  async run(ctx) {
    const target = opcuaTarget(ctx);
    // One wrong password for a real account: far below any lockout threshold, and not the lockout test's account.
    const known = target.account('viewer', 'operator', 'admin')!;
    const channelOptions = await target.sessionChannel();
    const channel = await ctx.step(`secure channel ${channelOptions.securityMode}/${channelOptions.securityPolicy}`, () => target.probe.openChannel(channelOptions));
    try {
      const unknown = await ctx.step('login with an unknown user name', async () => (await channel.attemptSession({ kind: 'username', username: unknownUserName(), password: randomPassword() })).attempt);
      const wrong = await ctx.step(`login as "${known.username}" with a wrong password`, async () => (await channel.attemptSession({ kind: 'username', username: known.username, password: randomPassword() })).attempt);
      const details = { unknownUser: unknown, wrongPassword: wrong };
      if (unknown.accepted || wrong.accepted) return fail(`a login with ${unknown.accepted ? 'an unknown user name' : 'a wrong password'} was accepted`, details);
      if (unknown.status?.code !== wrong.status?.code || unknown.stage !== wrong.stage) {
        return fail(`the answers differ: unknown user → ${formatStatus(unknown.status)} at ${unknown.stage}, wrong password → ${formatStatus(wrong.status)} at ${wrong.stage}`, details);
      }
      return pass(`both refused at ${wrong.stage} with ${formatStatus(wrong.status)}`, details);
    } finally {
      await channel.close();
      target.attachTranscript();
    }
  },
});
