import { randomBytes, randomInt } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import snmp from 'net-snmp';
import type { SnmpUser } from '../../adapters/snmp/endpoint.js';
import type { ProfileInput } from '../../core/profile/schema.js';
import type { RunningSimulator, SimulatorDefinition, SimulatorStartOptions } from '../types.js';
import { otherLoopbackHost } from '../../core/net/loopback.js';

/**
 * The SNMP agent of a field device, on UDP, built on net-snmp's agent.
 * hardened: SNMPv3 only, every user authPriv with SHA-2 authentication and AES privacy, read-only access, no
 *   community at all; sysDescr, sysObjectID and sysName identify the device and its firmware. User names, keys,
 *   protocols (among the sound ones) and the firmware are drawn anew at every start.
 * weak: every flaw below at once; weak-<flaw>: the hardened agent with that one flaw.
 * Every SetRequest the agent processes is counted, so a test can show that a run wrote nothing.
 */

export const SNMP_FLAWS = [
  /** v1/v2c answer the factory community "public" (so v1/v2c are on as well). */
  'community',
  /** A read-write v2c community: a SET with it is applied (the community itself is not a default one). */
  'write',
  /** v2c is on, with a strong read-only community the vendor documents. */
  'v2c',
  /** A v3 user that works without privacy (authNoPriv). */
  'no-privacy',
  /** A v3 user authenticated with HMAC-MD5. */
  'md5',
  /** sysDescr, sysObjectID and sysName say nothing about the device. */
  'sysinfo',
  /** net-snmp's disableAuthorization: requests without authentication are served whoever sends them. */
  'any-user',
] as const;
export type SnmpFlaw = (typeof SNMP_FLAWS)[number];
export const SNMP_PROFILES = ['hardened', 'weak', ...SNMP_FLAWS.map((flaw) => `weak-${flaw}` as const)] as const;

const INTERFACE = 'snmp';
const ENTERPRISE = '1.3.6.1.4.1.99999';

export interface SnmpSimulatorCounters {
  /** SetRequests that passed the agent's authentication (accepted or refused by access control). */
  setRequests: number;
  /** SETs that changed or rewrote a value. */
  setsApplied: number;
}

export interface RunningSnmpSimulator extends RunningSimulator {
  counters: SnmpSimulatorCounters;
}

/** net-snmp binds 161 when asked for port 0, so a free port is found first (and bound right after). */
function freeUdpPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createSocket('udp4');
    probe.once('error', reject);
    probe.bind(0, host, () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function flawsOf(profile: string): Set<SnmpFlaw> {
  if (profile === 'hardened') return new Set();
  if (profile === 'weak') return new Set(SNMP_FLAWS);
  const flaw = profile.slice('weak-'.length) as SnmpFlaw;
  if (!profile.startsWith('weak-') || !SNMP_FLAWS.includes(flaw)) throw new Error(`snmp simulator: unknown profile "${profile}" (known: ${SNMP_PROFILES.join(', ')})`);
  return new Set([flaw]);
}

const secret = () => randomBytes(12).toString('base64url');
const pick = <T>(values: readonly T[]): T => values[randomInt(0, values.length)]!;

function netSnmpUser(user: SnmpUser): Record<string, unknown> {
  const level = user.privProtocol ? 'authPriv' : user.authProtocol ? 'authNoPriv' : 'noAuthNoPriv';
  return {
    name: user.user,
    level: snmp.SecurityLevel[level],
    ...(user.authProtocol ? { authProtocol: snmp.AuthProtocols[user.authProtocol], authKey: user.authKey } : {}),
    ...(user.privProtocol ? { privProtocol: snmp.PrivProtocols[user.privProtocol], privKey: user.privKey } : {}),
  };
}

async function start(startOptions: SimulatorStartOptions): Promise<RunningSnmpSimulator> {
  const flaws = flawsOf(startOptions.profile);
  const { host } = startOptions;
  const firmware = startOptions.identity?.firmware ?? `${randomInt(1, 9)}.${randomInt(0, 10)}.${randomInt(0, 30)}`;
  const serial = randomBytes(3).toString('hex').toUpperCase();

  const users: SnmpUser[] = [
    {
      user: `mon-${randomBytes(2).toString('hex')}`,
      level: 'authPriv',
      authProtocol: flaws.has('md5') ? 'md5' : pick(['sha', 'sha256', 'sha512'] as const),
      authKey: secret(),
      privProtocol: pick(['aes', 'aes256b'] as const),
      privKey: secret(),
      role: 'viewer',
    },
  ];
  if (flaws.has('no-privacy')) users.push({ user: `nms-${randomBytes(2).toString('hex')}`, level: 'authNoPriv', authProtocol: 'sha256', authKey: secret(), role: 'viewer' });
  const communities: Array<{ community: string; access: 'ro' | 'rw'; documented: boolean }> = [];
  if (flaws.has('community')) communities.push({ community: 'public', access: 'ro', documented: false });
  if (flaws.has('write')) communities.push({ community: `rw-${secret()}`, access: 'rw', documented: true });
  if (flaws.has('v2c')) communities.push({ community: `ro-${secret()}`, access: 'ro', documented: true });
  if (flaws.size > 1) communities.push({ community: 'private', access: 'rw', documented: false });

  const counters: SnmpSimulatorCounters = { setRequests: 0, setsApplied: 0 };
  const agent = snmp.createAgent(
    { port: startOptions.port || (await freeUdpPort(host)), address: host, disableAuthorization: flaws.has('any-user'), accessControlModelType: snmp.AccessControlModelType.Simple, engineID: `8000B98380${randomBytes(8).toString('hex')}` },
    () => undefined,
  );
  const authorizer = agent.getAuthorizer();
  const access = authorizer.getAccessControlModel();
  for (const { community, access: level } of communities) {
    authorizer.addCommunity(community);
    access.setCommunityAccess(community, level === 'rw' ? snmp.AccessLevel.ReadWrite : snmp.AccessLevel.ReadOnly);
  }
  for (const user of users) {
    authorizer.addUser(netSnmpUser(user));
    access.setUserAccess(user.user, snmp.AccessLevel.ReadOnly);
  }
  if (flaws.has('any-user')) {
    // With authorization disabled, net-snmp takes any unauthenticated v3 request for the empty user name.
    authorizer.addUser({ name: '', level: snmp.SecurityLevel.noAuthNoPriv });
    access.setUserAccess('', snmp.AccessLevel.ReadOnly);
  }

  const startedAt = Date.now();
  const seenSets = new WeakSet<object>();
  const scalar = (name: string, oid: string, scalarType: number, value: unknown, writable = false) => {
    agent.getMib().registerProvider({
      name,
      type: snmp.MibProviderType.Scalar,
      oid,
      scalarType,
      maxAccess: writable ? snmp.MaxAccess['read-write'] : snmp.MaxAccess['read-only'],
      handler: (request: { operation: number; instanceNode: { value: unknown }; done: () => void }) => {
        // net-snmp calls the handler more than once for one SET (its phases share the request object).
        if (request.operation === snmp.PduType.SetRequest && !seenSets.has(request)) {
          seenSets.add(request);
          counters.setsApplied += 1;
        }
        if (name === 'sysUpTime') request.instanceNode.value = Math.floor((Date.now() - startedAt) / 10);
        request.done();
      },
    });
    agent.getMib().setScalarValue(name, value);
  };
  const blank = flaws.has('sysinfo');
  scalar('sysDescr', '1.3.6.1.2.1.1.1', snmp.ObjectType.OctetString, blank ? '' : `Simulated field device, SNMP agent, firmware ${firmware}, serial ${serial}`);
  scalar('sysObjectID', '1.3.6.1.2.1.1.2', snmp.ObjectType.OID, blank ? '0.0' : `${ENTERPRISE}.1.${randomInt(1, 100)}`);
  scalar('sysUpTime', '1.3.6.1.2.1.1.3', snmp.ObjectType.TimeTicks, 0);
  scalar('sysContact', '1.3.6.1.2.1.1.4', snmp.ObjectType.OctetString, 'plant-it@example.invalid', true);
  scalar('sysName', '1.3.6.1.2.1.1.5', snmp.ObjectType.OctetString, blank ? '' : `device-${serial.toLowerCase()}`, true);
  scalar('sysLocation', '1.3.6.1.2.1.1.6', snmp.ObjectType.OctetString, 'hall 2, cabinet 7', true);

  const originalSet = agent.setRequest.bind(agent);
  agent.setRequest = (...args: unknown[]) => {
    counters.setRequests += 1;
    return originalSet(...args);
  };

  const sockets = Object.values(agent.listener.sockets as Record<string, UdpSocket>);
  try {
    await Promise.all(
      sockets.map(
        (socket) =>
          new Promise<void>((resolve, reject) => {
            socket.once('listening', () => resolve());
            socket.once('error', reject);
          }),
      ),
    );
  } catch (error) {
    agent.close();
    throw error;
  }
  const port = sockets[0]!.address().port;

  const documentedCommunity = communities.find((entry) => entry.documented)?.community;
  const versions = communities.length > 0 ? ['2c', '3'] : ['3'];
  const description = {
    component: { name: `SNMP agent simulator (${startOptions.profile})`, vendor: startOptions.identity?.vendor ?? 'iec62443-harness', model: startOptions.identity?.model ?? 'snmp-sim', firmware, type: 'embedded-device' },
    targetSL: 2,
    host,
    endpoints: {
      snmp: {
        name: INTERFACE,
        port,
        // A vendor that left "public" on does not document it; the flaw is found, not declared.
        versions: documentedCommunity ? versions : ['3'],
        ...(documentedCommunity ? { community: documentedCommunity } : {}),
        users,
      },
    },
    openPorts: [],
    essentialFunctions: [{ name: 'read uptime', snmp: { oid: '1.3.6.1.2.1.1.3.0' }, maxLatencyMs: 500 }],
    timeouts: { connectMs: 2_000, requestMs: 2_000 },
    // Listeners of the machine (they answer on every loopback address) are not the simulated device's ports.
    scan: { controlHost: otherLoopbackHost(host) },
    simulator: { kind: 'snmp', profile: startOptions.profile },
  } as unknown as ProfileInput;

  let stopped: Promise<void> | undefined;
  return {
    kind: 'snmp',
    profileName: startOptions.profile,
    host,
    ports: [port],
    profile: description,
    counters,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        let open = sockets.length;
        if (open === 0) return resolve();
        for (const socket of sockets) socket.once('close', () => --open === 0 && resolve());
        agent.close();
      });
      return stopped;
    },
  };
}

const definition: SimulatorDefinition = {
  kind: 'snmp',
  description:
    'SNMP agent of a field device (UDP): hardened (v3 only, authPriv with SHA-2 and AES, read-only, identifying system group) or weak (community "public", a read-write community, v2c, a v3 user without privacy, HMAC-MD5, an empty system group, unauthenticated requests served); weak-<flaw> for one flaw',
  profiles: SNMP_PROFILES,
  defaultProfile: 'hardened',
  start,
};

export default definition;
