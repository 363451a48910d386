import { defineCheck, fail, pass } from '../../core/check.js';
import { OID, snmpGet } from '../../adapters/snmp/client.js';
import { describeCommunity, proveListening, snmpTarget, summarise, sweepCommunities } from '../../adapters/snmp/target.js';

/** Requests that identify nobody: the classic read community, an empty one, and a v3 user no agent should know. */
const ANONYMOUS_COMMUNITIES = ['public', ''];

export default defineCheck({
  id: 'snmp.identification.anonymous-access-refused',
  requirement: 'CR 1.1',
  sl: [1, 2, 3, 4],
  protocol: 'snmp',
  disruptive: false,
  title: 'SNMP serves nobody who is not identified',
  expectation: 'The agent, shown to be listening, answers no v1/v2c request with the community "public" or an empty one, and no v3 request by a user it does not know',
  timeoutMs: 60_000,
  async run(ctx) {
    const target = snmpTarget(ctx);
    const listening = await proveListening(ctx, target, target.endpoint);
    const communities = await ctx.step('v1 and v2c with "public" and an empty community', () => sweepCommunities(target, ANONYMOUS_COMMUNITIES));
    const stranger = await ctx.step('v3 by an unknown user, no authentication', () => snmpGet(target, { version: '3', user: { user: 'iec62443-nobody' }, level: 'noAuthNoPriv' }, [OID.sysDescr]));
    for (const result of communities) ctx.log(`${describeCommunity(result)}: ${summarise(result.answer)}`);
    ctx.log(`unknown v3 user: ${summarise(stranger)}`);
    const served = [...communities.filter((result) => result.answer.kind === 'answered').map(describeCommunity), ...(stranger.kind === 'answered' ? ['v3 by an unknown user without authentication'] : [])];
    const details = { listening, communities: communities.map(({ version, community, answer }) => ({ version, community, answer: summarise(answer) })), unknownUser: summarise(stranger) };
    if (served.length > 0) return fail(`served without identification on ${ctx.host}:${target.port}/udp: ${served.join(', ')}`, details);
    return pass(`${listening.how}; "public" and the empty community (v1, v2c) and an unknown v3 user were refused (${summarise(stranger)})`, details);
  },
});
