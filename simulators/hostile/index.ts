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
 */

export const HOSTILE_BEHAVIOURS = ['silent', 'slow-drip', 'reset-mid-frame', 'garbage', 'oversized', 'looping-chain', 'dies-mid-run'] as const;
type Behaviour = (typeof HOSTILE_BEHAVIOURS)[number];

/** How long dies-mid-run lives: long enough for the preflight and the first checks, short enough to die mid-run. */
const LIFETIME_MS = 4_000;
const OVERSIZED_FILLER_LIMIT = 4 * 1024 * 1024;

function oversizedHeader(kind: 'opcua' | 'modbus' | 'tls'): Buffer {
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

function plausibleStart(kind: 'opcua' | 'modbus' | 'tls'): Buffer {
  if (kind === 'opcua') return Buffer.from('ACKF\x1c\x00\x00\x00\x00\x00', 'binary');
  if (kind === 'modbus') return Buffer.from([0x00, 0x01, 0x00, 0x00, 0x00, 0x05, 0x01]);
  return Buffer.from([0x16, 0x03, 0x03, 0x00, 0x40, 0x02, 0x00]);
}

interface Tracker {
  sockets: Set<Socket>;
  timers: Set<NodeJS.Timeout>;
}

function behave(behaviour: Behaviour, kind: 'opcua' | 'modbus' | 'tls', socket: Socket, tracker: Tracker): void {
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

async function start(options: SimulatorStartOptions): Promise<RunningSimulator> {
  const behaviour = options.profile as Behaviour;
  if (!HOSTILE_BEHAVIOURS.includes(behaviour)) throw new Error(`unknown hostile behaviour ${options.profile}`);
  const tracker: Tracker = { sockets: new Set(), timers: new Set() };
  const servers: Server[] = [];
  const serve = async (kind: 'opcua' | 'modbus' | 'tls', port?: number): Promise<number> => {
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

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const timer of tracker.timers) clearInterval(timer);
    for (const socket of tracker.sockets) socket.destroy();
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
    },
    openPorts: [opcuaPort, modbusPort, tlsPort],
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
    scan: { ports: `${opcuaPort},${modbusPort},${tlsPort}` },
    simulator: { kind: 'hostile', profile: behaviour },
  };
  return { kind: 'hostile', profileName: behaviour, host: options.host, ports: [opcuaPort, modbusPort, tlsPort], profile, stop };
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
