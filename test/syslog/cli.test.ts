import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, randomLoopbackHost } from '../../core/net/loopback.js';
import { cli } from '../support/harness-cli.js';

/** The acceptance: a collector address that cannot be bound stops the run with exit 2, naming the field, before any check. */
describe('iec62443-harness run: the syslog collector address is tried before any check', function () {
  this.timeout(60_000);
  const work = mkdtempSync(join(tmpdir(), 'syslog-cli-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  it('exits 2 naming endpoints.syslog.listen when the address is taken', async function () {
    const collectorHost = randomLoopbackHost();
    const port = await freePort(collectorHost);
    const squatter = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => squatter.listen(port, collectorHost, () => resolve()));
    try {
      const profile = join(work, 'device.yaml');
      writeFileSync(
        profile,
        [
          'component: {name: PLC, vendor: ACME, model: X, type: embedded-device}',
          'targetSL: 2',
          `host: ${randomLoopbackHost()}`,
          'endpoints:',
          `  syslog: {listen: "${collectorHost}:${port}", transport: tcp}`,
          '',
        ].join('\n'),
      );
      const run = await cli(['run', '--profile', profile, '--out', join(work, 'out'), '--allure', 'none']);
      expect(run.code, run.output).to.equal(2);
      expect(run.stderr).to.include(`endpoints.syslog.listen: cannot listen on tcp://${collectorHost}:${port}: EADDRINUSE; the collector must listen where the device sends its log`);
      expect(run.output).to.not.match(/\[1\/\d+\]/);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});
