import { expect } from 'chai';
import { createServer, type Server } from 'node:net';
import { discoverChecks } from '../../harness/run/discover.js';
import { executeCheck } from '../../harness/run/execute.js';
import { parseProfile } from '../../core/profile/load.js';
import { freePort, randomLoopbackHost } from '../../core/net/loopback.js';
import type { Check } from '../../core/check.js';

async function listen(host: string): Promise<{ server: Server; port: number }> {
  const port = await freePort(host);
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return { server, port };
}

describe('CR 7.7 open-port scan against loopback listeners', function () {
  const host = randomLoopbackHost();
  const controlHost = randomLoopbackHost();
  let check: Check;
  let intended: number;
  let stray: number;
  const servers: Server[] = [];

  before(async function () {
    check = (await discoverChecks()).find((entry) => entry.check.id === 'tcp.least-functionality.open-ports')!.check;
    const a = await listen(host);
    const b = await listen(host);
    servers.push(a.server, b.server);
    intended = a.port;
    stray = b.port;
  });
  after(() => servers.forEach((server) => server.close()));

  const profileFor = (openPorts: number[], scanPorts: string) =>
    parseProfile({
      component: { name: 'listener', type: 'embedded-device' },
      targetSL: 1,
      host,
      openPorts,
      scan: { ports: scanPorts, controlHost },
    });

  it('passes when every open port is declared', async function () {
    const result = await executeCheck(check, profileFor([intended, stray], `1-1024,${stray}`));
    expect(result.status, result.observed ?? result.message).to.equal('pass');
    expect(result.observed).to.include(String(intended));
  });

  it('fails and names the port when an open port is not declared', async function () {
    const result = await executeCheck(check, profileFor([intended], `1-1024,${stray}`));
    expect(result.status).to.equal('fail');
    expect(result.observed).to.include(`${stray}`);
    expect((result.details as { unexpected: number[] }).unexpected).to.deep.equal([stray]);
    expect(result.attachments.map((attachment) => attachment.name)).to.include('Open TCP ports');
  });

  it('leaves out ports that answer on the control address too (listeners of the shared machine)', async function () {
    const wildcard = createServer((socket) => socket.destroy());
    const port = await freePort('0.0.0.0');
    await new Promise<void>((resolve) => wildcard.listen(port, '0.0.0.0', resolve));
    try {
      const result = await executeCheck(check, profileFor([intended, stray], `${port}`));
      expect(result.status, result.observed ?? result.message).to.equal('pass');
      expect((result.details as { sharedHost: number[] }).sharedHost).to.deep.equal([port]);
      expect(result.observed).to.include('shared host');
    } finally {
      wildcard.close();
    }
  });

  it('gives error, not pass, when none of the declared ports answers', async function () {
    const closed = await freePort(host);
    const result = await executeCheck(check, profileFor([closed], `${closed}`));
    expect(result.status).to.equal('error');
    expect(result.message).to.match(/unreachable or not running/);
  });
});
