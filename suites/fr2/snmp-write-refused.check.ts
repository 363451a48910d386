import { defineCheck, fail, pass } from '../../core/check.js';
import { setSameValue, type SnmpCredentials } from '../../adapters/snmp/client.js';
import { DEFAULT_WRITE_PROBE } from '../../adapters/snmp/endpoint.js';
import { describeCommunity, loadCommunities, proveListening, readOnlyUsers, snmpTarget, summarise, sweepCommunities } from '../../adapters/snmp/target.js';

const COMMUNITIES = loadCommunities(new URL('../data/snmp-default-communities.json', import.meta.url));

export default defineCheck({
  id: 'snmp.authorization.write-refused',
  requirement: 'CR 2.1',
  sl: [1, 2, 3, 4],
  protocol: 'snmp',
  disruptive: true,
  title: 'SNMP refuses writes by communities and read-only users',
  expectation:
    'A SET of the value just read (endpoints.snmp.writeProbe, default sysContact.0) is refused for every community the agent answers, the profile\'s included, and for every v3 user the profile documents as a viewer',
  timeoutMs: 90_000,
  async run(ctx) {
    const target = snmpTarget(ctx);
    const oid = target.endpoint.writeProbe ?? DEFAULT_WRITE_PROBE;
    const listening = await proveListening(ctx, target, target.endpoint);
    const sweep = await ctx.step('which communities does the agent answer?', () => sweepCommunities(target, COMMUNITIES, target.endpoint.community));
    const readers = sweep.filter((result) => result.answer.kind === 'answered');
    const candidates: Array<{ label: string; credentials: SnmpCredentials }> = [
      ...readers.map((result) => ({ label: describeCommunity(result), credentials: { version: result.version, community: result.fromProfile ? target.endpoint.community! : result.community } as SnmpCredentials })),
      ...readOnlyUsers(target.endpoint).map((user) => ({ label: `v3 viewer "${user.user}"`, credentials: { version: '3', user } as SnmpCredentials })),
    ];
    const outcomes: Array<{ label: string; read: string; write: string }> = [];
    for (const candidate of candidates) {
      ctx.throwIfAborted();
      const result = await ctx.step(`SET ${oid} to the value just read, as ${candidate.label}`, () => setSameValue(target, candidate.credentials, oid, { kind: 'disruptive' }));
      outcomes.push({ label: candidate.label, read: summarise(result.read), write: result.write ? summarise(result.write) : 'not sent (the read failed)' });
    }
    for (const outcome of outcomes) ctx.log(`${outcome.label}: read ${outcome.read}; write ${outcome.write}`);
    const accepted = outcomes.filter((outcome) => outcome.write.startsWith('answered'));
    const details = { oid, listening, communitiesAnswered: readers.map(describeCommunity), outcomes };
    if (accepted.length > 0) return fail(`a SET of ${oid} was accepted for ${accepted.map((outcome) => outcome.label).join(', ')}`, details);
    if (candidates.length > 0 && outcomes.every((outcome) => outcome.write.startsWith('not sent'))) throw new Error(`${oid} could not be read with any credential that is answered (${outcomes.map((outcome) => `${outcome.label}: ${outcome.read}`).join('; ')}), so there is no value to write back: name a readable object in endpoints.snmp.writeProbe`);
    if (candidates.length === 0) return pass(`${listening.how}; no community is answered at all (${sweep.length} tried) and no viewer is documented, so no write can be made with one`, details);
    return pass(`SET of ${oid} (the value just read) refused for ${outcomes.map((outcome) => `${outcome.label} (${outcome.write})`).join(', ')}`, details);
  },
});
