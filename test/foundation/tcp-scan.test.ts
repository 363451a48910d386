import { expect } from 'chai';
import { createServer, type Server } from 'node:net';
import { tcpConnectScan } from '../../adapters/tcp/scan.js';
import { freePort, randomLoopbackHost } from '../../core/net/loopback.js';

describe('TCP connect scan (batched, one sweep timer)', function () {
  const host = randomLoopbackHost();
  const servers: Server[] = [];
  const listening: number[] = [];

  before(async function () {
    for (let index = 0; index < 3; index++) {
      const port = await freePort(host);
      const server = createServer((socket) => socket.destroy());
      await new Promise<void>((resolve) => server.listen(port, host, resolve));
      servers.push(server);
      listening.push(port);
    }
    listening.sort((a, b) => a - b);
  });
  after(() => servers.forEach((server) => server.close()));

  it('tells open from closed ports, whatever the concurrency, and counts every port once', async function () {
    const closedPorts = Array.from({ length: 300 }, (_, index) => 20_000 + index).filter((port) => !listening.includes(port));
    const ports = [...closedPorts, ...listening];
    for (const concurrency of [1, 7, 1024]) {
      const result = await tcpConnectScan({ host, ports, connectTimeoutMs: 1_000, concurrency, signal: new AbortController().signal });
      expect(result.open, `concurrency ${concurrency}`).to.deep.equal(listening);
      expect(result.closed).to.equal(closedPorts.length);
      expect(result.filtered).to.deep.equal([]);
      expect(result.scanned).to.equal(ports.length);
    }
  });

  it('resolves a host name once and scans its address', async function () {
    const result = await tcpConnectScan({ host: 'localhost', ports: [1], connectTimeoutMs: 1_000, concurrency: 4, signal: new AbortController().signal });
    expect(result.scanned).to.equal(1);
    expect(result.open.length + result.closed + result.filtered.length).to.equal(1);
  });

  it('an empty port list resolves at once', async function () {
    const result = await tcpConnectScan({ host, ports: [], connectTimeoutMs: 1_000, concurrency: 128, signal: new AbortController().signal });
    expect(result).to.include({ scanned: 0, closed: 0 });
  });

  it('stops at the abort with its reason and leaves no socket behind', async function () {
    const controller = new AbortController();
    const ports = Array.from({ length: 65_535 }, (_, index) => index + 1);
    const handlesBefore = process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length;
    const scan = tcpConnectScan({ host, ports, connectTimeoutMs: 1_000, concurrency: 64, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('operator stopped the scan')), 20);
    const error = await scan.then(
      () => undefined,
      (reason: Error) => reason,
    );
    expect(error?.message).to.equal('operator stopped the scan');
    // A destroyed socket closes its handle on a later turn of the event loop.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const handlesAfter = process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length;
    expect(handlesAfter).to.be.at.most(handlesBefore);
  });

  it('a signal aborted before the scan rejects without connecting', async function () {
    const controller = new AbortController();
    controller.abort(new Error('already stopped'));
    const error = await tcpConnectScan({ host, ports: listening, connectTimeoutMs: 1_000, concurrency: 4, signal: controller.signal }).catch((reason: Error) => reason);
    expect((error as Error).message).to.equal('already stopped');
  });
});
