import { defineCheck, fail, pass } from '../../core/check.js';
import { withPasswordLogin } from '../../adapters/opcua/credentials.js';
import { formatStatus } from '../../adapters/opcua/status.js';
import { randomPassword, reachedTokenCheck, requiresKnownAccount, unknownUserName } from '../../adapters/opcua/target.js';
import type { SessionAttempt } from '../../adapters/opcua/types.js';

const describeAttempt = (attempt: SessionAttempt) => `${attempt.status ? formatStatus(attempt.status) : attempt.note} at ${attempt.stage}`;

export default defineCheck({
  id: 'opcua.authenticator-feedback.uniform-refusal',
  requirement: 'CR 1.10',
  sl: [1, 2, 3, 4],
  protocol: 'opcua',
  disruptive: false,
  title: 'OPC UA login failures do not reveal which part was wrong',
  expectation:
    'An unknown user name and a known user name with a wrong password, both reaching the token check on a channel where the known account logs in, are refused with the same status code',
  timeoutMs: 60_000,
  requires: requiresKnownAccount('the known user (and that its login succeeds on the same channel)'),
  async run(ctx) {
    return withPasswordLogin(ctx, async ({ target, channel, channelName, control }) => {
      // One wrong password for a real account, right after its successful login: far below any lockout threshold.
      const known = target.knownAccount()!;
      const login = async (username: string, password: string) => {
        const identity = { kind: 'username' as const, username, password };
        const { attempt, session } = await channel.attemptSession(identity);
        await session?.close();
        target.recordLogin(identity, attempt);
        return attempt;
      };
      if (ctx.logins.remaining(known.username) === 0) throw new Error(`the failed-login budget leaves no wrong password to send to "${known.username}" (lockout threshold ${ctx.logins.threshold})`);
      const unknown = await ctx.step('login with an unknown user name', () => login(unknownUserName(), randomPassword()));
      const wrong = await ctx.step(`login as "${known.username}" with a wrong password`, () => login(known.username, randomPassword()));
      // Its count back to zero for the checks that follow, and a second proof that the channel still serves logins.
      const after = await ctx.step(`${control} logs in again`, () => target.controlLogin(channel, known));
      const details = { channel: channelName, control, unknownUser: unknown, wrongPassword: wrong, controlAfter: after };
      if (unknown.accepted || wrong.accepted) return fail(`a login with ${unknown.accepted ? 'an unknown user name' : 'a wrong password'} was accepted`, details);
      // Only answers of the token check can be compared: a refusal before it says nothing about the credentials.
      const before = [unknown, wrong].filter((attempt) => !reachedTokenCheck(attempt));
      if (before.length > 0) throw new Error(`not every login reached the token check (unknown user: ${describeAttempt(unknown)}; wrong password: ${describeAttempt(wrong)}), so their answers cannot be compared`);
      if (unknown.status!.code !== wrong.status!.code) {
        return fail(`the answers differ: unknown user → ${formatStatus(unknown.status)}, wrong password → ${formatStatus(wrong.status)} (both at ActivateSession, where ${control} logs in on the same ${channelName} channel)`, details);
      }
      return pass(`both refused at ActivateSession with ${formatStatus(wrong.status)}, where ${control} logs in on the same ${channelName} channel before and after`, details);
    });
  },
});
