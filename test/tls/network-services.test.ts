import { expect } from 'chai';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { grabBanner } from '../../adapters/tcp/banner.js';
import { decodeSnmp, encodeGetRequest, encodeGetResponse, encodeV3Discovery, SYS_DESCR_OID } from '../../adapters/tcp/snmp.js';
import { UDP_PROBES, udpServiceScan, type UdpProbe } from '../../adapters/tcp/udp.js';
import { freePort, randomLoopbackHost } from '../../core/net/loopback.js';
import { parseProfile } from '../../core/profile/load.js';
import { executeCheck } from '../../harness/run/execute.js';
import leastFunctionality from '../../suites/fr7/tcp-least-functionality-open-ports.check.js';
import { startSimulator } from '../support/both-ways.js';

/** CR 7.7's extensions: banners of undeclared TCP ports and UDP probes, against real loopback peers. */

const host = randomLoopbackHost();
const tcpServers: Server[] = [];
const udpSockets: UdpSocket[] = [];

async function tcpPeer(onConnection: (socket: Socket) => void): Promise<number> {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  tcpServers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as { port: number }).port;
}

async function udpPeer(answer: (datagram: Buffer) => Buffer | undefined): Promise<number> {
  const socket = createSocket('udp4');
  socket.on('message', (datagram, peer) => {
    const reply = answer(datagram);
    if (reply) socket.send(reply, peer.port, peer.address);
  });
  udpSockets.push(socket);
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  return socket.address().port;
}

const probeOn = (service: string, port: number): UdpProbe => ({ ...UDP_PROBES.find((probe) => probe.service === service)!, port });
const bannerOf = (port: number, overrides: Partial<Parameters<typeof grabBanner>[0]> = {}) =>
  grabBanner({ host, port, connectTimeoutMs: 1_000, greetingWaitMs: 200, timeoutMs: 1_000, signal: AbortSignal.timeout(10_000), ...overrides });

describe('service banners of open TCP ports', function () {
  after(async function () {
    await Promise.all(tcpServers.map((server) => new Promise((resolve) => server.close(resolve))));
  });

  it('takes what a service says first', async function () {
    const port = await tcpPeer((socket) => socket.write('SSH-2.0-dropbear_2014.63\r\n'));
    expect(await bannerOf(port)).to.deep.include({ service: 'SSH', banner: 'SSH-2.0-dropbear_2014.63', note: 'sent unasked' });
  });

  it('strips Telnet negotiation from the banner', async function () {
    const port = await tcpPeer((socket) => socket.write(Buffer.concat([Buffer.from([0xff, 0xfb, 0x01, 0xff, 0xfb, 0x03]), Buffer.from('\r\nplc login: ')])));
    expect(await bannerOf(port)).to.deep.include({ service: 'Telnet', banner: 'plc login:' });
  });

  it('asks a quiet service for an HTTP answer', async function () {
    const port = await tcpPeer((socket) => socket.once('data', () => socket.end('HTTP/1.0 401 Unauthorized\r\nServer: Boa/0.94.13\r\n\r\n')));
    expect(await bannerOf(port)).to.deep.include({ service: 'HTTP (Boa/0.94.13)', banner: 'HTTP/1.0 401 Unauthorized | Server: Boa/0.94.13', note: 'answer to an HTTP HEAD request' });
  });

  it('says so when a service never answers or hangs up', async function () {
    const silent = await tcpPeer((socket) => socket.resume());
    const closing = await tcpPeer((socket) => socket.destroy());
    expect((await bannerOf(silent, { timeoutMs: 200 })).note).to.equal('silent, also after an HTTP HEAD request (waited 200 ms)');
    expect((await bannerOf(closing)).note).to.match(/^closed without a greeting|connection error/);
  });
});

describe('UDP service probes', function () {
  after(function () {
    for (const socket of udpSockets) socket.close();
  });

  it('recognises an SNMP agent and reads its sysDescr', async function () {
    const port = await udpPeer((datagram) => {
      const request = decodeSnmp(datagram);
      if (request.version === 3) return undefined;
      return encodeGetResponse({ version: request.version, community: request.community!, requestId: request.requestId!, oid: SYS_DESCR_OID, value: 'PLC 9000 rev 2' });
    });
    const [result] = await udpServiceScan({ host, probes: [probeOn('SNMP', port)], timeoutMs: 2_000, signal: AbortSignal.timeout(10_000) });
    expect(result).to.deep.equal({ port, service: 'SNMP', state: 'open', answer: 'SNMP v2c agent answering community "public", sysDescr "PLC 9000 rev 2"' });
  });

  it('recognises an NTP server', async function () {
    const port = await udpPeer(() => Buffer.concat([Buffer.from([0x24, 0x02]), Buffer.alloc(46)]));
    const [result] = await udpServiceScan({ host, probes: [probeOn('NTP', port)], timeoutMs: 2_000, signal: AbortSignal.timeout(10_000) });
    expect(result).to.deep.include({ state: 'open', answer: 'NTP server, stratum 2' });
  });

  it('calls a port that answers something else open, a refusing port closed, a silent one open|filtered', async function () {
    const echo = await udpPeer((datagram) => datagram);
    const silent = await udpPeer(() => undefined);
    const closed = await freePort(host);
    const results = await udpServiceScan({ host, probes: [probeOn('CoAP', echo), probeOn('BACnet/IP', silent), probeOn('TFTP', closed)], timeoutMs: 300, signal: AbortSignal.timeout(10_000) });
    // The CoAP request echoed back is a CoAP message too; it still proves a service on the port.
    expect(results.map((result) => [result.port, result.state])).to.deep.equal([
      [echo, 'open'],
      [silent, 'open|filtered'],
      [closed, 'closed'],
    ]);
  });

  it('an SNMPv3 discovery request and a GetRequest decode back to what was encoded', function () {
    expect(decodeSnmp(encodeV3Discovery(77))).to.include({ version: 3 });
    const request = decodeSnmp(encodeGetRequest({ version: 0, community: 'private', requestId: 300 }));
    expect(request).to.deep.include({ version: 0, community: 'private', requestId: 300, pduType: 0xa0 });
    expect(request.varbinds).to.deep.equal([{ oid: SYS_DESCR_OID, value: null }]);
  });
});

describe('CR 7.7 against the weak TLS device', function () {
  this.timeout(60_000);

  it('names the banners of the undeclared TCP ports and the UDP services that answered', async function () {
    const simulator = await startSimulator('tls', 'weak');
    try {
      const result = await executeCheck(leastFunctionality, parseProfile(simulator.running.profile));
      expect(result.status, result.observed ?? result.message).to.equal('fail');
      const [, twinPort, debugPort] = simulator.running.ports;
      expect(result.observed).to.include(`${debugPort} (`).and.include('BusyBox v1.19.4');
      expect(result.observed).to.include(`${twinPort} (`).and.include('HTTP/1.1 200 OK | Server: GoAhead-Webs');
      expect(result.observed).to.include('47808/udp BACnet/IP I-Am, device instance 1234');
      const details = result.details as { udp: Array<{ port: number; state: string; answer?: string }>; unexpectedUdp: number[] };
      const snmp = details.udp.find((entry) => entry.port === 161)!;
      // Port 161 needs privileges; when the simulator could bind it, the agent must be found and named.
      if (snmp.state === 'open') {
        expect(details.unexpectedUdp).to.include(161);
        expect(snmp.answer).to.include('community "public"');
      }
      expect(result.attachments.map((attachment) => attachment.name)).to.include.members(['Open TCP ports', 'UDP service probes']);
    } finally {
      await simulator.cleanup();
    }
  });

  it('leaves out a UDP service that answers on the control address too', async function () {
    // A service of the shared machine answers on every local address; one responder per address stands in for it.
    const tcpHost = randomLoopbackHost();
    const controlHost = randomLoopbackHost();
    const responders = [tcpHost, controlHost].map((address) => {
      const socket = createSocket('udp4');
      socket.on('message', (_datagram, peer) => socket.send(Buffer.from([0x81, 0x0a, 0x00, 0x06, 0x01, 0x00]), peer.port, peer.address));
      return new Promise<UdpSocket>((resolve) => socket.bind(47808, address, () => resolve(socket)));
    });
    const sockets = await Promise.all(responders);
    const listener = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => listener.listen(0, tcpHost, resolve));
    try {
      const port = (listener.address() as { port: number }).port;
      const profile = parseProfile({ component: { name: 'x', type: 'embedded-device' }, targetSL: 1, host: tcpHost, openPorts: [port], scan: { ports: `${port}`, controlHost } });
      const result = await executeCheck(leastFunctionality, profile);
      expect(result.status, result.observed ?? result.message).to.equal('pass');
      expect((result.details as { udpSharedHost: number[] }).udpSharedHost).to.deep.equal([47808]);
    } finally {
      for (const socket of sockets) socket.close();
      listener.close();
    }
  });
});
