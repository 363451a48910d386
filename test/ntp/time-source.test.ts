import { expect } from 'chai';
import { createSocket } from 'node:dgram';
import { clientRequest, MODE_SERVER, offsetFromReply, readHeader, readTimestamp } from '../../adapters/ntp/packet.js';
import { SntpServer } from '../../adapters/ntp/server.js';
import { freePort, randomLoopbackHost } from '../../core/net/loopback.js';

async function ask(server: { host: string; port: number }, from: string): Promise<Buffer | undefined> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, from, () => resolve()));
  try {
    return await new Promise<Buffer | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), 500);
      socket.once('message', (packet) => {
        clearTimeout(timer);
        resolve(packet);
      });
      socket.send(clientRequest(Date.now()), server.port, server.host);
    });
  } finally {
    socket.close();
  }
}

describe('SNTP time source over real UDP sockets', function () {
  this.timeout(10_000);

  it('answers the device with the harness clock and ignores everyone else', async function () {
    const host = randomLoopbackHost();
    const device = randomLoopbackHost();
    const server = await SntpServer.open({ host, port: await freePort(host), acceptFrom: device });
    try {
      const sent = Date.now();
      const reply = await ask(server, device);
      expect(reply, 'an answer to the device').to.not.equal(undefined);
      const header = readHeader(reply!)!;
      expect(header).to.include({ mode: MODE_SERVER, version: 4, stratum: 2 });
      expect(Math.abs(readTimestamp(reply!, 40) - sent)).to.be.below(1_000);
      expect(Math.abs(offsetFromReply(reply!, Date.now()))).to.be.below(50);
      expect(await ask(server, randomLoopbackHost())).to.equal(undefined);
      expect(server.queries.map((query) => query.peer)).to.deep.equal([device]);
      expect(server.ignored).to.equal(1);
    } finally {
      await server.close();
    }
  });
});
