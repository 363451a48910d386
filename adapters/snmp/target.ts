import { readFileSync } from 'node:fs';
import type { CheckContext } from '../../core/check.js';
import { OID, snmpGet, type SnmpAnswer, type SnmpCredentials, type SnmpTarget } from './client.js';
import { levelOf, type SnmpEndpoint, type SnmpUser } from './endpoint.js';

/**
 * What the SNMP checks share: the interface under test, community sweeps sent in parallel (UDP costs a timeout per
 * silent request, not per answer), and the positive control that shows the agent is listening before silence is
 * taken for refusal.
 */

export interface SnmpCheckTarget extends SnmpTarget {
  endpoint: SnmpEndpoint;
  /** True when the interface comes from openPorts listing 161, not from endpoints.snmp. */
  implied: boolean;
}

export function snmpTarget(ctx: CheckContext): SnmpCheckTarget {
  const endpoint = ctx.interface.endpoint as SnmpEndpoint & { implied?: boolean };
  // Requests go out in parallel, so their silences overlap: only the time not counted yet is declared.
  let countedUntil = 0;
  const onSilence = (waitedMs: number) => {
    const end = Date.now();
    const start = Math.max(end - waitedMs, countedUntil);
    if (end > start) ctx.designedWait(end - start, 'an unanswered SNMP request waits out its timeout: silence is how an agent refuses');
    countedUntil = Math.max(countedUntil, end);
  };
  return { endpoint, implied: endpoint.implied === true, host: ctx.host, port: endpoint.port, timeoutMs: ctx.settings.requestTimeoutMs, signal: ctx.signal, onSilence };
}

export function loadCommunities(url: URL): string[] {
  return (JSON.parse(readFileSync(url, 'utf8')) as { communities: string[] }).communities;
}

export interface CommunityResult {
  version: '1' | '2c';
  /** The community as tried; empty for the profile's own, which is a secret. */
  community: string;
  fromProfile: boolean;
  answer: SnmpAnswer;
}

/**
 * At most this many requests in flight at once. A sweep is a few dozen small datagrams, so it costs one timeout of
 * silence rather than one per community, and stays far below any rate a device would notice.
 */
const PARALLEL = 48;

async function inParallel<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** GET sysDescr.0 with each community over v1 and v2c. */
export function sweepCommunities(target: SnmpTarget, communities: string[], profileCommunity?: string): Promise<CommunityResult[]> {
  const tried = [...new Set([...communities, ...(profileCommunity ? [profileCommunity] : [])])];
  const requests = tried.flatMap((community) => (['1', '2c'] as const).map((version) => ({ version, community })));
  return inParallel(requests, PARALLEL, async ({ version, community }) => ({
    version,
    community: community === profileCommunity ? '' : community,
    fromProfile: community === profileCommunity,
    answer: await snmpGet(target, { version, community }, [OID.sysDescr]),
  }));
}

export const describeCommunity = (result: CommunityResult) => (result.fromProfile ? `v${result.version} with the profile's community` : `v${result.version} "${result.community}"`);

export type ListeningProof =
  | { kind: 'credential'; how: string; credentials: SnmpCredentials }
  | { kind: 'v3-report'; how: string };

/** The credentials the profile gives, strongest first: v3 users at their own level, then the community. */
export function profileCredentials(endpoint: SnmpEndpoint): SnmpCredentials[] {
  return [
    ...endpoint.users.map((user): SnmpCredentials => ({ version: '3', user })),
    ...(endpoint.community ? endpoint.versions.filter((version): version is '1' | '2c' => version !== '3').map((version): SnmpCredentials => ({ version, community: endpoint.community! })) : []),
  ];
}

export const describeCredentials = (credentials: SnmpCredentials) =>
  credentials.version === '3' ? `v3 user "${credentials.user.user}" (${credentials.level ?? levelOf(credentials.user)})` : `v${credentials.version} with the profile's community`;

/**
 * The positive control: a credential from the profile is answered, or, without one, a v3 request by an unknown user
 * is answered with a usmStats report. Either shows that the agent is there and listening, so that silence to the
 * credentials under test is a refusal and not an absent agent.
 */
export async function proveListening(ctx: CheckContext, target: SnmpTarget, endpoint: SnmpEndpoint): Promise<ListeningProof> {
  const tried: string[] = [];
  for (const credentials of profileCredentials(endpoint)) {
    const answer = await ctx.step(`positive control: GET sysDescr.0 as ${describeCredentials(credentials)}`, () => snmpGet(target, credentials, [OID.sysDescr]));
    tried.push(`${describeCredentials(credentials)}: ${summarise(answer)}`);
    if (answer.kind === 'answered') return { kind: 'credential', how: `${describeCredentials(credentials)} is answered`, credentials };
  }
  const probe = await ctx.step('positive control: a v3 request by an unknown user', () => snmpGet(target, { version: '3', user: { user: 'iec62443-listening-probe' }, level: 'noAuthNoPriv' }, [OID.sysDescr]));
  tried.push(`unknown v3 user: ${summarise(probe)}`);
  if (probe.kind === 'usm-report' || probe.kind === 'answered' || probe.kind === 'error-status') return { kind: 'v3-report', how: `the agent answers an unknown v3 user (${summarise(probe)})` };
  throw new Error(`positive control failed: the agent answered nothing that shows it is listening (${tried.join('; ')}), so silence to other requests proves nothing`);
}

export function summarise(answer: SnmpAnswer): string {
  switch (answer.kind) {
    case 'answered':
      return `answered (${answer.values.map((value) => `${value.oid}=${JSON.stringify(value.value)}`).join(', ').slice(0, 120)})`;
    case 'silent':
      return `no answer within ${answer.waitedMs} ms`;
    case 'usm-report':
      return `report ${answer.counter}`;
    case 'error-status':
      return `error-status ${answer.status}`;
  }
}

/** Users of the profile whose documented role allows reading only. */
export const readOnlyUsers = (endpoint: SnmpEndpoint): SnmpUser[] => endpoint.users.filter((user) => user.role === 'viewer');
