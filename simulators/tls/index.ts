import { createServer as createHttpServer, type IncomingMessage, type ServerResponse, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { issueCertificate } from '../../adapters/pki/certificates.js';
import { decodeSnmp, encodeGetResponse, SNMP_PDU, SYS_DESCR_OID } from '../../adapters/tcp/snmp.js';
import type { ProfileInput } from '../../core/profile/schema.js';
import { otherLoopbackHost } from '../../core/net/loopback.js';
import type { RunningSimulator, SimulatorDefinition, SimulatorStartOptions } from '../types.js';

/**
 * A device's HTTPS management page.
 * hardened: TLS 1.2 and 1.3 (or 1.3 alone) with ECDHE and AEAD suites only, a 2048- or 3072-bit RSA certificate
 *   signed with SHA-256 or SHA-384 by a vendor CA (named in its self-description as caCertificate) that names the
 *   device's address, HSTS, nothing else listening. Which of the conforming choices it makes is drawn at each start.
 * weak: an old embedded web server: TLS 1.0 to 1.2 with static-RSA and NULL suites, a self-signed 1024-bit SHA-1
 *   certificate that has expired and has no subjectAltName, the same page in plain HTTP on 8080, a forgotten
 *   debug console on 2323, an SNMP agent answering community "public" on UDP 161 (where the process may bind it)
 *   and a BACnet/IP responder on UDP 47808. None of the extra ports appears in its self-description. Its web server
 *   has a fixed connection table that a burst of more than 100 connections in a second overruns: it then stops serving
 *   (both web ports close) until the simulator is restarted.
 * weak-<flaw>: the hardened device with exactly one of these flaws (see Flaws below), so each check is shown to catch
 *   its own flaw.
 */

const DAY_MS = 24 * 60 * 60 * 1000;
const PROFILES = [
  'hardened',
  'weak',
  'weak-legacy-tls',
  'weak-short-key',
  'weak-wrong-name',
  'weak-untrusted-ca',
  'weak-cleartext-twin',
  'weak-open-port',
  'weak-fragile',
] as const;
type TlsProfile = (typeof PROFILES)[number];
/** How the page presents itself: the old embedded server's banner and no HSTS, or the hardened one's. */
type PageLook = 'hardened' | 'weak';
type TlsServerOptions = Parameters<typeof createHttpsServer>[0];

const HARDENED_TLS12_SUITES = ['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-CHACHA20-POLY1305'].join(':');
// SECLEVEL=0 is what lets this OpenSSL speak TLS 1.0, sign with a 1024-bit key and serve a NULL cipher at all.
const WEAK_SUITES = ['AES128-SHA', 'AES256-SHA', 'NULL-SHA', '@SECLEVEL=0'].join(':');
/** What TLS 1.0 and 1.1 can negotiate besides the hardened suites: ECDHE with CBC and SHA-1 MACs. */
const LEGACY_CBC_SUITES = ['ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-AES256-SHA'].join(':');

/** Preferred ports of the weak profile's undeclared services: conventional ones a default scan covers. */
const TWIN_PORTS = [8080, 80];
const DEBUG_PORTS = [2323, 23];
const SNMP_PORT = 161;
const BACNET_PORT = 47808;
const BACNET_DEVICE_INSTANCE = 1234;
/** New connections within one second that overrun the weak web server's connection table. */
const WEAK_CONNECTION_BURST_LIMIT = 100;

function page(profile: PageLook, host: string): string {
  return `<!doctype html>
<html><head><title>Device management</title></head>
<body><h1>Simulated field device ${host}</h1>
<p>Status: running. Outputs: 4 of 4 healthy.</p>
<p>Firmware 1.0 (${profile})</p></body></html>
`;
}

function handler(profile: PageLook, host: string) {
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

/** A forgotten debug console that greets with a shell banner and refuses every login. */
function debugConsole(sockets: Set<Socket>): NetServer {
  return tracked(
    createNetServer((socket) => {
      socket.on('error', () => undefined);
      socket.write('BusyBox v1.19.4 (2014-03-12) built-in shell (ash)\r\ndebug login: ');
      socket.on('data', () => socket.write('\r\nLogin incorrect\r\ndebug login: '));
    }),
    sockets,
  );
}

/** Binds a random free port above 10000. */
async function listenHighPort(server: NetServer, host: string): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await listen(server, randomInt(10_001, 65_536), host);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt > 50) throw error;
    }
  }
}

/** The weak device's leftovers: the page again in plain HTTP, and a debug console that greets with a banner. */
async function startUndeclaredServices(profile: PageLook, host: string, httpsPort: number, servers: NetServer[], sockets: Set<Socket>, ports: number[]): Promise<HttpServer> {
  const twin = tracked(createHttpServer(handler(profile, host)), sockets);
  servers.push(twin);
  ports.push(await listenPreferred(twin, TWIN_PORTS, host, httpsPort));
  const debug = debugConsole(sockets);
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

function snmpAnswer(datagram: Buffer, profile: PageLook): Buffer | undefined {
  try {
    const request = decodeSnmp(datagram);
    if (request.version > 1 || request.community !== 'public' || request.pduType !== SNMP_PDU.getRequest || request.requestId === undefined) return undefined;
    return encodeGetResponse({ version: request.version, community: 'public', requestId: request.requestId, oid: SYS_DESCR_OID, value: `Simulated field device web server, firmware 1.0 (${profile})` });
  } catch {
    return undefined;
  }
}

/** UDP services bind where they can: port 161 needs privileges, and a missing one only makes the device a little less weak. */
async function startUdpServices(profile: PageLook, host: string, udpSockets: UdpSocket[], udpPorts: number[]): Promise<void> {
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


/** One flaw each, on an otherwise hardened device: each check is shown to catch its own flaw and nothing else's. */
interface Flaws {
  /** TLS 1.0 and 1.1 accepted beside 1.2 and 1.3. */
  legacyTls?: boolean;
  /** A 1024-bit RSA server key (issued by the vendor CA, naming the host). */
  shortKey?: boolean;
  /** The certificate names another host. */
  wrongName?: boolean;
  /** The certificate chains to a CA other than the one the profile names. */
  untrustedCa?: boolean;
  /** The page in plain HTTP too, on a port the profile declares (so only the twin is wrong, not the port list). */
  cleartextTwin?: boolean;
  /** A debug console on an undeclared port above 10000, where a scan of the usual ports would not look. */
  openPort?: boolean;
  /** The weak web server's connection table: a burst of connections stops the service. */
  fragile?: boolean;
}

const VARIANTS: Record<Exclude<TlsProfile, 'hardened' | 'weak'>, Flaws> = {
  'weak-legacy-tls': { legacyTls: true },
  'weak-short-key': { shortKey: true },
  'weak-wrong-name': { wrongName: true },
  'weak-untrusted-ca': { untrustedCa: true },
  'weak-cleartext-twin': { cleartextTwin: true },
  'weak-open-port': { openPort: true },
  'weak-fragile': { fragile: true },
};

/**
 * What a conforming device may choose, drawn anew at every start so that no check can lean on one constant of this
 * simulator: the server key's size and signature hash, and whether TLS 1.2 is offered beside 1.3.
 */
function drawConformingParameters(): { keyBits: number; hash: 'sha256' | 'sha384'; minVersion: 'TLSv1.2' | 'TLSv1.3' } {
  return { keyBits: [2048, 3072][randomInt(2)]!, hash: (['sha256', 'sha384'] as const)[randomInt(2)]!, minVersion: (['TLSv1.2', 'TLSv1.3'] as const)[randomInt(2)]! };
}

/** The hardened device's certificates, with at most one flaw: the server key and chain, and the CA the profile names. */
function hardenedCertificates(host: string, flaws: Flaws, parameters: ReturnType<typeof drawConformingParameters>, workDir: string) {
  const now = Date.now();
  const vendorCa = issueCertificate({ commonName: 'Simulated Vendor Device CA', organization: 'iec62443-harness', isCA: true, notAfter: new Date(now + 5 * 365 * DAY_MS) });
  const issuer = flaws.untrustedCa ? issueCertificate({ commonName: 'Unknown Integrator CA', organization: 'elsewhere', isCA: true, notAfter: new Date(now + 5 * 365 * DAY_MS) }) : vendorCa;
  const named = flaws.wrongName ? otherLoopbackHost(host) : host;
  const leaf = issueCertificate({
    commonName: named,
    organization: 'iec62443-harness',
    issuer,
    keyBits: flaws.shortKey ? 1024 : parameters.keyBits,
    hash: parameters.hash,
    san: { ips: [named] },
    keyUsage: ['digitalSignature', 'keyEncipherment'],
    extKeyUsage: ['serverAuth'],
  });
  mkdirSync(join(workDir, 'tls-pki'), { recursive: true, mode: 0o700 });
  const caFile = join(workDir, 'tls-pki', 'vendor-ca.pem');
  writeFileSync(caFile, vendorCa.certPem, { mode: 0o644 });
  return { key: leaf.keyPem, cert: leaf.certPem + issuer.certPem, caFile };
}

async function start(options: SimulatorStartOptions): Promise<RunningSimulator> {
  const profile = options.profile as TlsProfile;
  if (!PROFILES.includes(profile)) throw new Error(`tls simulator: unknown profile "${options.profile}" (known: ${PROFILES.join(', ')})`);
  const { host } = options;
  const sockets = new Set<Socket>();
  const servers: NetServer[] = [];
  const now = Date.now();
  const flaws: Flaws = profile === 'hardened' || profile === 'weak' ? {} : VARIANTS[profile];
  const look: PageLook = profile === 'weak' ? 'weak' : 'hardened';

  let tlsOptions: TlsServerOptions;
  let caFile: string | undefined;
  if (profile === 'weak') {
    const old = issueCertificate({ commonName: 'device', keyBits: 1024, hash: 'sha1', notBefore: new Date(now - 3 * 365 * DAY_MS), notAfter: new Date(now - 30 * DAY_MS) });
    tlsOptions = { key: old.keyPem, cert: old.certPem, minVersion: 'TLSv1', maxVersion: 'TLSv1.2', ciphers: WEAK_SUITES };
  } else {
    const parameters = drawConformingParameters();
    const certificates = hardenedCertificates(host, flaws, parameters, options.workDir);
    caFile = certificates.caFile;
    // SECLEVEL=0 only where a flaw needs it: this OpenSSL refuses TLS 1.0 handshakes and 1024-bit keys otherwise.
    const legacy = flaws.legacyTls ? `:${LEGACY_CBC_SUITES}` : '';
    const level = flaws.legacyTls || flaws.shortKey ? ':@SECLEVEL=0' : '';
    tlsOptions = {
      key: certificates.key,
      cert: certificates.cert,
      minVersion: flaws.legacyTls ? 'TLSv1' : parameters.minVersion,
      ciphers: `${HARDENED_TLS12_SUITES}${legacy}${level}`,
      honorCipherOrder: true,
    };
  }
  const https = tracked(createHttpsServer(tlsOptions, handler(look, host)), sockets);
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
  const declared: number[] = [];
  try {
    ports.push(await listen(https, options.port ?? 0, host));
    declared.push(ports[0]!);
    if (profile === 'weak') {
      const twin = await startUndeclaredServices(look, host, ports[0]!, servers, sockets, ports);
      await startUdpServices(look, host, udpSockets, udpPorts);
      crashOnConnectionBurst([https, twin], sockets);
    }
    if (flaws.cleartextTwin) {
      const twin = tracked(createHttpServer(handler(look, host)), sockets);
      servers.push(twin);
      ports.push(await listenPreferred(twin, TWIN_PORTS, host, ports[0]!));
      declared.push(ports.at(-1)!);
    }
    if (flaws.openPort) ports.push(await listenHighPort(debugConsole(sockets), host));
    if (flaws.fragile) crashOnConnectionBurst([https], sockets);
  } catch (error) {
    await closeAll();
    throw error;
  }
  const port = ports[0]!;

  const description: ProfileInput = {
    component: { name: `TLS management page simulator (${profile})`, vendor: 'iec62443-harness', model: 'tls-sim', firmware: '1.0', type: 'embedded-device' },
    targetSL: 3,
    host,
    endpoints: { tls: [{ name: 'web-ui', port, ...(caFile ? { caCertificate: caFile } : {}) }] },
    openPorts: declared,
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
    'HTTPS management page of a field device: hardened (TLS 1.2+/AEAD/ECDHE, CA-issued certificate naming the host, the CA named in the profile), ' +
    'weak (TLS 1.0, NULL and static-RSA suites, expired self-signed 1024-bit SHA-1 certificate, plain-HTTP twin, a debug console, SNMP "public" and BACnet/IP on UDP), ' +
    'or hardened with one flaw: weak-legacy-tls, weak-short-key, weak-wrong-name, weak-untrusted-ca, weak-cleartext-twin, weak-open-port, weak-fragile',
  profiles: PROFILES,
  defaultProfile: 'hardened',
  start,
};

export default definition;
