import { randomInt } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { issueCertificate } from '../../adapters/pki/certificates.js';
import {
  Command,
  decodeCipRequest,
  decodeCpf,
  decodeHeader,
  decodePath,
  EncapStatus,
  encodeCipResponse,
  encodeCpf,
  encodeFrame,
  encodeIdentityAttributes,
  encodeListIdentityItem,
  encodeServiceItem,
  GeneralStatus,
  HEADER_LENGTH,
  ItemType,
  Service,
  type EncapFrame,
  type IdentityAttributes,
} from '../../adapters/enip/wire.js';
import type { ProfileInput } from '../../core/profile/schema.js';
import type { RunningSimulator, SimulatorDefinition, SimulatorStartOptions } from '../types.js';
import { otherLoopbackHost } from '../../core/net/loopback.js';

/**
 * The EtherNet/IP adapter of a field device: the encapsulation on TCP, CIP explicit messaging (Identity object and a
 * vendor object with a process value and two settable attributes), and CIP Security as EtherNet/IP inside TLS.
 * hardened: unsecured explicit messages may read but not write (Set_Attribute_Single answers 0x0F privilege violation;
 *   writes need an authenticated CIP Security session, i.e. a client certificate the device trusts); sessions capped
 *   and registrations rate-limited; every malformed header or request answered with the status the encapsulation and
 *   CIP prescribe. The session cap, identity values and the firmware revision are drawn anew at every start.
 * weak: every flaw below at once; weak-<flaw>: the hardened adapter with that one flaw.
 * Processing takes time on the simulated device's one CPU (a queue), so a storm costs what it would on a real one.
 */

export const ENIP_FLAWS = [
  /** Set_Attribute_Single is applied on the unsecured port, from anyone. */
  'unauthenticated-write',
  /** No session cap and no registration rate limit: every RegisterSession is processed at full cost. */
  'no-session-limit',
  /** A header announcing more data than the stack's receive buffer crashes it (it restarts after a few seconds). */
  'malformed-header',
  /** No CIP Security port; the unsecured port serves everything. */
  'no-cip-security',
  /** The Identity object is blank: vendor 0, product code 0, no product name. */
  'identity',
  /** CIP Security also accepts TLS 1.0 and 1.1 and CBC suites without forward secrecy. */
  'legacy-tls',
  /** The CIP Security device certificate has a 1024-bit RSA key. */
  'short-key',
] as const;
export type EnipFlaw = (typeof ENIP_FLAWS)[number];
export const ENIP_PROFILES = ['hardened', 'weak', ...ENIP_FLAWS.map((flaw) => `weak-${flaw}` as const)] as const;

const INTERFACE = 'enip';
/** The vendor-specific object holding the process data. */
const PROCESS_CLASS = 0x64;
const RECEIVE_BUFFER = 4096;
const PARTIAL_FRAME_TIMEOUT_MS = 2_000;
const RESTART_AFTER_CRASH_MS = 3_000;
/** Simulated CPU cost of one registration (a session table entry, buffers) and of one explicit message. */
const REGISTRATION_COST_MS = 10;
const REQUEST_COST_MS = 1;
/** TLS 1.2 limited to ECDHE with AEAD suites; TLS 1.3 keeps OpenSSL's defaults (all AEAD with ephemeral keys). */
const MODERN_SUITES = 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305';
/** SECLEVEL=0 is what lets this OpenSSL speak TLS 1.0 at all. */
const LEGACY_SUITES = `${MODERN_SUITES}:AES128-SHA:AES256-SHA:@SECLEVEL=0`;
const REGISTRATION_BUCKET = { ratePerSecond: 30, burst: 10 };

export interface EnipSimulatorCounters {
  /** Explicit messages served (SendRRData with a CIP request). */
  requests: number;
  /** Set_Attribute_Single requests received, refused or not. */
  setRequests: number;
  /** Set_Attribute_Single requests that changed a value. */
  setsApplied: number;
}

export interface RunningEnipSimulator extends RunningSimulator {
  counters: EnipSimulatorCounters;
}


function flawsOf(profile: string): Set<EnipFlaw> {
  if (profile === 'hardened') return new Set();
  if (profile === 'weak') return new Set(ENIP_FLAWS);
  const flaw = profile.slice('weak-'.length) as EnipFlaw;
  if (!profile.startsWith('weak-') || !ENIP_FLAWS.includes(flaw)) throw new Error(`enip simulator: unknown profile "${profile}" (known: ${ENIP_PROFILES.join(', ')})`);
  return new Set([flaw]);
}

/** One CPU: jobs run one after the other, each taking its cost in time. */
class Cpu {
  private tail: Promise<void> = Promise.resolve();
  private readonly timers = new Set<NodeJS.Timeout>();
  run<T>(costMs: number, job: () => T): Promise<T> {
    const result = this.tail.then(
      () =>
        new Promise<T>((resolve) => {
          const timer = setTimeout(() => {
            this.timers.delete(timer);
            resolve(job());
          }, costMs);
          this.timers.add(timer);
        }),
    );
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
  }
}

class TokenBucket {
  private tokens: number;
  private last = Date.now();
  constructor(private readonly spec: { ratePerSecond: number; burst: number }) {
    this.tokens = spec.burst;
  }
  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.spec.burst, this.tokens + ((now - this.last) / 1000) * this.spec.ratePerSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

async function start(options: SimulatorStartOptions): Promise<RunningEnipSimulator> {
  const flaws = flawsOf(options.profile);
  const { host } = options;
  // The identity a composed component gives every part (the embedded default's PLC), where the harness passes one.
  const given = options.identity;
  const givenRevision = /^v?(\d+)\.(\d+)/i.exec(given?.firmware ?? '');
  const revision = givenRevision ? { major: Number(givenRevision[1]) & 0xff, minor: Number(givenRevision[2]) & 0xff } : { major: randomInt(2, 30), minor: randomInt(1, 100) };
  const identity: IdentityAttributes = flaws.has('identity')
    ? { vendorId: 0, deviceType: 0, productCode: 0, revision, status: 0x0060, serialNumber: 0, productName: '' }
    : { vendorId: randomInt(1, 1500), deviceType: 0x0c, productCode: randomInt(1, 9999), revision, status: 0x0060, serialNumber: randomInt(1, 0x7fffffff), productName: given?.model ?? `EIP Adapter ${randomInt(100, 999)}` };
  const maxSessions = randomInt(6, 13);
  const processObject = new Map<number, Buffer>([
    [1, Buffer.alloc(2)],
    [2, Buffer.from([0, 0])],
    [3, Buffer.from([0x2c, 0x01])],
  ]);
  const settable = new Set([2, 3]);
  const ticker = setInterval(() => processObject.get(1)!.writeUInt16LE((processObject.get(1)!.readUInt16LE(0) + 1) & 0xffff, 0), 100);

  const counters: EnipSimulatorCounters = { requests: 0, setRequests: 0, setsApplied: 0 };
  const cpu = new Cpu();
  const registrations = new TokenBucket(REGISTRATION_BUCKET);
  const sessions = new Map<number, Socket>();
  const sockets = new Set<Socket>();
  let crashed = false;
  let nextSession = randomInt(0x1000, 0x7fff0000);

  const reply = (socket: Socket, request: EncapFrame, status: number, data: Buffer = Buffer.alloc(0), session = request.session) => {
    if (socket.writable) socket.write(encodeFrame({ command: request.command, session, status, context: request.context, data }));
  };

  const attributeOf = (classId: number, instance: number, attribute: number): Buffer | undefined => {
    if (classId === 0x01 && instance === 1) {
      const all = encodeIdentityAttributes(identity);
      const ranges: Record<number, [number, number]> = { 1: [0, 2], 2: [2, 4], 3: [4, 6], 4: [6, 8], 5: [8, 10], 6: [10, 14], 7: [14, all.length] };
      const range = ranges[attribute];
      return range ? all.subarray(range[0], range[1]) : undefined;
    }
    if (classId === PROCESS_CLASS && instance === 1) return processObject.get(attribute);
    return undefined;
  };
  const objectExists = (classId: number, instance: number) => (classId === 0x01 || classId === PROCESS_CLASS) && (instance === 1 || instance === 0);

  const serveCip = (bytes: Buffer, authenticated: boolean): Buffer => {
    const request = decodeCipRequest(bytes);
    if (!request) return encodeCipResponse(bytes[0] ?? 0, GeneralStatus.pathSegmentError);
    const { service } = request;
    counters.requests++;
    if (service === Service.setAttributeSingle) counters.setRequests++;
    const path = decodePath(request.path);
    if (![Service.getAttributesAll, Service.getAttributeSingle, Service.setAttributeSingle].includes(service as 0x01)) return encodeCipResponse(service, GeneralStatus.serviceNotSupported);
    if (!path || path.class === undefined) return encodeCipResponse(service, GeneralStatus.pathSegmentError);
    if (path.class !== 0x01 && path.class !== PROCESS_CLASS) return encodeCipResponse(service, GeneralStatus.pathDestinationUnknown);
    if (path.instance === undefined || !objectExists(path.class, path.instance)) return encodeCipResponse(service, GeneralStatus.objectDoesNotExist);
    if (service === Service.getAttributesAll) {
      if (request.data.length > 0) return encodeCipResponse(service, GeneralStatus.tooMuchData);
      if (path.class === 0x01 && path.instance === 1) return encodeCipResponse(service, GeneralStatus.success, encodeIdentityAttributes(identity));
      return encodeCipResponse(service, GeneralStatus.serviceNotSupported);
    }
    if (path.attribute === undefined) return encodeCipResponse(service, GeneralStatus.pathSegmentError);
    const value = attributeOf(path.class, path.instance, path.attribute);
    if (!value) return encodeCipResponse(service, GeneralStatus.attributeNotSupported);
    if (service === Service.getAttributeSingle) {
      if (request.data.length > 0) return encodeCipResponse(service, GeneralStatus.tooMuchData);
      return encodeCipResponse(service, GeneralStatus.success, value);
    }
    // Set_Attribute_Single: an unsecured (or unauthenticated) originator may not change state.
    if (!authenticated && !flaws.has('unauthenticated-write')) return encodeCipResponse(service, GeneralStatus.privilegeViolation);
    if (path.class !== PROCESS_CLASS || !settable.has(path.attribute)) return encodeCipResponse(service, GeneralStatus.attributeNotSettable);
    if (request.data.length < value.length) return encodeCipResponse(service, GeneralStatus.notEnoughData);
    if (request.data.length > value.length) return encodeCipResponse(service, GeneralStatus.tooMuchData);
    request.data.copy(value);
    counters.setsApplied++;
    return encodeCipResponse(service, GeneralStatus.success);
  };

  const crash = () => {
    crashed = true;
    for (const socket of sockets) socket.destroy();
    sessions.clear();
    plain.close();
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (stopping) return;
      plain.listen(port, host, () => (crashed = false));
    }, RESTART_AFTER_CRASH_MS);
    timers.add(timer);
  };

  const handleFrame = (socket: Socket, frame: EncapFrame, state: { session: number }, authenticated: boolean) => {
    switch (frame.command) {
      case Command.nop:
        return;
      case Command.listIdentity:
        return reply(socket, frame, EncapStatus.success, encodeCpf([{ type: ItemType.identity, data: encodeListIdentityItem(identity, { ip: host, port: socket.localPort ?? 44818 }) }]), 0);
      case Command.listServices:
        return reply(socket, frame, EncapStatus.success, encodeCpf([{ type: ItemType.services, data: encodeServiceItem('Communications', 0x20) }]), 0);
      case Command.listInterfaces:
        return reply(socket, frame, EncapStatus.success, encodeCpf([]), 0);
      case Command.registerSession: {
        if (frame.length !== 4) return reply(socket, frame, EncapStatus.invalidLength, Buffer.alloc(0), 0);
        if (frame.data.readUInt16LE(0) !== 1) return reply(socket, frame, EncapStatus.unsupportedProtocol, Buffer.from([1, 0, 0, 0]), 0);
        const limited = !flaws.has('no-session-limit');
        if (limited && (sessions.size >= maxSessions || !registrations.take())) return reply(socket, frame, EncapStatus.insufficientMemory, frame.data, 0);
        void cpu.run(REGISTRATION_COST_MS, () => {
          if (socket.destroyed) return;
          if (state.session) sessions.delete(state.session);
          state.session = nextSession++;
          sessions.set(state.session, socket);
          reply(socket, frame, EncapStatus.success, frame.data, state.session);
        });
        return;
      }
      case Command.unRegisterSession:
        if (frame.session === state.session && state.session !== 0) {
          sessions.delete(state.session);
          state.session = 0;
          socket.end();
        }
        return;
      case Command.sendRRData:
      case Command.sendUnitData: {
        if (frame.session === 0 || frame.session !== state.session) return reply(socket, frame, EncapStatus.invalidSession);
        if (frame.command === Command.sendUnitData) return reply(socket, frame, EncapStatus.invalidCommand);
        const items = frame.data.length >= 6 ? decodeCpf(frame.data.subarray(6)) : undefined;
        const message = items?.find((item) => item.type === ItemType.unconnectedData)?.data;
        if (!items || !message || !items.some((item) => item.type === ItemType.nullAddress)) return reply(socket, frame, EncapStatus.incorrectData);
        void cpu.run(REQUEST_COST_MS, () => {
          const response = serveCip(message, authenticated);
          reply(socket, frame, EncapStatus.success, Buffer.concat([frame.data.subarray(0, 6), encodeCpf([{ type: ItemType.nullAddress, data: Buffer.alloc(0) }, { type: ItemType.unconnectedData, data: response }])]));
        });
        return;
      }
      default:
        return reply(socket, frame, EncapStatus.invalidCommand);
    }
  };

  const timers = new Set<NodeJS.Timeout>();
  let stopping = false;

  const serve = (socket: Socket, authenticated: () => boolean) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const state = { session: 0 };
    let buffer = Buffer.alloc(0);
    let partial: NodeJS.Timeout | undefined;
    const clearPartial = () => {
      if (partial) clearTimeout(partial);
      if (partial) timers.delete(partial);
      partial = undefined;
    };
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearPartial();
      sockets.delete(socket);
      if (state.session) sessions.delete(state.session);
    });
    socket.on('data', (chunk: Buffer) => {
      if (crashed) return;
      buffer = Buffer.concat([buffer, chunk]);
      clearPartial();
      while (buffer.length >= HEADER_LENGTH) {
        const header = decodeHeader(buffer);
        if (header.length > RECEIVE_BUFFER - HEADER_LENGTH) {
          if (flaws.has('malformed-header')) return crash();
          // The stack cannot hold the message: say so and drop the connection, whose stream can no longer be framed.
          reply(socket, { ...header, data: Buffer.alloc(0) }, EncapStatus.invalidLength);
          socket.end();
          buffer = Buffer.alloc(0);
          return;
        }
        if (buffer.length < HEADER_LENGTH + header.length) break;
        const frame: EncapFrame = { ...header, data: Buffer.from(buffer.subarray(HEADER_LENGTH, HEADER_LENGTH + header.length)) };
        buffer = buffer.subarray(HEADER_LENGTH + header.length);
        // A request with a non-zero status is to be ignored, as the encapsulation prescribes.
        if (frame.status !== 0) continue;
        handleFrame(socket, frame, state, authenticated());
      }
      if (buffer.length > 0) {
        partial = setTimeout(() => socket.destroy(), PARTIAL_FRAME_TIMEOUT_MS);
        timers.add(partial);
      }
    });
  };

  const plain: Server = createNetServer((socket) => serve(socket, () => false));
  const port = await listen(plain, host, options.port ?? 0);
  plain.on('error', () => undefined);

  // ListIdentity over UDP on the same port number, as a real adapter answers discovery; left out if that UDP port is taken.
  const udp = await bindUdp(host, port);
  udp?.on('message', (message, peer) => {
    if (message.length < HEADER_LENGTH || crashed) return;
    const header = decodeHeader(message);
    if (header.command !== Command.listIdentity || header.status !== 0) return;
    udp.send(encodeFrame({ command: Command.listIdentity, context: header.context, data: encodeCpf([{ type: ItemType.identity, data: encodeListIdentityItem(identity, { ip: host, port }) }]) }), peer.port, peer.address);
  });

  let secure: Server | undefined;
  let securePort: number | undefined;
  if (!flaws.has('no-cip-security')) {
    const ca = issueCertificate({ commonName: 'Simulated CIP Security CA', organization: 'iec62443-harness', isCA: true });
    const leaf = issueCertificate({ commonName: host, organization: 'iec62443-harness', issuer: ca, ...(flaws.has('short-key') ? { keyBits: 1024 } : {}), san: { ips: [host] }, keyUsage: ['digitalSignature', 'keyEncipherment'], extKeyUsage: ['serverAuth'] });
    secure = createTlsServer({ key: leaf.keyPem, cert: leaf.certPem + ca.certPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: false, ...(flaws.has('legacy-tls') ? { minVersion: 'TLSv1' as const, ciphers: LEGACY_SUITES } : { minVersion: 'TLSv1.2' as const, ciphers: MODERN_SUITES }) }, (socket: TLSSocket) =>
      serve(socket, () => socket.authorized),
    );
    secure.on('tlsClientError', () => undefined);
    securePort = await listen(secure, host, 0);
  }

  const description = {
    component: {
      name: `EtherNet/IP adapter simulator (${options.profile})`,
      vendor: given?.vendor ?? 'iec62443-harness',
      ...(identity.productName ? { model: identity.productName } : {}),
      firmware: given?.firmware ?? `${revision.major}.${revision.minor}`,
      type: 'embedded-device',
    },
    targetSL: 2,
    host,
    endpoints: {
      enip: {
        name: INTERFACE,
        port,
        ...(udp ? { listIdentityUdp: true } : {}),
        ...(securePort ? { cipSecurityPort: securePort, unsecured: 'read-only' } : {}),
        ...(flaws.has('identity') ? {} : { identity: { vendorId: identity.vendorId, deviceType: identity.deviceType, productCode: identity.productCode, productName: identity.productName } }),
        writeProbes: [{ class: PROCESS_CLASS, instance: 1, attribute: 2, value: '0000' }],
        maxSessions,
      },
    },
    openPorts: [port, ...(securePort ? [securePort] : [])],
    essentialFunctions: [{ name: 'EtherNet/IP process value', enip: { class: PROCESS_CLASS, instance: 1, attribute: 1 }, maxLatencyMs: 300 }],
    timeouts: { connectMs: 3_000, requestMs: 3_000 },
    // Listeners of the machine (they answer on every loopback address) are not the simulated device's ports.
    scan: { controlHost: otherLoopbackHost(host) },
    simulator: { kind: 'enip', profile: options.profile },
  } as unknown as ProfileInput;

  let stopped: Promise<void> | undefined;
  return {
    kind: 'enip',
    profileName: options.profile,
    host,
    ports: [port, ...(securePort ? [securePort] : [])],
    profile: description,
    counters,
    stop() {
      stopped ??= (async () => {
        stopping = true;
        clearInterval(ticker);
        cpu.stop();
        for (const timer of timers) clearTimeout(timer);
        for (const socket of sockets) socket.destroy();
        await Promise.all([closeServer(plain), secure ? closeServer(secure) : undefined, udp ? new Promise<void>((resolve) => udp.close(() => resolve())) : undefined]);
      })();
      return stopped;
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}

function bindUdp(host: string, port: number): Promise<UdpSocket | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      try {
        socket.close();
      } catch {
        // Never bound: nothing to close.
      }
      resolve(undefined);
    });
    socket.bind(port, host, () => {
      socket.removeAllListeners('error');
      socket.on('error', () => undefined);
      resolve(socket);
    });
  });
}

const closeServer = (server: Server) => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));

const definition: SimulatorDefinition = {
  kind: 'enip',
  description:
    'EtherNet/IP adapter of a field device: hardened (unsecured port read-only, writes only over CIP Security on TLS 1.2+, sessions capped, malformed input answered with the prescribed status) or weak (unauthenticated Set_Attribute, no session limit, a crash on an oversized header, no CIP Security, a blank Identity object); weak-<flaw> for one flaw, including legacy TLS and a short key on CIP Security',
  profiles: ENIP_PROFILES,
  defaultProfile: 'hardened',
  start,
};

export default definition;
