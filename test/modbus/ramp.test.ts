import { expect } from 'chai';
import type { CheckResult, ProgressUpdate } from '../../core/check.js';
import type { RampSummary } from '../../core/load/index.js';
import { parseProfile } from '../../core/profile/load.js';
import { discoverChecks } from '../../harness/run/discover.js';
import { executeCheck } from '../../harness/run/execute.js';
import { startSimulator } from '../support/both-ways.js';

/**
 * The CR 7.1 rate ramp against the simulated PLC, over real sockets: the load rises in steps up to the profile's cap,
 * the check reports the highest rate at which the essential functions held and the one at which they broke, and the
 * verdict compares the held rate with the required one. The weak stack serves about 1000 reads/s on one simulated CPU;
 * the hardened one about 4000 and sheds the rest, so a ramp to 2000/s breaks the first and not the second.
 */

const quick = { connectTimeoutMs: 1000, requestTimeoutMs: 1000 };
const flood = (ratePerSecond: number, requiredRatePerSecond?: number) => ({
  ...quick,
  load: { ratePerSecond, ...(requiredRatePerSecond !== undefined ? { requiredRatePerSecond } : {}), durationMs: 1000, sampleIntervalMs: 100, lossTolerance: 0.15, fuzzCasesPerSecond: 500 },
});

async function runCheck(
  simulator: Awaited<ReturnType<typeof startSimulator>>,
  id: string,
  settings: ReturnType<typeof flood>,
  options: { signal?: AbortSignal; onProgress?: (update: ProgressUpdate) => void } = {},
): Promise<CheckResult> {
  const found = (await discoverChecks()).find((entry) => entry.check.id === id);
  if (!found) throw new Error(`no check ${id}`);
  return executeCheck(found.check, parseProfile(simulator.running.profile), { disruptive: true, settings, ...options });
}

const rampOf = (result: CheckResult) => (result.details as { ramp: RampSummary }).ramp;

describe('CR 7.1 rate ramp (modbus simulator)', function () {
  this.timeout(120_000);

  describe('hardened', function () {
    let simulator: Awaited<ReturnType<typeof startSimulator>>;
    before(async () => (simulator = await startSimulator('modbus', 'hardened')));
    after(async () => simulator?.cleanup());

    it('holds every step of a request-flood ramp up to the cap and says so, with the ramp chart', async function () {
      const updates: ProgressUpdate[] = [];
      const result = await runCheck(simulator, 'modbus.availability.request-flood', flood(2000), { onProgress: (update) => updates.push(update) });
      expect(result.status, result.observed ?? result.message).to.equal('pass');
      expect(updates.some((update) => /^load step [1-4] of 4 at \d+\/s: \d+ of \d+ monitor samples lost$/.test(update.phase) && update.ratePerSecond !== undefined), 'the live line names the step').to.equal(true);
      const ramp = rampOf(result);
      expect(ramp.plannedRates).to.deep.equal([500, 1000, 1500, 2000]);
      expect(ramp.heldRatePerSecond).to.equal(2000);
      expect(ramp.brokenRatePerSecond).to.equal(undefined);
      expect(ramp.requiredRatePerSecond, 'the required rate defaults to the cap').to.equal(2000);
      expect(result.observed).to.match(/essential functions held up to 2000\/s \(the cap; never broke\) \(steps 500\/s, 1000\/s, 1500\/s, 2000\/s, 1000 ms each; required 2000\/s\)/);
      const chart = result.attachments.find((attachment) => attachment.name === 'Essential functions by load rate');
      expect(chart?.contentType).to.equal('image/svg+xml');
      expect(String(chart?.content)).to.include('2000/s (required)').and.include('held');
      const figures = JSON.parse(String(result.attachments.find((attachment) => attachment.contentType === 'application/json')?.content));
      expect(figures.ramp.steps).to.have.length(4);
    });

    it('stops the ramp within about a second when the run is interrupted', async function () {
      const controller = new AbortController();
      const begin = Date.now();
      const running = runCheck(simulator, 'modbus.availability.request-flood', { ...quick, load: { ...flood(2000).load, durationMs: 20_000 } }, { signal: controller.signal });
      // Into the first step: baseline and pre-load checks take well under 3 s.
      setTimeout(() => controller.abort(new Error('interrupted')), 3000);
      const result = await running;
      expect(result.status).to.not.equal('pass');
      // A 4-step ramp of 20 s steps would take 80 s; an interrupted one ends soon after the abort.
      expect(Date.now() - begin).to.be.below(3000 + 10_000);
    });
  });

  describe('weak', function () {
    let simulator: Awaited<ReturnType<typeof startSimulator>>;
    before(async () => (simulator = await startSimulator('modbus', 'weak')));
    after(async () => simulator?.cleanup());

    it('breaks below the cap: the check names the rate at which the functions broke and fails against the required rate', async function () {
      const result = await runCheck(simulator, 'modbus.availability.request-flood', flood(2000));
      expect(result.status, result.observed ?? result.message).to.equal('fail');
      const ramp = rampOf(result);
      expect(ramp.brokenRatePerSecond).to.be.a('number').and.at.most(2000);
      if (ramp.heldRatePerSecond !== undefined) expect(ramp.heldRatePerSecond).to.be.below(ramp.brokenRatePerSecond!);
      expect(ramp.steps.at(-1)!.ratePerSecond, 'the ramp stops at the step that broke').to.equal(ramp.brokenRatePerSecond);
      expect(result.observed).to.match(/essential functions held (only up to \d+\/s|at no step of the ramp), below the required 2000\/s; at \d+\/s: .*(p99 latency [\d.]+ ms exceeds 200 ms|samples lost|samples answered) at \d+\/s/);
      expect(result.observed).to.match(/broke at \d+\/s \(steps 500\/s, 1000\/s, 1500\/s, 2000\/s, 1000 ms each; required 2000\/s\)/);
    });

    it('passes when the rate it held meets a lower required rate, and still reports where it broke', async function () {
      const result = await runCheck(simulator, 'modbus.availability.request-flood', flood(2000, 250));
      const ramp = rampOf(result);
      expect(ramp.plannedRates).to.deep.equal([250, 500, 1000, 1500, 2000]);
      expect(result.status, result.observed ?? result.message).to.equal('pass');
      expect(ramp.heldRatePerSecond).to.be.at.least(250);
      expect(ramp.brokenRatePerSecond).to.be.a('number');
      expect(result.observed).to.match(/held up to \d+\/s, broke at \d+\/s \(steps 250\/s, .*required 250\/s\)/);
    });

    it('breaks a connection-storm ramp as well', async function () {
      const result = await runCheck(simulator, 'modbus.availability.connection-storm', flood(800));
      expect(result.status, result.observed ?? result.message).to.equal('fail');
      expect(rampOf(result).brokenRatePerSecond).to.be.a('number').and.at.most(800);
      expect(result.observed).to.match(/below the required 800\/s; at \d+\/s: /);
    });
  });
});
