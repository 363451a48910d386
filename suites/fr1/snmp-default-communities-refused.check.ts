import { defineCheck, fail, pass } from '../../core/check.js';
import { loadCommunities, proveListening, snmpTarget, sweepCommunities } from '../../adapters/snmp/target.js';

const COMMUNITIES = loadCommunities(new URL('../data/snmp-default-communities.json', import.meta.url));

export default defineCheck({
  id: 'snmp.authenticators.default-communities-refused',
  requirement: 'CR 1.5',
  sl: [1, 2, 3, 4],
  protocol: 'snmp',
  disruptive: false,
  title: 'SNMP answers no factory-default community',
  expectation: `The agent, shown to be listening, answers no v1 or v2c request made with any of ${COMMUNITIES.length} factory-default and common communities (public, private, …)`,
  timeoutMs: 90_000,
  async run(ctx) {
    const target = snmpTarget(ctx);
    const listening = await proveListening(ctx, target, target.endpoint);
    const results = await ctx.step(`${COMMUNITIES.length} communities over v1 and v2c`, () => sweepCommunities(target, COMMUNITIES));
    const answered = results.filter((result) => result.answer.kind === 'answered');
    // Every community tried is from the public list: one that was answered is the finding and is named, even where
    // the profile holds the same value as its own community.
    for (const result of answered) ctx.disclose(result.community, 'SNMP factory-default communities');
    const named = answered.map((result) => `v${result.version} "${result.community}"${result.fromProfile ? " (also the profile's community)" : ''}`);
    const details = { listening, tried: results.length, answered: named };
    if (answered.length > 0) return fail(`factory-default communities answered on ${ctx.host}:${target.port}/udp: ${named.join(', ')}`, details);
    return pass(`${listening.how}; none of ${COMMUNITIES.length} default communities was answered over v1 or v2c`, details);
  },
});
