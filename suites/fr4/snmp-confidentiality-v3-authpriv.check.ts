import { defineCheck, fail, pass } from '../../core/check.js';
import { OID, snmpGet } from '../../adapters/snmp/client.js';
import { levelOf, SNMP_SECURITY_LEVELS, type SnmpSecurityLevel } from '../../adapters/snmp/endpoint.js';
import { describeCommunity, loadCommunities, proveListening, snmpTarget, summarise, sweepCommunities } from '../../adapters/snmp/target.js';

const COMMUNITIES = loadCommunities(new URL('../data/snmp-default-communities.json', import.meta.url));

export default defineCheck({
  id: 'snmp.confidentiality.v3-authpriv-only',
  requirement: 'CR 4.1',
  sl: [1, 2, 3, 4],
  protocol: 'snmp',
  disruptive: false,
  title: 'SNMP data and credentials travel encrypted',
  expectation:
    'Above SL 1 the agent answers no v1 or v2c request (communities travel in clear) and serves v3 users at authPriv only; at SL 1 v1/v2c is recorded as an observation',
  timeoutMs: 90_000,
  async run(ctx) {
    const target = snmpTarget(ctx);
    const strict = ctx.profile.targetSL > 1;
    const listening = await proveListening(ctx, target, target.endpoint);
    const sweep = await ctx.step('does v1 or v2c answer any community?', () => sweepCommunities(target, COMMUNITIES, target.endpoint.community));
    const cleartext = sweep.filter((result) => result.answer.kind === 'answered');
    const declaredCleartext = target.implied ? [] : target.endpoint.versions.filter((version) => version !== '3');
    const belowPriv: string[] = [];
    for (const user of target.endpoint.users) {
      const own = levelOf(user);
      if (own !== 'authPriv') belowPriv.push(`user "${user.user}" is configured for ${own}`);
      const lower: SnmpSecurityLevel[] = own === 'authPriv' ? SNMP_SECURITY_LEVELS.slice(0, SNMP_SECURITY_LEVELS.indexOf(own)) : [];
      for (const level of lower) {
        const answer = await ctx.step(`v3 user "${user.user}" at ${level}`, () => snmpGet(target, { version: '3', user, level }, [OID.sysDescr]));
        ctx.log(`"${user.user}" at ${level}: ${summarise(answer)}`);
        if (answer.kind === 'answered') belowPriv.push(`user "${user.user}" is served at ${level}`);
      }
      if (own !== 'authPriv') {
        const answer = await ctx.step(`v3 user "${user.user}" at its own level ${own}`, () => snmpGet(target, { version: '3', user }, [OID.sysDescr]));
        ctx.log(`"${user.user}" at ${own}: ${summarise(answer)}`);
      }
    }
    const findings = [
      ...(cleartext.length ? [`v1/v2c answered (${cleartext.map(describeCommunity).join(', ')}): communities and data travel in clear`] : []),
      ...(declaredCleartext.length && !cleartext.length ? [`the profile says v${declaredCleartext.join(' and v')} is enabled`] : []),
      ...belowPriv.map((finding) => `${finding}: data travels unencrypted`),
    ];
    const details = { targetSL: ctx.profile.targetSL, listening, communitiesTried: sweep.length, cleartext: cleartext.map(describeCommunity), declaredVersions: target.endpoint.versions, belowPriv };
    if (strict && findings.length > 0) return fail(`at SL ${ctx.profile.targetSL}: ${findings.join('; ')}`, details);
    if (findings.length > 0) return pass(`${listening.how}; at SL 1 recorded as an observation, not a failure: ${findings.join('; ')}`, details);
    return pass(`${listening.how}; v1/v2c answered none of ${sweep.length / 2} communities; ${target.endpoint.users.length} v3 user(s), each served at authPriv only`, details);
  },
});
