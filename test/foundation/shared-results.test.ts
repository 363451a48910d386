import { expect } from 'chai';
import { createServer, type Server } from 'node:net';
import type { Check } from '../../core/check.js';
import { freePort, randomLoopbackHost } from '../../core/net/loopback.js';
import { parseProfile } from '../../core/profile/load.js';
import { SharedResults } from '../../core/shared-results.js';
import { discoverChecks } from '../../harness/run/discover.js';
import { executeCheck } from '../../harness/run/execute.js';

describe('results the checks of a run share (a full port scan)', function () {
  it('makes a result once, reuses it with who made it, forgets a failed attempt and everything on clear()', async function () {
    const store = new SharedResults();
    let made = 0;
    const make = async () => ++made;
    expect(await store.get('scan', 'check A', make)).to.deep.equal({ value: 1 });
    const again = await store.get('scan', 'check B', make);
    expect(again.value).to.equal(1);
    expect(again.reusedFrom?.madeBy).to.equal('check A');
    expect(made).to.equal(1);

    const failing = store.get('other', 'check A', () => Promise.reject(new Error('aborted')));
    await failing.then(
      () => expect.fail('a failed attempt must reject'),
      (error: Error) => expect(error.message).to.equal('aborted'),
    );
    expect((await store.get('other', 'check B', make)).reusedFrom, 'a failed attempt is not reused').to.equal(undefined);

    store.clear();
    expect((await store.get('scan', 'check C', make)).value).to.equal(3);
  });

  describe('the CR 7.7 check within a run', function () {
    const host = randomLoopbackHost();
    let server: Server;
    let port: number;
    let check: Check;

    before(async function () {
      check = (await discoverChecks()).find((entry) => entry.check.id === 'tcp.least-functionality.open-ports')!.check;
      port = await freePort(host);
      server = createServer((socket) => socket.destroy());
      await new Promise<void>((resolve) => server.listen(port, host, resolve));
    });
    after(() => server.close());

    it('reuses the scan an earlier check of the run made, says so in the transcript, and reaches the same verdict', async function () {
      const profile = parseProfile({ component: { name: 'listener', type: 'embedded-device' }, targetSL: 1, host, openPorts: [port], scan: { ports: `1-2000,${port}` } });
      const shared = new SharedResults();
      const first = await executeCheck(check, profile, { shared });
      expect(first.status, first.observed ?? first.message).to.equal('pass');
      expect(first.transcript.join('\n')).to.not.include('reused');

      const second = await executeCheck(check, profile, { shared });
      expect(second.status).to.equal('pass');
      expect(second.transcript.join('\n')).to.match(/reused TCP connect scan of .* made \d+\.\d s ago in this run by tcp\.least-functionality\.open-ports on network/);
      expect((second.details as { open: number[] }).open).to.deep.equal((first.details as { open: number[] }).open);

      // A check run on its own scans by itself.
      const alone = await executeCheck(check, profile);
      expect(alone.transcript.join('\n')).to.not.include('reused');
    });
  });
});
