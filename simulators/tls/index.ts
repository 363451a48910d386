import { createServer as createHttpServer, type IncomingMessage, type ServerResponse, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { issueCertificate } from '../../adapters/pki/certificates.js';
import { decodeSnmp, encodeGetResponse, SNMP_PDU, SYS_DESCR_OID } from '../../adapters/tcp/snmp.js';
import type { ProfileInput } from '../../core/profile/schema.js';
import { randomLoopbackHost } from '../../core/net/loopback.js';
import type { RunningSimulator, SimulatorDefinition, SimulatorStartOptions } from '../types.js';

/**
 * A device's HTTPS management page.
 * hardened: TLS 1.2 and 1.3 only, ECDHE with AEAD suites only, a 2048-bit RSA SHA-256 certificate from a vendor CA
 *   that names the device's address, HSTS, nothing else listening.
 * weak: an old embedded web server: TLS 1.0 to 1.2 with static-RSA and NULL suites, a self-signed 1024-bit SHA-1
 *   certificate that has expired and has no subjectAltName, the same page in plain HTTP on 8080, a forgotten
 *   debug console on 2323, an SNMP agent answering community "public" on UDP 161 (where the process may bind it)
 *   and a BACnet/IP responder on UDP 47808. None of the extra ports appears in its self-description. Its web server
 *   has a fixed connection table that a burst of more than 100 connections in a second overruns: it then stops serving
 *   (both web ports close) until the simulator is restarted.
 */

const DAY_MS = 24 * 60 * 60 * 1000;
const PROFILES = ['hardened', 'weak'] as const;
type TlsProfile = (typeof PROFILES)[number];

const HARDENED_TLS12_SUITES = ['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-CHACHA20-POLY1305'].join(':');
// SECLEVEL=0 is what lets this OpenSSL speak TLS 1.0, sign with a 1024-bit key and serve a NULL cipher at all.
const WEAK_SUITES = ['AES128-SHA', 'AES256-SHA', 'NULL-SHA', '@SECLEVEL=0'].join(':');

/** Preferred ports of the weak profile's undeclared services: conventional ones a default scan covers. */
const TWIN_PORTS = [8080, 80];
const DEBUG_PORTS = [2323, 23];
const SNMP_PORT = 161;
const BACNET_PORT = 47808;
const BACNET_DEVICE_INSTANCE = 1234;
/** New connections within one second that overrun the weak web server's connection table. */
const WEAK_CONNECTION_BURST_LIMIT = 100;

function page(profile: TlsProfile, host: string): string {
  return `<!doctype html>
<html><head><title>Device management</title></head>
<body><h1>Simulated field device ${host}</h1>
<form method="post" action="/login"><label>User <input name="user"></label> <label>Password <input name="password" type="password"></label><button>Log in</button></form>
<p>Firmware 1.0 (${profile})</p></body></html>
`;
}

function handler(profile: TlsProfile, host: string) {
  return (request: IncomingMessage, response: ServerResponse) => {
    const headers: Record<string, string> = { 'content-type': 'text/html; charset=utf-8', server: profile === 'weak' ? 'GoAhead-Webs' : 'device-web' };
    if (profile === 'hardened') headers['strict-transport-security'] = 'max-age=31536000';
    request.resume();
    if (request.method === 'POST' && request.url === '/login') {
      response.writeHead(401, headers).end('<p>Invalid credentials</p>\n');
    } else if (request.method === 'GET' || request.method === 'HEAD') {
      response.writeHead(request.url === '/' ? 200 : 404, headers).end(request.url === '/' ? page(profile, host) : '<p>Not found</p>\n');
    } else {
      response.writeHead(405, headers).end();
    }
  };
}

function listen(server: NetServer | HttpServer | HttpsServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** Binds the first preferred port that is free on host, else any port (then a default scan will not see it). */
async function listenPreferred(server: NetServer | HttpServer, preferred: number[], host: string, avoid: number): Promise<number> {
  for (const port of preferred.filter((candidate) => candidate !== avoid)) {
    try {
      return await listen(server, port, host);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EADDRINUSE' && code !== 'EACCES') throw error;
    }
  }
  return listen(server, 0, host);
}

/** Every socket a server accepted, so stop() can close them all. */
function tracked<T extends NetServer>(server: T, sockets: Set<Socket>): T {
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return server;
}

/** The weak device's leftovers: the page again in plain HTTP, and a debug console that greets with a banner. */
async function startUndeclaredServices(profile: TlsProfile, host: string, httpsPort: number, servers: NetServer[], sockets: Set<Socket>, ports: number[]): Promise<HttpServer> {
  const twin = tracked(createHttpServer(handler(profile, host)), sockets);
  servers.push(twin);
  ports.push(await listenPreferred(twin, TWIN_PORTS, host, httpsPort));
  const debug = tracked(
    createNetServer((socket) => {
      socket.on('error', () => undefined);
      socket.write('BusyBox v1.19.4 (2014-03-12) built-in shell (ash)\r\ndebug login: ');
      socket.on('data', () => socket.write('\r\nLogin incorrect\r\ndebug login: '));
    }),
    sockets,
  );
  servers.push(debug);
  ports.push(await listenPreferred(debug, DEBUG_PORTS, host, httpsPort));
  return twin;
}

/** I-Am of device 1234: max APDU 1476, no segmentation, vendor 42. */
const BACNET_I_AM = Buffer.from([0x81, 0x0a, 0x00, 0x14, 0x01, 0x00, 0x10, 0x00, 0xc4, 0x02, 0x00, (BACNET_DEVICE_INSTANCE >> 8) & 0xff, BACNET_DEVICE_INSTANCE & 0xff, 0x22, 0x05, 0xc4, 0x91, 0x03, 0x21, 0x2a]);

function isWhoIs(datagram: Buffer): boolean {
  // BVLC, NPDU version 1 without addressing, unconfirmed Who-Is.
  return datagram.length >= 8 && datagram[0] === 0x81 && datagram[4] === 0x01 && datagram.includes(Buffer.from([0x10, 0x08]), 6);
}

function snmpAnswer(datagram: Buffer, profile: TlsProfile): Buffer | undefined {
  try {
    const request = decodeSnmp(datagram);
    if (request.version > 1 || request.community !== 'public' || request.pduType !== SNMP_PDU.getRequest || request.requestId === undefined) return undefined;
    return encodeGetResponse({ version: request.version, community: 'public', requestId: request.requestId, oid: SYS_DESCR_OID, value: `Simulated field device web server, firmware 1.0 (${profile})` });
  } catch {
    return undefined;
  }
}

/** UDP services bind where they can: port 161 needs privileges, and a missing one only makes the device a little less weak. */
async function startUdpServices(profile: TlsProfile, host: string, udpSockets: UdpSocket[], udpPorts: number[]): Promise<void> {
  const services: Array<{ port: number; answer: (datagram: Buffer) => Buffer | undefined }> = [
    { port: SNMP_PORT, answer: (datagram) => snmpAnswer(datagram, profile) },
    { port: BACNET_PORT, answer: (datagram) => (isWhoIs(datagram) ? BACNET_I_AM : undefined) },
  ];
  for (const service of services) {
    const socket = createSocket('udp4');
    socket.on('message', (datagram, peer) => {
      const answer = service.answer(datagram);
      if (answer) socket.send(answer, peer.port, peer.address);
    });
    const bound = await new Promise<boolean>((resolve) => {
      socket.once('error', () => resolve(false));
      socket.bind(service.port, host, () => resolve(true));
    });
    if (bound) {
      socket.on('error', () => undefined);
      udpSockets.push(socket);
      udpPorts.push(service.port);
    } else {
      socket.close();
    }
  }
}

/** The weak web server's fault: a burst of connections overruns its table and the web server stops serving. */
function crashOnConnectionBurst(webServers: NetServer[], sockets: Set<Socket>): void {
  const recent: number[] = [];
  let crashed = false;
  const onConnection = (socket: Socket) => {
    if (crashed) return socket.destroy();
    const now = Date.now();
    recent.push(now);
    while (recent.length > 0 && now - recent[0]! > 1_000) recent.shift();
    if (recent.length <= WEAK_CONNECTION_BURST_LIMIT) return;
    crashed = true;
    for (const server of webServers) if (server.listening) server.close();
    for (const open of sockets) open.destroy();
  };
  for (const server of webServers) server.on('connection', onConnection);
}

function otherLoopbackHost(host: string): string {
  let other = randomLoopbackHost();
  while (other === host) other = randomLoopbackHost();
  return other;
}

async function start(options: SimulatorStartOptions): Promise<RunningSimulator> {
  const profile = options.profile as TlsProfile;
  if (!PROFILES.includes(profile)) throw new Error(`tls simulator: unknown profile "${options.profile}" (known: ${PROFILES.join(', ')})`);
  const { host } = options;
  const sockets = new Set<Socket>();
  const servers: NetServer[] = [];
  const now = Date.now();

  let key: string;
  let cert: string;
  if (profile === 'hardened') {
    const ca = issueCertificate({ commonName: 'Simulated Vendor Device CA', organization: 'iec62443-harness', isCA: true, notAfter: new Date(now + 5 * 365 * DAY_MS) });
    const leaf = issueCertificate({
      commonName: host,
      organization: 'iec62443-harness',
      issuer: ca,
      san: { ips: [host] },
      keyUsage: ['digitalSignature', 'keyEncipherment'],
      extKeyUsage: ['serverAuth'],
    });
    key = leaf.keyPem;
    cert = leaf.certPem + ca.certPem;
  } else {
    const old = issueCertificate({ commonName: 'device', keyBits: 1024, hash: 'sha1', notBefore: new Date(now - 3 * 365 * DAY_MS), notAfter: new Date(now - 30 * DAY_MS) });
    key = old.keyPem;
    cert = old.certPem;
  }

  const tlsOptions =
    profile === 'hardened'
      ? { key, cert, minVersion: 'TLSv1.2' as const, ciphers: HARDENED_TLS12_SUITES, honorCipherOrder: true }
      : { key, cert, minVersion: 'TLSv1' as const, maxVersion: 'TLSv1.2' as const, ciphers: WEAK_SUITES };
  const https = tracked(createHttpsServer(tlsOptions, handler(profile, host)), sockets);
  // Probes that hang up mid-handshake are routine for this server; they are not errors of the simulator.
  https.on('tlsClientError', () => undefined);
  servers.push(https);
  const udpSockets: UdpSocket[] = [];
  const udpPorts: number[] = [];
  const closeAll = async () => {
    const closing = servers.filter((server) => server.listening).map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    closing.push(...udpSockets.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
    udpSockets.length = 0;
    for (const socket of sockets) socket.destroy();
    await Promise.all(closing);
  };
  const ports: number[] = [];
  try {
    ports.push(await listen(https, options.port ?? 0, host));
    if (profile === 'weak') {
      const twin = await startUndeclaredServices(profile, host, ports[0]!, servers, sockets, ports);
      await startUdpServices(profile, host, udpSockets, udpPorts);
      crashOnConnectionBurst([https, twin], sockets);
    }
  } catch (error) {
    await closeAll();
    throw error;
  }
  const port = ports[0]!;

  const description: ProfileInput = {
    component: { name: `TLS management page simulator (${profile})`, vendor: 'iec62443-harness', model: 'tls-sim', firmware: '1.0', type: 'embedded-device' },
    targetSL: 3,
    host,
    endpoints: { tls: [{ name: 'web-ui', port }] },
    openPorts: [port],
    // Listeners of this machine bound to every address answer on the simulator's address too; they are not the device's.
    scan: { controlHost: otherLoopbackHost(host) },
    simulator: { kind: 'tls', profile },
  };

  let stopped: Promise<void> | undefined;
  return {
    kind: 'tls',
    profileName: profile,
    host,
    ports,
    profile: description,
    stop() {
      stopped ??= closeAll();
      return stopped;
    },
  };
}

const definition: SimulatorDefinition = {
  kind: 'tls',
  description:
    'HTTPS management page of a field device: hardened (TLS 1.2+/AEAD/ECDHE, CA-issued 2048-bit certificate naming the host) or weak (TLS 1.0, NULL and static-RSA suites, expired self-signed 1024-bit SHA-1 certificate, plain-HTTP twin, a debug console, SNMP "public" and BACnet/IP on UDP)',
  profiles: PROFILES,
  defaultProfile: 'hardened',
  start,
};

export default definition;
