import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { issueCertificate } from '../../adapters/pki/certificates.js';
import type { HttpEndpoint } from '../../adapters/http/endpoint.js';
import type { NtpEndpoint } from '../../adapters/ntp/endpoint.js';
import type { SyslogEndpoint } from '../../adapters/syslog/endpoint.js';
import { freePort, otherLoopbackHost } from '../../core/net/loopback.js';
import { AuditSender } from '../syslog/sender.js';
import { TimeClient } from '../syslog/time-client.js';
import type { ProfileInput } from '../../core/profile/schema.js';
import type { RunningSimulator, SimulatorDefinition, SimulatorStartOptions } from '../types.js';
import { createHandler, type ListenerContext } from './app.js';
import { WebDevice, type WebStats } from './device.js';
import { drawParameters, FLAWS, flawsOf, PROFILES, type Flaw, type WebParameters } from './flaws.js';

export { FLAWS, FLAW_NAMES, PROFILES, type Flaw, type WebParameters } from './flaws.js';
export type { WebStats } from './device.js';

/**
 * The web management UI of a simulated PLC: form login, sessions, roles admin/operator/viewer, a status page, a
 * settings page only admins may change, a JSON login API and a diagnostics area behind HTTP authentication.
 * hardened: HTTPS only (the plain port redirects), HSTS, lockout, uniform refusals, rotated random session ids, an idle
 *   timeout, role checks, a use notification; its configuration is drawn at random per start (see flaws.ts).
 * weak: every flaw of FLAWS; weak-<flaw>: that flaw alone.
 * Every profile but weak also sends an RFC 5424 audit record of each login and refused admin request to a syslog
 * collector over TCP, and asks an NTP server for the time every second; the self-description names both addresses
 * (endpoints.syslog, endpoints.ntp), which the harness serves while its syslog and NTP checks run. The weak UI names
 * both and uses neither. The syslog simulator (simulators/syslog) has the single flaws of the audit log.
 */

export const WEB_INTERFACE_NAME = 'web-management';
const DAY_MS = 24 * 60 * 60 * 1000;
const PLAIN_HTTP_PORTS = [80];
const HARDENED_TLS12_SUITES = ['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-CHACHA20-POLY1305'].join(':');
// SECLEVEL=0 lets this OpenSSL speak TLS 1.0 and sign with a 1024-bit SHA-1 certificate at all.
const WEAK_TLS_SUITES = ['AES128-SHA', 'AES256-SHA', '@SECLEVEL=0'].join(':');

export interface WebSimulatorHandle {
  device: WebDevice;
  stats: WebStats;
  parameters: WebParameters;
  flaws: ReadonlySet<Flaw>;
  /** Base URL of the UI and of the plain-HTTP port (absent when the UI is plain HTTP only). */
  url: string;
  plainUrl?: string;
}

function tlsMaterial(host: string, weak: boolean): { key: string; cert: string } {
  const now = Date.now();
  if (weak) {
    const old = issueCertificate({ commonName: 'PLC-17', keyBits: 1024, hash: 'sha1', notBefore: new Date(now - 3 * 365 * DAY_MS), notAfter: new Date(now - 30 * DAY_MS) });
    return { key: old.keyPem, cert: old.certPem };
  }
  const ca = issueCertificate({ commonName: 'Simulated PLC Vendor CA', organization: 'iec62443-harness', isCA: true, notAfter: new Date(now + 5 * 365 * DAY_MS) });
  const leaf = issueCertificate({
    commonName: host,
    organization: 'iec62443-harness',
    issuer: ca,
    san: { ips: [host] },
    keyUsage: ['digitalSignature', 'keyEncipherment'],
    extKeyUsage: ['serverAuth'],
  });
  return { key: leaf.keyPem, cert: leaf.certPem + ca.certPem };
}

function listen(server: HttpServer, port: number, host: string): Promise<number> {
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

async function listenPreferred(server: HttpServer, preferred: number[], host: string): Promise<number> {
  for (const port of preferred) {
    try {
      return await listen(server, port, host);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EADDRINUSE' && code !== 'EACCES') throw error;
    }
  }
  return listen(server, 0, host);
}


/** Where the UI sends its audit log and asks for the time: addresses of the harness, on a loopback host of their own. */
interface AuditPeers {
  syslog: SyslogEndpoint;
  ntp: NtpEndpoint;
}

const AUDIT_BOUNDS = { recordWithinS: 5, clockToleranceS: 5, outageS: 4 };
const NTP_POLL_MS = 1_000;

async function auditPeers(host: string): Promise<AuditPeers> {
  const peerHost = otherLoopbackHost(host);
  return {
    // The UI's own log: beside it in a component, an OPC UA server audits through its own events.
    syslog: { name: 'audit-log', listen: `${peerHost}:${await freePort(peerHost)}`, transport: 'tcp', sources: [WEB_INTERFACE_NAME], ...AUDIT_BOUNDS },
    ntp: { name: 'time-source', listen: `${peerHost}:${await freePort(peerHost)}`, queryWithinS: 5, clockToleranceS: 5 },
  };
}

function hostPort(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(':');
  return { host: listen.slice(0, at), port: Number(listen.slice(at + 1)) };
}

/** The device profile the simulated UI writes about itself, as its vendor would. It holds the accounts' passwords. */
function describe(profileName: string, host: string, handle: WebSimulatorHandle, ports: number[], peers?: AuditPeers): ProfileInput {
  const { parameters, flaws } = handle;
  const endpoint: HttpEndpoint = {
    name: WEB_INTERFACE_NAME,
    url: handle.url,
    login: {
      kind: 'form',
      path: '/login',
      usernameField: parameters.usernameField,
      passwordField: parameters.passwordField,
      success: { redirectTo: '/status', cookie: parameters.sessionCookie },
    },
    protectedPath: '/status',
    adminPath: '/settings',
    adminAction: { method: 'POST', path: '/settings/identify', safe: true },
    logoutPath: '/logout',
    ...(handle.plainUrl ? { plainUrl: handle.plainUrl } : {}),
    sessionCookie: parameters.sessionCookie,
    ...(flaws.has('no-banner') ? {} : { banner: parameters.banner }),
    // The configured values, stated even where the firmware ignores them (no-idle-timeout, no-lockout).
    idleTimeoutS: parameters.idleTimeoutS,
    lockout: { threshold: parameters.lockoutThreshold, durationS: parameters.lockoutDurationS },
  };
  return {
    component: { name: `Simulated PLC web management (${profileName})`, vendor: 'iec62443-harness', model: 'web-sim', firmware: `2.3.1-${profileName}`, type: 'embedded-device' },
    targetSL: 3,
    host,
    endpoints: { http: [endpoint], ...(peers ? { syslog: peers.syslog, ntp: peers.ntp } : {}) },
    openPorts: ports,
    accounts: parameters.accounts.map(({ profileRole, username, password }) => ({ role: profileRole, username, password, interfaces: [WEB_INTERFACE_NAME] })),
    essentialFunctions: [{ name: 'web UI login page', http: { url: new URL('/login', handle.url).href, expectStatus: 200 }, maxLatencyMs: 1_000 }],
    scan: { controlHost: otherLoopbackHost(host) },
    simulator: { kind: 'web', profile: profileName },
  };
}

/** `auditLog: false` leaves out the audit log and the time client (the syslog simulator brings its own). */
export async function startWebSimulator(options: SimulatorStartOptions & { auditLog?: boolean }): Promise<RunningSimulator & { web: WebSimulatorHandle }> {
  const flaws = flawsOf(options.profile);
  const parameters = drawParameters(flaws);
  const device = await WebDevice.create(parameters, flaws);
  const { host } = options;
  const secure = !flaws.has('http-only');
  const sockets = new Set<Socket>();
  const servers: HttpServer[] = [];
  const track = (server: HttpServer) => {
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    server.headersTimeout = 10_000;
    server.requestTimeout = 15_000;
    server.keepAliveTimeout = 5_000;
    servers.push(server);
    return server;
  };
  const closeAll = async () => {
    const closing = servers.filter((server) => server.listening).map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    for (const socket of sockets) socket.destroy();
    await Promise.all(closing);
    device.clear();
  };

  const listener: ListenerContext = { kind: 'main', secure };
  const handler = createHandler(device, listener);
  let main: HttpServer;
  if (secure) {
    const { key, cert } = tlsMaterial(host, flaws.has('old-tls'));
    const tlsOptions = flaws.has('old-tls')
      ? { key, cert, minVersion: 'TLSv1' as const, maxVersion: 'TLSv1.2' as const, ciphers: WEAK_TLS_SUITES }
      : { key, cert, minVersion: 'TLSv1.2' as const, ciphers: HARDENED_TLS12_SUITES, honorCipherOrder: true };
    const https = createHttpsServer(tlsOptions, handler);
    // Probes that hang up mid-handshake are routine for a device; they are not the simulator's errors.
    https.on('tlsClientError', () => undefined);
    main = track(https as unknown as HttpServer);
  } else {
    main = track(createHttpServer(handler));
  }
  const ports: number[] = [];
  let handle: WebSimulatorHandle;
  try {
    const mainPort = await listen(main, options.port ?? 0, host);
    ports.push(mainPort);
    const url = `${secure ? 'https' : 'http'}://${host}:${mainPort}/`;
    handle = { device, stats: device.stats, parameters, flaws, url };
    if (secure) {
      const plainContext: ListenerContext = { kind: 'plain-redirect', secure: false, httpsOrigin: `https://${host}:${mainPort}` };
      const plain = track(createHttpServer(createHandler(device, plainContext)));
      const plainPort = await listenPreferred(plain, PLAIN_HTTP_PORTS, host);
      ports.push(plainPort);
      handle.plainUrl = `http://${host}:${plainPort}/`;
    }
  } catch (error) {
    await closeAll();
    throw error;
  }

  // The weak UI is configured with both peers, as its vendor documents, but never sends a record nor asks the time.
  const weak = options.profile === 'weak';
  const peers = options.auditLog === false ? undefined : await auditPeers(host);
  const sender = peers && !weak ? new AuditSender({ collector: { ...hostPort(peers.syslog.listen), transport: 'tcp' }, localAddress: host, hostname: 'plc-17', appName: 'webui', flaws: new Set() }) : undefined;
  const time = peers && !weak ? new TimeClient({ server: hostPort(peers.ntp.listen), localAddress: host, pollMs: NTP_POLL_MS }) : undefined;
  if (sender) device.auditListeners.push((event) => sender.record(event));
  sender?.start();
  time?.start();

  let stopped: Promise<void> | undefined;
  return {
    kind: 'web',
    profileName: options.profile,
    host,
    ports,
    profile: describe(options.profile, host, handle, ports, peers),
    web: handle,
    stop() {
      stopped ??= Promise.all([sender?.stop(), time?.stop()]).then(() => closeAll());
      return stopped;
    },
  };
}

const definition: SimulatorDefinition = {
  kind: 'web',
  description: `Web management UI of a PLC (form login, roles, status and settings pages): hardened, weak (${Object.keys(FLAWS).length} classic flaws), or weak-<flaw> with one of ${Object.keys(FLAWS).join(', ')}`,
  profiles: PROFILES,
  defaultProfile: 'hardened',
  start: (options) => startWebSimulator(options),
};

export default definition;
