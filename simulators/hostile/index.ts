import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { randomBytes } from 'node:crypto';
import { generateKeyPairSync } from 'node:crypto';
import { issueCertificate } from '../../adapters/pki/certificates.js';
import type { ProfileInput } from '../../core/profile/schema.js';
import type { RunningSimulator, SimulatorDefinition, SimulatorStartOptions } from '../types.js';

/**
 * Hostile targets: devices that misbehave at the transport level on every port they serve (OPC UA, Modbus and a TLS
 * service). Every check against them must end within its timeout as error — never pass, never crash the harness.
 *
 * silent            accepts connections and never sends a byte
 * slow-drip         answers one byte per second, forever
 * reset-mid-frame   answers the start of a frame, then resets the connection
 * garbage           answers every request with random bytes
 * oversized         answers with a header that announces a huge frame, then a stream of filler
 * looping-chain     a TLS service whose certificate chain loops (A issued by B, B issued by A); other ports: garbage
 * dies-mid-run      behaves like silent, then stops serving altogether after a few seconds
 * The device also has an SSH service (reset-mid-frame: it closes during the handshake) and an SNMP agent on UDP.
 */

export const HOSTILE_BEHAVIOURS = ['silent', 'slow-drip', 'reset-mid-frame', 'garbage', 'oversized', 'looping-chain', 'dies-mid-run'] as const;
type Behaviour = (typeof HOSTILE_BEHAVIOURS)[number];

/** How long dies-mid-run lives: long enough for the preflight and the first checks, short enough to die mid-run. */
const LIFETIME_MS = 4_000;
const OVERSIZED_FILLER_LIMIT = 4 * 1024 * 1024;

type Kind = 'opcua' | 'modbus' | 'tls' | 'ssh';

function oversizedHeader(kind: Kind): Buffer {
  // An identification, then a binary packet that claims 2 GiB.
  if (kind === 'ssh') return Buffer.concat([Buffer.from('SSH-2.0-Hostile_1.0\r\n'), Buffer.from([0x7f, 0xff, 0xff, 0xff, 0x04, 0x14])]);
  if (kind === 'opcua') {
    // An acknowledge message claiming 2 GiB.
    const header = Buffer.alloc(8);
    header.write('ACKF', 0, 'ascii');
    header.writeUInt32LE(0x7fffffff, 4);
    return header;
  }
  if (kind === 'modbus') return Buffer.from([0x00, 0x01, 0x00, 0x00, 0xff, 0xff, 0x01, 0x03]);
  // A TLS handshake record of the largest length the field can hold.
  return Buffer.from([0x16, 0x03, 0x03, 0xff, 0xff, 0x02]);
}

function plausibleStart(kind: Kind): Buffer {
  // An SSH server that closes during the handshake: identification, then the first bytes of its KEXINIT.
  if (kind === 'ssh') return Buffer.concat([Buffer.from('SSH-2.0-Hostile_1.0\r\n'), Buffer.from([0x00, 0x00, 0x01, 0x2c, 0x06, 0x14])]);
  if (kind === 'opcua') return Buffer.from('ACKF\x1c\x00\x00\x00\x00\x00', 'binary');
  if (kind === 'modbus') return Buffer.from([0x00, 0x01, 0x00, 0x00, 0x00, 0x05, 0x01]);
  return Buffer.from([0x16, 0x03, 0x03, 0x00, 0x40, 0x02, 0x00]);
}

interface Tracker {
  sockets: Set<Socket>;
  timers: Set<NodeJS.Timeout>;
}

function behave(behaviour: Behaviour, kind: Kind, socket: Socket, tracker: Tracker): void {
  tracker.sockets.add(socket);
  socket.on('close', () => tracker.sockets.delete(socket));
  socket.on('error', () => undefined);
  switch (behaviour) {
    case 'silent':
    case 'dies-mid-run':
      socket.resume();
      return;
    case 'slow-drip': {
      socket.resume();
      const timer = setInterval(() => socket.writable && socket.write(Buffer.from([0x41])), 1_000);
      tracker.timers.add(timer);
      socket.on('close', () => {
        clearInterval(timer);
        tracker.timers.delete(timer);
      });
      return;
    }
    case 'reset-mid-frame':
      socket.once('data', () => {
        socket.write(plausibleStart(kind), () => socket.resetAndDestroy());
      });
      return;
    case 'garbage':
    case 'looping-chain':
      socket.on('data', () => socket.writable && socket.write(randomBytes(64)));
      return;
    case 'oversized':
      socket.once('data', () => {
        socket.write(oversizedHeader(kind));
        let sent = 0;
        const pump = () => {
          while (socket.writable && sent < OVERSIZED_FILLER_LIMIT) {
            sent += 16_384;
            if (!socket.write(Buffer.alloc(16_384, 0x5a))) {
              socket.once('drain', pump);
              return;
            }
          }
        };
        pump();
      });
      socket.resume();
      return;
  }
}

function listen(server: Server, host: string, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** Two certificates that issue each other, so a naive chain walk never ends. */
function loopingChain(host: string): { key: string; cert: string } {
  const keyA = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const keyB = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const firstB = issueCertificate({ commonName: 'Loop B', keyPem: keyB, isCA: true });
  const a = issueCertificate({ commonName: 'Loop A', keyPem: keyA, issuer: firstB, isCA: true, san: { ips: [host] } });
  const b = issueCertificate({ commonName: 'Loop B', keyPem: keyB, issuer: a, isCA: true });
  return { key: keyA, cert: a.certPem + b.certPem };
}

/**
 * The SNMP agent of the hostile device, on UDP: garbage answers random bytes, reset-mid-frame a message cut short,
 * oversized a message whose length field claims 4 GiB; the others never answer.
 */
async function hostileUdpAgent(behaviour: Behaviour, host: string): Promise<{ socket: UdpSocket; port: number }> {
  const socket = createSocket('udp4');
  socket.on('error', () => undefined);
  socket.on('message', (_request, peer) => {
    const answer =
      behaviour === 'garbage'
        ? randomBytes(48)
        : behaviour === 'reset-mid-frame'
          ? Buffer.from([0x30, 0x2c, 0x02, 0x01, 0x01, 0x04])
          : behaviour === 'oversized'
            ? Buffer.concat([Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), Buffer.alloc(1400, 0x5a)])
            : undefined;
    if (answer) socket.send(answer, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, host, () => resolve()));
  return { socket, port: socket.address().port };
}

async function start(options: SimulatorStartOptions): Promise<RunningSimulator> {
  const behaviour = options.profile as Behaviour;
  if (!HOSTILE_BEHAVIOURS.includes(behaviour)) throw new Error(`unknown hostile behaviour ${options.profile}`);
  const tracker: Tracker = { sockets: new Set(), timers: new Set() };
  const servers: Server[] = [];
  const serve = async (kind: Kind, port?: number): Promise<number> => {
    const server =
      kind === 'tls' && behaviour === 'looping-chain'
        ? createTlsServer({ ...loopingChain(options.host), minVersion: 'TLSv1.2' }, (socket) => behave('garbage', kind, socket, tracker))
        : createNetServer((socket) => behave(behaviour, kind, socket, tracker));
    if (kind === 'tls' && behaviour === 'looping-chain') server.on('tlsClientError', () => undefined);
    servers.push(server);
    return listen(server, options.host, port);
  };
  const opcuaPort = await serve('opcua', options.port);
  const modbusPort = await serve('modbus');
  const tlsPort = await serve('tls');
  const sshPort = await serve('ssh');
  const snmp = await hostileUdpAgent(behaviour, options.host);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const timer of tracker.timers) clearInterval(timer);
    for (const socket of tracker.sockets) socket.destroy();
    snmp.socket.close();
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  };
  if (behaviour === 'dies-mid-run') {
    const death = setTimeout(() => void stop(), LIFETIME_MS);
    tracker.timers.add(death);
  }

  const profile: ProfileInput = {
    component: { name: `Hostile device (${behaviour})`, vendor: 'iec62443-harness', model: 'hostile', firmware: '0', type: 'embedded-device' },
    targetSL: 4,
    host: options.host,
    endpoints: {
      opcua: { url: `opc.tcp://${options.host}:${opcuaPort}` },
      modbus: { port: modbusPort, unitId: 1 },
      tls: [{ name: 'web-ui', port: tlsPort }],
      ssh: { port: sshPort, lockout: { threshold: 3, durationS: 2 } },
      snmp: { port: snmp.port, versions: ['3'], users: [{ user: 'monitor', authProtocol: 'sha256', authKey: 'Hostile-Auth-1', privProtocol: 'aes', privKey: 'Hostile-Priv-1', role: 'viewer' }] },
    },
    openPorts: [opcuaPort, modbusPort, tlsPort, sshPort],
    accounts: [
      { role: 'admin', username: 'admin', password: 'Hostile-Admin-1' },
      { role: 'operator', username: 'operator', password: 'Hostile-Operator-1' },
      { role: 'viewer', username: 'viewer', password: 'Hostile-Viewer-1' },
      { role: 'lockout', username: 'lockme', password: 'Hostile-Lockout-1' },
    ],
    essentialFunctions: [{ name: 'read level', modbus: { read: 'holding', address: 0, count: 1 }, maxLatencyMs: 200 }],
    disruptive: true,
    timeouts: { connectMs: 1_000, requestMs: 1_000, checkMs: 6_000 },
    load: { ratePerSecond: 50, durationMs: 1_000, sampleIntervalMs: 100, lossTolerance: 0.05, fuzzCasesPerSecond: 200 },
    scan: { ports: `${opcuaPort},${modbusPort},${tlsPort},${sshPort}` },
    simulator: { kind: 'hostile', profile: behaviour },
  };
  return { kind: 'hostile', profileName: behaviour, host: options.host, ports: [opcuaPort, modbusPort, tlsPort, sshPort, snmp.port], profile, stop };
}

const hostile: SimulatorDefinition = {
  kind: 'hostile',
  description: 'devices that misbehave at the transport level, for robustness tests of the harness itself',
  profiles: HOSTILE_BEHAVIOURS,
  defaultProfile: 'silent',
  embedded: false,
  start,
};

export default hostile;
