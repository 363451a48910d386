import { defineCheck, fail, pass } from '../../core/check.js';
import { observeUsmReports } from '../../adapters/snmp/client.js';
import { proveListening, snmpTarget, summarise } from '../../adapters/snmp/target.js';

export default defineCheck({
  id: 'snmp.authenticator-feedback.usm-reports',
  requirement: 'CR 1.10',
  sl: [1, 2, 3, 4],
  protocol: 'snmp',
  disruptive: false,
  title: 'SNMPv3 gives nothing away to wrong credentials',
  expectation:
    'A v3 request by an unknown user and one by a known user with a wrong key get no data; whether the agent tells the two apart (RFC 3414 has it count them in different usmStats counters) is recorded as an observation, not a failure',
  timeoutMs: 60_000,
  requires: (profile) => (profile.endpoints.snmp && !profile.endpoints.snmp.users.some((user) => user.authProtocol) ? 'the profile declares no SNMPv3 user with authentication to send a wrong key for' : undefined),
  async run(ctx) {
    const target = snmpTarget(ctx);
    const user = target.endpoint.users.find((entry) => entry.authProtocol);
    if (!user) throw new Error('no SNMPv3 user with authentication is known for this interface');
    // Silence to both requests would look like refusal; only an agent shown to be listening can refuse.
    const listening = await proveListening(ctx, target, target.endpoint);
    if (listening.kind === 'credential' && listening.credentials.version === '3') ctx.logins.succeeded(listening.credentials.user.user);
    // A wrong key is a failed login of a real user: it is sent only while the run's failed-login budget allows.
    const sendWrongKey = ctx.logins.remaining(user.user) > 0;
    if (!sendWrongKey) ctx.log(`no wrong key sent for "${user.user}": its failed-login budget (lockout threshold ${ctx.logins.threshold}) is spent`);
    const observed = await ctx.step(`an unknown user${sendWrongKey ? `, then "${user.user}" with a wrong key` : ''}`, () => observeUsmReports(target, sendWrongKey ? user : undefined));
    if (observed.wrongKey) {
      if (observed.wrongKey.kind === 'answered') ctx.logins.succeeded(user.user);
      else ctx.logins.failed(user.user);
    }
    const unknownUser = summarise(observed.unknownUser);
    const wrongKey = observed.wrongKey ? summarise(observed.wrongKey) : 'not tried (failed-login budget spent)';
    ctx.log(`unknown user: ${unknownUser}; wrong key: ${wrongKey}`);
    const details = { listening, user: user.user, unknownUser, wrongKey, distinguishable: observed.distinguishable ?? null };
    const leaks = [...(observed.unknownUser.kind === 'answered' ? [`an unknown user was served (${unknownUser})`] : []), ...(observed.wrongKey?.kind === 'answered' ? [`"${user.user}" with a wrong key was served (${wrongKey})`] : [])];
    if (leaks.length > 0) return fail(`wrong credentials got data: ${leaks.join('; ')}`, details);
    const told = observed.distinguishable
      ? 'the agent tells them apart, as RFC 3414 requires of every agent (observation: a user name can be confirmed this way)'
      : 'the agent answers both alike (observation)';
    return pass(`no data for wrong credentials: unknown user → ${unknownUser}; wrong key → ${wrongKey}; ${told}`, details);
  },
});
