import { expect } from 'chai';
import { createServer } from 'node:net';
import { listenAddress } from '../../adapters/syslog/endpoint.js';
import { parseProfile } from '../../core/profile/load.js';
import type { ProfileInput } from '../../core/profile/schema.js';
import { discoverChecks } from '../../harness/run/discover.js';
import { executeCheck } from '../../harness/run/execute.js';
import { startSimulator } from '../support/both-ways.js';

/**
 * The syslog checks over each transport the collector speaks, what CR 2.10 says of UDP, and the collector's safety:
 * an address it cannot bind is an error naming the profile field, and it is closed when a check is aborted.
 */

async function run(checkId: string, input: ProfileInput, options: { signal?: AbortSignal } = {}) {
  const found = (await discoverChecks()).find((entry) => entry.check.id === checkId);
  if (!found) throw new Error(`no check ${checkId}`);
  return executeCheck(found.check, parseProfile(input, 'syslog simulator self-description'), { disruptive: true, ...options });
}

const syslogOf = (profile: ProfileInput) => (profile.endpoints as { syslog: { listen: string; transport: string } }).syslog;

for (const variant of ['hardened-udp', 'hardened-tls'] as const) {
  describe(`syslog simulator (${variant})`, function () {
    this.timeout(60_000);
    let simulator: Awaited<ReturnType<typeof startSimulator>>;
    before(async function () {
      simulator = await startSimulator('syslog', variant);
    });
    after(async function () {
      await simulator?.cleanup();
    });

    it('passes CR 2.8, CR 2.11 and CR 6.1 over its transport', async function () {
      for (const checkId of ['syslog.audit.security-events-recorded', 'syslog.timestamps.clock-and-zone', 'syslog.records.machine-readable']) {
        const result = await run(checkId, simulator.running.profile);
        expect(result.status, `${checkId}: ${result.observed ?? result.message}`).to.equal('pass');
      }
    });

    if (variant === 'hardened-udp') {
      it('CR 2.10 does not apply over UDP, and says why', async function () {
        const result = await run('syslog.outage.essential-functions-and-buffer', simulator.running.profile);
        expect(result.status).to.equal('not-applicable');
        expect(result.message).to.equal('the device sends syslog over UDP, where it cannot notice that the collector is away (transport udp)');
      });
    } else {
      it('CR 2.10 passes over TLS: the device buffers while the collector is away', async function () {
        const result = await run('syslog.outage.essential-functions-and-buffer', simulator.running.profile);
        expect(result.status, result.observed ?? result.message).to.equal('pass');
        expect(result.observed).to.match(/buffered: failed login as unknown user "nouser-[0-9a-f]+" → record [\d.]+ s after the collector came back/);
      });
    }
  });
}

describe('syslog collector safety', function () {
  this.timeout(60_000);
  let simulator: Awaited<ReturnType<typeof startSimulator>>;
  before(async function () {
    simulator = await startSimulator('syslog', 'hardened');
  });
  after(async function () {
    await simulator?.cleanup();
  });

  it('an address that cannot be bound is an error naming endpoints.syslog.listen', async function () {
    const { host, port } = listenAddress(syslogOf(simulator.running.profile));
    // The simulated device connects to whatever listens there; the squatter hangs up on it.
    const squatter = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => squatter.listen(port, host, () => resolve()));
    try {
      const result = await run('syslog.audit.security-events-recorded', simulator.running.profile);
      expect(result.status).to.equal('error');
      expect(result.message).to.equal(`endpoints.syslog.listen: cannot listen on tcp://${host}:${port}: EADDRINUSE`);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('a check aborted mid-way (Ctrl-C) leaves nothing listening', async function () {
    const { host, port } = listenAddress(syslogOf(simulator.running.profile));
    const controller = new AbortController();
    // The disruptive check waits out its outage; the run is interrupted during it.
    const running = run('syslog.outage.essential-functions-and-buffer', simulator.running.profile, { signal: controller.signal });
    setTimeout(() => controller.abort(), 1_500);
    const result = await running;
    expect(result.status).to.equal('not-tested');
    expect(result.message).to.match(/^the run was interrupted during this check/);
    const rebound = createServer();
    await new Promise<void>((resolve, reject) => {
      rebound.once('error', reject);
      rebound.listen(port, host, () => resolve());
    });
    await new Promise((resolve) => rebound.close(resolve));
  });

  it('sources naming an interface the profile lacks is an error naming the field', async function () {
    const input = structuredClone(simulator.running.profile);
    (syslogOf(input) as { sources?: string[] }).sources = ['web-management', 'ssh'];
    const result = await run('syslog.records.machine-readable', input);
    expect(result.status).to.equal('error');
    expect(result.message).to.match(/^endpoints\.syslog\.sources names "ssh", which the profile does not declare \(interfaces: .*web-management/);
  });

  it('rejects a wildcard listen address, naming the field', function () {
    const input = structuredClone(simulator.running.profile);
    syslogOf(input).listen = '0.0.0.0:514';
    expect(() => parseProfile(input, 'test')).to.throw(/endpoints\.syslog\.listen.*not a wildcard/s);
  });
});

describe('syslog simulator (hardened-opcua): events caused through OPC UA as well', function () {
  this.timeout(90_000);
  let simulator: Awaited<ReturnType<typeof startSimulator>>;
  before(async function () {
    simulator = await startSimulator('syslog', 'hardened-opcua');
  });
  after(async function () {
    await simulator?.cleanup();
  });

  it('CR 2.8 matches a failed OPC UA login to the record the server sent', async function () {
    const result = await run('syslog.audit.security-events-recorded', simulator.running.profile);
    expect(result.status, result.observed ?? result.message).to.equal('pass');
    expect(result.observed).to.match(/; opcua: failed login as unknown user "iec62443-nobody-[0-9a-f]+" → record [\d.]+ s later; bound 5 s \(profile\)$/);
    expect(result.failedLogins?.map((entry) => entry.username)).to.have.length(2);
  });

  it('CR 2.10 watches the OPC UA essential functions with the OPC UA interface\'s own accounts during the outage', async function () {
    const result = await run('syslog.outage.essential-functions-and-buffer', simulator.running.profile);
    expect(result.status, result.observed ?? result.message).to.equal('pass');
    expect(result.observed).to.match(/\(new session\) (\d+)\/\1 answered in time/);
  });
});
