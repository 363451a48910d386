import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { ProfileInput } from '../../core/profile/schema.js';
import type { RunningSimulator, SimulatorDefinition, SimulatorStartOptions } from '../types.js';
import { otherLoopbackHost } from '../../core/net/loopback.js';

/**
 * The file and console services of an older field device.
 * hardened: only an FTP service, which demands TLS (AUTH TLS) before any login and so never takes a password in clear.
 * weak: a Telnet console, an FTP service that takes logins in clear and lets "anonymous" in, and a TFTP server.
 * weak-<flaw>: the hardened device with one of them added. Every service is declared in endpoints.cleartext.
 */

export const CLEARTEXT_FLAWS = ['telnet', 'anonymous-ftp', 'tftp'] as const;
type Flaw = (typeof CLEARTEXT_FLAWS)[number];
const PROFILES = ['hardened', 'weak', ...CLEARTEXT_FLAWS.map((flaw) => `weak-${flaw}` as const)] as const;

function flawsOf(profile: string): Set<Flaw> {
  if (profile === 'hardened') return new Set();
  if (profile === 'weak') return new Set(CLEARTEXT_FLAWS);
  const flaw = profile.slice('weak-'.length) as Flaw;
  if (!profile.startsWith('weak-') || !CLEARTEXT_FLAWS.includes(flaw)) throw new Error(`cleartext simulator: unknown profile "${profile}" (known: ${PROFILES.join(', ')})`);
  return new Set([flaw]);
}

function telnetSession(socket: Socket): void {
  // IAC DO TERMINAL-TYPE, IAC WILL ECHO, IAC WILL SUPPRESS-GO-AHEAD, then a prompt once the client has answered.
  socket.write(Buffer.from([0xff, 0xfd, 0x18, 0xff, 0xfb, 0x01, 0xff, 0xfb, 0x03]));
  let prompted = false;
  socket.on('data', () => {
    if (prompted) return void socket.write('\r\nLogin incorrect\r\nlogin: ');
    prompted = true;
    socket.write('\r\nField device maintenance console\r\nlogin: ');
  });
}

function ftpSession(socket: Socket, anonymous: boolean): void {
  socket.write('220-Field device file service\r\n220 Ready\r\n');
  let buffer = '';
  let user: string | undefined;
  socket.on('data', (data: Buffer) => {
    buffer += data.toString('latin1');
    if (buffer.length > 4096) return void socket.destroy();
    for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
      const line = buffer.slice(0, end).replace(/\r$/, '');
      buffer = buffer.slice(end + 1);
      const [command = '', ...rest] = line.split(' ');
      const verb = command.toUpperCase();
      if (verb === 'QUIT') return void socket.end('221 Goodbye\r\n');
      if (!anonymous) {
        // The hardened service: nothing but AUTH TLS before a login (the TLS part itself is not simulated).
        socket.write(verb === 'AUTH' ? '534 TLS is not available on this simulator\r\n' : verb === 'FEAT' ? '211-Features:\r\n AUTH TLS\r\n211 End\r\n' : '530 Please login with USER and PASS over TLS (AUTH TLS required)\r\n');
        continue;
      }
      if (verb === 'USER') {
        user = rest.join(' ');
        socket.write('331 Password required\r\n');
      } else if (verb === 'PASS') {
        socket.write(user === 'anonymous' || user === 'ftp' ? '230 Anonymous login ok, access restrictions apply\r\n' : '530 Login incorrect\r\n');
      } else socket.write('530 Please login with USER and PASS\r\n');
    }
  });
}

async function start(options: SimulatorStartOptions): Promise<RunningSimulator> {
  const flaws = flawsOf(options.profile);
  const { host } = options;
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const udpSockets: UdpSocket[] = [];
  const serve = async (session: (socket: Socket) => void, port = 0): Promise<number> => {
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      session(socket);
    });
    servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return (server.address() as { port: number }).port;
  };
  const services: Array<{ service: 'telnet' | 'ftp' | 'tftp'; port: number }> = [];
  // The flawed services come first: a single check run (executeCheck, proveBothWays) takes the first interface.
  if (flaws.has('telnet')) services.push({ service: 'telnet', port: await serve(telnetSession) });
  if (flaws.has('tftp')) {
    const listener = createSocket('udp4');
    udpSockets.push(listener);
    listener.on('message', (request, peer) => {
      if (request.length < 4 || request.readUInt16BE(0) !== 1) return;
      // RFC 1350: the answer comes from a fresh port, the server's transfer id.
      const transfer = createSocket('udp4');
      udpSockets.push(transfer);
      transfer.bind(0, host, () => {
        transfer.send(Buffer.concat([Buffer.from([0, 5, 0, 1]), Buffer.from('File not found\0', 'latin1')]), peer.port, peer.address, () => transfer.close());
      });
    });
    await new Promise<void>((resolve) => listener.bind(0, host, () => resolve()));
    services.push({ service: 'tftp', port: listener.address().port });
  }
  services.push({ service: 'ftp', port: await serve((socket) => ftpSession(socket, flaws.has('anonymous-ftp')), options.port ?? 0) });

  const description = {
    component: { name: `Cleartext services simulator (${options.profile})`, vendor: 'iec62443-harness', model: 'cleartext-sim', firmware: `1.${randomBytes(1)[0]! % 10}`, type: 'embedded-device' },
    targetSL: 2,
    host,
    endpoints: { cleartext: services.map(({ service, port }) => ({ service, port })) },
    openPorts: services.filter(({ service }) => service !== 'tftp').map(({ port }) => port),
    timeouts: { connectMs: 2_000, requestMs: 2_000 },
    // Listeners of the machine (they answer on every loopback address) are not the simulated device's ports.
    scan: { controlHost: otherLoopbackHost(host) },
    simulator: { kind: 'cleartext', profile: options.profile },
  } as unknown as ProfileInput;

  let stopped: Promise<void> | undefined;
  return {
    kind: 'cleartext',
    profileName: options.profile,
    host,
    ports: services.map(({ port }) => port),
    profile: description,
    stop() {
      stopped ??= (async () => {
        for (const socket of sockets) socket.destroy();
        for (const socket of udpSockets) {
          try {
            socket.close();
          } catch {
            // already closed
          }
        }
        await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
      })();
      return stopped;
    },
  };
}

const definition: SimulatorDefinition = {
  kind: 'cleartext',
  description: 'File and console services of an older field device: hardened (FTP that demands TLS before a login) or weak (Telnet, FTP with anonymous logins in clear, TFTP); weak-<flaw> for one of them',
  profiles: PROFILES,
  defaultProfile: 'hardened',
  // Not a part of the embedded default PLC: these services are what a hardened device should not have.
  embedded: false,
  start,
};

export default definition;
