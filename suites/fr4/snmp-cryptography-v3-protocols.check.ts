import { defineCheck, fail, pass } from '../../core/check.js';
import { OID, snmpGet } from '../../adapters/snmp/client.js';
import { levelOf } from '../../adapters/snmp/endpoint.js';
import { snmpTarget, summarise } from '../../adapters/snmp/target.js';

const WEAK_AUTH = new Set(['md5']);
const WEAK_PRIV = new Set(['des']);

export default defineCheck({
  id: 'snmp.cryptography.v3-protocols',
  requirement: 'CR 4.3',
  sl: [1, 2, 3, 4],
  protocol: 'snmp',
  disruptive: false,
  title: 'SNMPv3 users authenticate without MD5 and encrypt without DES',
  expectation: 'Every v3 user the profile declares is served with its declared protocols, none of which is HMAC-MD5 or DES (HMAC-SHA-1 is recorded as legacy)',
  timeoutMs: 60_000,
  requires: (profile) => (profile.endpoints.snmp && profile.endpoints.snmp.users.length === 0 ? 'the profile declares no SNMPv3 user (endpoints.snmp.users), so there is no v3 cryptography to judge' : undefined),
  async run(ctx) {
    const target = snmpTarget(ctx);
    if (target.endpoint.users.length === 0) throw new Error('no SNMPv3 user is known for this interface: declare endpoints.snmp with its users');
    const users = [];
    for (const user of target.endpoint.users) {
      const protocols = `${user.authProtocol ?? 'no auth'}/${user.privProtocol ?? 'no privacy'}`;
      // DES is not in this Node's OpenSSL: a DES user is judged from the declaration alone.
      const answer = user.privProtocol === 'des' ? undefined : await ctx.step(`v3 user "${user.user}" with ${protocols}`, () => snmpGet(target, { version: '3', user }, [OID.sysDescr]));
      users.push({ user: user.user, level: levelOf(user), authProtocol: user.authProtocol ?? null, privProtocol: user.privProtocol ?? null, answer: answer ? summarise(answer) : 'not tried: DES is not available to this harness', confirmed: answer?.kind === 'answered' });
    }
    const unconfirmed = users.filter((user) => !user.confirmed && user.privProtocol !== 'des');
    if (unconfirmed.length === users.length) throw new Error(`no declared v3 user was served with its declared protocols (${unconfirmed.map((user) => `"${user.user}": ${user.answer}`).join('; ')}): the profile does not describe the agent`);
    const weak = users.flatMap((user) => [
      ...(user.authProtocol && WEAK_AUTH.has(user.authProtocol) ? [`"${user.user}" authenticates with HMAC-MD5${user.confirmed ? ' (served so)' : ''}`] : []),
      ...(user.privProtocol && WEAK_PRIV.has(user.privProtocol) ? [`"${user.user}" encrypts with DES (declared)`] : []),
    ]);
    const legacy = users.filter((user) => user.authProtocol === 'sha').map((user) => `"${user.user}" uses HMAC-SHA-1`);
    const details = { users };
    if (weak.length > 0) return fail(weak.join('; '), details);
    const listing = users.map((user) => `"${user.user}" ${user.authProtocol ?? 'none'}/${user.privProtocol ?? 'none'}${user.confirmed ? '' : ` (${user.answer})`}`).join(', ');
    return pass(`v3 users served with sound protocols: ${listing}${legacy.length ? `; legacy, recorded as an observation: ${legacy.join(', ')}` : ''}`, details);
  },
});
