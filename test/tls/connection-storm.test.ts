import { expect } from 'chai';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { issueCertificate } from '../../adapters/pki/certificates.js';
import { connectionStorm } from '../../adapters/tcp/storm.js';
import { freePort, randomLoopbackHost } from '../../core/net/loopback.js';
import { parseProfile } from '../../core/profile/load.js';
import { executeCheck } from '../../harness/run/execute.js';
import type { Check } from '../../core/check.js';
import { discoverChecks } from '../../harness/run/discover.js';
import { startSimulator } from '../support/both-ways.js';

/** CR 7.1's TCP connection storm beyond the TLS simulator: its worker, the Modbus monitor path, selection, abort. */

// Twenty samples under load; the tolerance leaves room for scheduling stalls on a shared two-core test machine.
const SHORT_STORM = { load: { ratePerSecond: 200, durationMs: 2_000, sampleIntervalMs: 100, lossTolerance: 0.2, fuzzCasesPerSecond: 500 } };

describe('TCP connection storm', function () {
  this.timeout(60_000);
  let storm: Check;

  // Loaded the way the runner loads it (a dynamic import): the Modbus adapter it uses imports jsmodbus as a default
  // export, which only native ESM loading provides.
  before(async function () {
    storm = (await discoverChecks()).find((entry) => entry.check.id === 'tcp.availability.connection-storm')!.check;
  });

  it('the worker takes the ports in turn and counts what each one did', async function () {
    const host = randomLoopbackHost();
    const server = createHttpsServer({});
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    const open = (server.address() as { port: number }).port;
    const closed = await freePort(host);
    try {
      const { worker, stats } = connectionStorm(host, [open, closed], { connectTimeoutMs: 2_000 });
      const outcomes = await Promise.allSettled([0, 1, 2, 3].map(() => worker(AbortSignal.timeout(10_000))));
      expect(outcomes.map((outcome) => outcome.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
      expect((outcomes[1] as PromiseRejectedResult).reason.message).to.equal(`port ${closed}: connection refused`);
      expect(stats()).to.deep.equal([
        { port: open, attempts: 2, connected: 2, refused: 0, timedOut: 0, otherErrors: 0 },
        { port: closed, attempts: 2, connected: 0, refused: 2, timedOut: 0, otherErrors: 0 },
      ]);
    } finally {
      server.close();
    }
  });

  it('watches the Modbus essential functions of a Modbus device through the shared monitor', async function () {
    const simulator = await startSimulator('modbus', 'hardened');
    try {
      const result = await executeCheck(storm, parseProfile(simulator.running.profile), { disruptive: true, settings: SHORT_STORM });
      expect(result.status, result.observed ?? result.message).to.equal('pass');
      expect(result.observed).to.match(/held up to 200\/s \(the cap; never broke\)/);
      expect(result.observed).to.match(/read tank level \(held connection\) at 200\/s: p99 .*read tank level \(new connection\) at 200\/s: p99 .*read level setpoint \(new connection\) at 200\/s: p99/);
      expect(result.attachments.map((attachment) => attachment.name)).to.include('Essential functions by load rate');
      expect(result.attachments.map((attachment) => attachment.name)).to.include.members(['Essential-function latency under load', 'Essential-function samples']);
    } finally {
      await simulator.cleanup();
    }
  });

  it('is not applicable when the profile offers nothing it can watch', async function () {
    const profile = parseProfile({
      component: { name: 'opc ua only', type: 'embedded-device' },
      targetSL: 2,
      host: '127.1.2.3',
      // An OPC UA endpoint without essential functions, and no TLS service: nothing to watch during the storm.
      endpoints: { opcua: { url: 'opc.tcp://127.1.2.3:4840' } },
    });
    const result = await executeCheck(storm, profile, { disruptive: true });
    expect(result.status).to.equal('not-applicable');
    expect(result.message).to.include('nothing this check can monitor');
  });

  it('stops opening connections once the run is aborted', async function () {
    const host = randomLoopbackHost();
    const cert = issueCertificate({ commonName: host, san: { ips: [host] } });
    let connections = 0;
    const server: HttpsServer = createHttpsServer({ key: cert.keyPem, cert: cert.certPem }, (_request, response) => response.end('ok'));
    server.on('connection', () => connections++);
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    const port = (server.address() as { port: number }).port;
    const controller = new AbortController();
    try {
      const profile = parseProfile({ component: { name: 'web', type: 'embedded-device' }, targetSL: 1, host, endpoints: { tls: [{ name: 'web', port }] }, openPorts: [port] });
      const running = executeCheck(storm, profile, { disruptive: true, signal: controller.signal, settings: { load: { ...SHORT_STORM.load, durationMs: 60_000 } } });
      while (connections < 100) await new Promise((resolve) => setTimeout(resolve, 20));
      controller.abort(new Error('stopped by the test'));
      const result = await running;
      expect(result.status).to.equal('not-tested');
      // The rules give a check one second to stop; connections already under way may still land in it.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const afterwards = connections;
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(connections, 'connections opened more than a second after the abort').to.equal(afterwards);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
