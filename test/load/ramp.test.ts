import { expect } from 'chai';
import { judgeStep, mergeLoads, rampRates, type LoadResult, type Sample } from '../../core/load/index.js';
import { parseProfile, ProfileError } from '../../core/profile/load.js';
import { resolveSettings } from '../../harness/run/execute.js';

const load = (started: number, elapsedMs: number, errors: LoadResult['errors'] = []): LoadResult => ({
  plannedRatePerSecond: 0,
  plannedDurationMs: elapsedMs,
  elapsedMs,
  started,
  completed: started,
  failed: 0,
  skipped: 0,
  achievedRatePerSecond: 0,
  errors,
  aborted: false,
});

describe('rate ramp: steps, step judgement and the required rate', function () {
  it('climbs in equal steps to the cap and adds the required rate as a step of its own', function () {
    expect(rampRates(800, 800)).to.deep.equal([200, 400, 600, 800]);
    expect(rampRates(800, 300)).to.deep.equal([200, 300, 400, 600, 800]);
    expect(rampRates(800, 50)).to.deep.equal([50, 200, 400, 600, 800]);
    expect(rampRates(2, 2)).to.deep.equal([0.5, 1, 1.5, 2]);
  });

  it('judges a step only from the load samples inside its window, with the bound and the tolerance', function () {
    const probe = { name: 'read level', maxLatencyMs: 100, connection: 'new' as const };
    const samples: Sample[] = [
      { t: 50, phase: 'baseline', latencyMs: 900, missed: false },
      ...Array.from({ length: 10 }, (_, index): Sample => ({ t: 1000 + index * 100, phase: 'load', latencyMs: 5, missed: false })),
      ...Array.from({ length: 10 }, (_, index): Sample => (index < 4 ? { t: 2000 + index * 100, phase: 'load', missed: true, error: 'connect refused' } : { t: 2000 + index * 100, phase: 'load', latencyMs: 150, missed: false })),
    ];
    const first = judgeStep([probe], [samples], { fromMs: 1000, toMs: 2000, ratePerSecond: 100 }, 0.1);
    expect(first.held).to.equal(true);
    expect(first.probes[0]!.stats.count).to.equal(10);
    const second = judgeStep([probe], [samples], { fromMs: 2000, toMs: 3000, ratePerSecond: 200 }, 0.1);
    expect(second.held).to.equal(false);
    expect(second.findings).to.deep.equal([
      'read level: p99 latency 150 ms exceeds 100 ms at 200/s',
      'read level: 4 of 10 samples lost at 200/s (40.0 %, tolerance 10.0 %)',
    ]);
    expect(judgeStep([probe], [[]], { fromMs: 0, toMs: 10, ratePerSecond: 5 }, 0.1).findings).to.deep.equal(['read level: no sample was taken at 5/s']);
  });

  it('adds up the steps into one load with the cap as its planned rate', function () {
    const merged = mergeLoads([load(100, 1000, [{ message: 'connect refused', count: 2 }]), load(300, 1000, [{ message: 'connect refused', count: 5 }])], 400);
    expect(merged).to.include({ plannedRatePerSecond: 400, started: 400, elapsedMs: 2000, achievedRatePerSecond: 200 });
    expect(merged.errors).to.deep.equal([{ message: 'connect refused', count: 7 }]);
  });

  it('takes the required rate from the profile, defaults it to the cap, and refuses one above the cap naming the field', function () {
    const base = { component: { name: 'plc', type: 'embedded-device' }, targetSL: 2, host: '127.0.0.1', endpoints: { modbus: { port: 502 } } };
    expect(resolveSettings(parseProfile({ ...base, load: { ratePerSecond: 800 } })).load.requiredRatePerSecond).to.equal(800);
    expect(resolveSettings(parseProfile({ ...base, load: { ratePerSecond: 800, requiredRatePerSecond: 300 } })).load.requiredRatePerSecond).to.equal(300);
    expect(resolveSettings(parseProfile(base)).load.requiredRatePerSecond).to.equal(200);
    expect(() => parseProfile({ ...base, load: { requiredRatePerSecond: 500 } })).to.throw(ProfileError, /load\.requiredRatePerSecond.*must not exceed load\.ratePerSecond \(200\/s\)/);
  });
});
