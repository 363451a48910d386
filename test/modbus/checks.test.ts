import { expect } from 'chai';
import net from 'node:net';
import { findRequirement } from '../../core/catalog/index.js';
import { randomLoopbackHost, freePort } from '../../core/net/loopback.js';
import { parseProfile } from '../../core/profile/load.js';
import type { ProfileInput } from '../../core/profile/schema.js';
import { discoverChecks } from '../../harness/run/discover.js';
import { executeCheck } from '../../harness/run/execute.js';
import type { Check } from '../../core/check.js';
import { judge } from '../../core/verdict/judge.js';
import { startSimulator } from '../support/both-ways.js';

const quick = { connectTimeoutMs: 1000, requestTimeoutMs: 500 };

async function check(id: string): Promise<Check> {
  const found = (await discoverChecks()).find((entry) => entry.check.id === id);
  if (!found) throw new Error(`no check ${id}`);
  return found.check;
}

function deviceAt(host: string, port: number): ProfileInput {
  return {
    component: { name: 'Device under test', type: 'embedded-device' },
    targetSL: 2,
    host,
    endpoints: { modbus: { port, unitId: 1 } },
    essentialFunctions: [{ name: 'read tank level', modbus: { read: 'input', address: 0, count: 1 }, maxLatencyMs: 200 }],
  };
}

describe('modbus checks: compensation on plain Modbus/TCP', function () {
  this.timeout(60_000);
  let hardened: Awaited<ReturnType<typeof startSimulator>>;
  before(async function () {
    hardened = await startSimulator('modbus', 'hardened');
  });
  after(async function () {
    await hardened?.cleanup();
  });

  for (const id of [
    'modbus.authentication.client-certificate-required',
    'modbus.authentication.mutual-device-authentication',
    'modbus.authorization.viewer-cannot-write',
    'modbus.integrity.tampered-request-rejected',
    'modbus.confidentiality.encrypted-transport',
  ]) {
    it(`${id}: the gap is observed and the declared countermeasure makes the requirement compensated`, async function () {
      const input = structuredClone(hardened.running.profile);
      // The role check writes only where the profile allows it (issue 14, item 8).
      input.endpoints!.modbus = { ...input.endpoints!.modbus!, writeProbes: [{ table: 'holding', address: 0 }] };
      const profile = parseProfile(input);
      const subject = await check(id);
      const result = await executeCheck(subject, profile, { settings: quick });
      expect(result.status, result.observed ?? result.message).to.equal('fail');
      expect(result.observed).to.match(/plain Modbus\/TCP/);
      const verdict = judge(findRequirement(result.requirementId)!, profile, [result], ['modbus']);
      expect(verdict.verdict).to.equal('compensated');
      expect(verdict.rationale).to.match(/segmentation|control zone/i);
    });
  }
});

describe('modbus checks: evidence', function () {
  this.timeout(60_000);
  let hardened: Awaited<ReturnType<typeof startSimulator>>;
  before(async function () {
    hardened = await startSimulator('modbus', 'hardened');
  });
  after(async function () {
    await hardened?.cleanup();
  });

  it('CR 3.5 states the fuzzing rate and attaches per-case results as CSV and JSON', async function () {
    const result = await executeCheck(await check('modbus.robustness.malformed-requests'), parseProfile(hardened.running.profile), {
      disruptive: true,
      settings: { ...quick, load: { ratePerSecond: 100, durationMs: 500, sampleIntervalMs: 100, lossTolerance: 0.1, fuzzCasesPerSecond: 2000 } },
    });
    expect(result.status, result.observed ?? result.message).to.equal('pass');
    expect(result.observed).to.match(/\d+ cases\/s/);
    const csv = result.attachments.find((attachment) => attachment.contentType === 'text/csv');
    expect(String(csv?.content).split('\n')[0]).to.equal('id,category,verdict,expected,observed,problem,latency_ms,sent');
    const json = JSON.parse(String(result.attachments.find((attachment) => attachment.contentType === 'application/json')?.content));
    expect(json.results.length).to.be.greaterThan(100);
    expect(json.results[0]).to.include.keys('id', 'category', 'verdict', 'sent', 'observed');
  });

  it('CR 7.1 states the achieved request rate and attaches the latency chart and samples', async function () {
    const result = await executeCheck(await check('modbus.availability.request-flood'), parseProfile(hardened.running.profile), {
      disruptive: true,
      // Each step of the ramp lasts durationMs: 10 samples a step, so one slow sample on a busy machine is not 20 % lost.
      settings: { ...quick, load: { ratePerSecond: 1000, durationMs: 1000, sampleIntervalMs: 100, lossTolerance: 0.2, fuzzCasesPerSecond: 500 } },
    });
    expect(result.status, result.observed ?? result.message).to.equal('pass');
    expect(result.observed).to.match(/read requests at \d+\/s \(planned 1000\/s\)/);
    expect((result.details as { achievedRatePerSecond: number }).achievedRatePerSecond).to.be.greaterThan(0);
    expect(result.attachments.map((attachment) => attachment.contentType)).to.include.members(['image/svg+xml', 'text/csv', 'application/json']);
  });

  it('CR 7.8 records the identification and points out where it differs from the declared inventory', async function () {
    const input = structuredClone(hardened.running.profile);
    input.component = { ...input.component, vendor: 'Another Vendor' };
    const result = await executeCheck(await check('modbus.inventory.device-identification'), parseProfile(input), { settings: quick });
    expect(result.status, result.observed ?? result.message).to.equal('pass');
    expect(result.observed).to.match(/VendorName="Example Automation"/);
    expect(result.observed).to.match(/differs from the profile, to review: VendorName "Example Automation" vs declared vendor "Another Vendor"/);
    expect(result.attachments.find((attachment) => attachment.contentType === 'application/json')?.content).to.match(/MajorMinorRevision/);
  });

  it('disruptive checks are not run unless allowed', async function () {
    const result = await executeCheck(await check('modbus.availability.connection-storm'), parseProfile(hardened.running.profile), { settings: quick });
    expect(result.status).to.equal('not-tested');
  });
});

describe('modbus checks: dead and silent targets end in error', function () {
  this.timeout(60_000);

  it('a closed port gives error, with the address in the message', async function () {
    const host = randomLoopbackHost();
    const port = await freePort(host);
    const profile = parseProfile(deviceAt(host, port));
    for (const id of ['modbus.error-handling.prescribed-exception-codes', 'modbus.availability.request-flood', 'modbus.robustness.malformed-requests']) {
      const result = await executeCheck(await check(id), profile, { disruptive: true, settings: quick });
      expect(result.status, `${id}: ${result.observed ?? result.message}`).to.equal('error');
      expect(result.message).to.include(`${host}:${port}`);
    }
  });

  it('a device that accepts connections and never answers gives error, not fail', async function () {
    const host = randomLoopbackHost();
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    try {
      const profile = parseProfile(deviceAt(host, (server.address() as net.AddressInfo).port));
      for (const id of [
        'modbus.error-handling.prescribed-exception-codes',
        'modbus.inventory.device-identification',
        'modbus.authentication.client-certificate-required',
        'modbus.availability.connection-storm',
      ]) {
        const result = await executeCheck(await check(id), profile, { disruptive: true, settings: quick });
        expect(result.status, `${id}: ${result.observed ?? result.message}`).to.equal('error');
      }
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
