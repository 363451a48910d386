import { expect } from 'chai';
import {
  judgeAvailability,
  MAX_RATE_PER_SECOND,
  measurementWindows,
  measureUnderLoad,
  percentile,
  renderLatencySvg,
  runLoad,
  startMonitor,
  summarize,
  toCsv,
  type Sample,
} from '../../core/load/index.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('load engine: runLoad', function () {
  it('starts no more operations than rate × duration and reports the achieved rate', async function () {
    let calls = 0;
    const result = await runLoad({
      ratePerSecond: 200,
      durationMs: 300,
      signal: new AbortController().signal,
      worker: async () => {
        calls++;
      },
    });
    expect(result.started).to.equal(calls);
    expect(result.started).to.be.at.most(60);
    expect(result.started).to.be.at.least(1);
    expect(result.completed).to.equal(result.started);
    expect(result.failed).to.equal(0);
    expect(result.achievedRatePerSecond).to.be.greaterThan(0);
    expect(result.aborted).to.equal(false);
  });

  it('clamps a requested rate above the hard bound', async function () {
    const result = await runLoad({ ratePerSecond: 10 * MAX_RATE_PER_SECOND, durationMs: 100, signal: new AbortController().signal, emit: (due) => due });
    expect(result.plannedRatePerSecond).to.equal(MAX_RATE_PER_SECOND);
    expect(result.started).to.be.at.most(MAX_RATE_PER_SECOND / 10 + 1);
  });

  it('stops starting work once the signal aborts and resolves as aborted', async function () {
    const controller = new AbortController();
    let calls = 0;
    const running = runLoad({
      ratePerSecond: 1000,
      durationMs: 60_000,
      signal: controller.signal,
      worker: async (signal) => {
        calls++;
        // A worker that would hang for ever if the engine did not abort it.
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      },
    });
    await sleep(100);
    controller.abort();
    const result = await running;
    const callsAtEnd = calls;
    await sleep(50);
    expect(result.aborted).to.equal(true);
    expect(calls).to.equal(callsAtEnd);
    expect(result.started).to.equal(calls);
  });

  it('counts failures by message and respects maxInFlight and maxStarted', async function () {
    let inFlight = 0;
    let highest = 0;
    const result = await runLoad({
      ratePerSecond: 2000,
      durationMs: 400,
      maxInFlight: 5,
      maxStarted: 40,
      signal: new AbortController().signal,
      worker: async () => {
        inFlight++;
        highest = Math.max(highest, inFlight);
        await sleep(5);
        inFlight--;
        throw new Error('refused');
      },
    });
    expect(highest).to.be.at.most(5);
    expect(result.started).to.be.at.most(40);
    expect(result.failed).to.equal(result.started);
    expect(result.errors).to.deep.equal([{ message: 'refused', count: result.failed }]);
  });

  it('counts what a pipelined emitter could not send as skipped', async function () {
    const result = await runLoad({ ratePerSecond: 1000, durationMs: 200, signal: new AbortController().signal, emit: (due) => Math.floor(due / 2) });
    expect(result.skipped).to.be.greaterThan(0);
    expect(result.started + result.skipped).to.be.at.most(201);
  });
});

describe('load engine: essential-function monitor', function () {
  it('records answered samples with latency and missed ones with the reason', async function () {
    const controller = new AbortController();
    let call = 0;
    const monitor = startMonitor({
      name: 'level',
      intervalMs: 20,
      timeoutMs: 40,
      maxLatencyMs: 30,
      signal: controller.signal,
      sample: async (signal) => {
        call++;
        if (call % 3 === 0) {
          // Never answers: the monitor's timeout must turn it into a miss.
          await new Promise<void>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
        }
        if (call % 3 === 1) throw new Error('exception 04');
      },
    });
    await sleep(400);
    const result = await monitor.stop();
    expect(result.samples.length).to.be.greaterThan(5);
    expect(result.samples.some((sample) => !sample.missed && sample.latencyMs !== undefined)).to.equal(true);
    expect(result.samples.some((sample) => sample.missed && sample.error === 'exception 04')).to.equal(true);
    expect(result.samples.some((sample) => sample.missed && /no answer within 40 ms|still unanswered/.test(sample.error ?? ''))).to.equal(true);
    expect(result.stats.missed + result.stats.answered).to.equal(result.stats.count);
  });

  it('computes nearest-rank percentiles and loss', function () {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).to.equal(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99)).to.equal(10);
    expect(percentile([], 99)).to.equal(undefined);
    const samples: Sample[] = [
      { t: 0, phase: 'load', latencyMs: 10, missed: false },
      { t: 10, phase: 'load', latencyMs: 30, missed: false },
      { t: 20, phase: 'load', missed: true, error: 'timeout' },
      { t: 30, phase: 'load', latencyMs: 20, missed: false },
    ];
    const stats = summarize(samples);
    expect(stats).to.include({ count: 4, answered: 3, missed: 1, lossRatio: 0.25, p50: 20, p99: 30, max: 30 });
  });

  it('judges baseline, load and recovery: a function that slows under load fails, one that does not passes', async function () {
    let loaded = false;
    const report = await measureUnderLoad({
      probes: [
        { name: 'steady', maxLatencyMs: 50, sample: async () => undefined },
        { name: 'fragile', maxLatencyMs: 50, sample: () => sleep(loaded ? 80 : 1) },
      ],
      intervalMs: 20,
      timeoutMs: 200,
      signal: new AbortController().signal,
      baselineMs: 100,
      recoveryMs: 200,
      load: async () => {
        loaded = true;
        await sleep(300);
        loaded = false;
        return { plannedRatePerSecond: 1, plannedDurationMs: 300, elapsedMs: 300, started: 1, completed: 1, failed: 0, skipped: 0, achievedRatePerSecond: 3, errors: [], aborted: false };
      },
    });
    expect(report.phases.map((phase) => phase.name)).to.deep.equal(['baseline', 'load', 'recovery']);
    const [steady, fragile] = report.probes;
    expect(steady!.load.count).to.be.greaterThan(0);
    expect(steady!.recovered).to.equal(true);
    expect(fragile!.load.p99 ?? Infinity).to.be.greaterThan(50);
    const verdict = judgeAvailability(report, 0.05);
    expect(verdict.ok).to.equal(false);
    expect(verdict.findings.join(' ')).to.match(/fragile/);
    expect(verdict.findings.join(' ')).to.not.match(/steady/);
  });

  it('declares the load window where it was, when the load goes on holding what it opened after its window', async function () {
    const waits: Array<{ ms: number; reason: string; endedAt?: number }> = [];
    let windowEnded = 0;
    await measureUnderLoad({
      probes: [{ name: 'steady', maxLatencyMs: 50, sample: async () => undefined }],
      intervalMs: 20,
      timeoutMs: 200,
      signal: new AbortController().signal,
      baselineMs: 40,
      recoveryMs: 40,
      load: async () => {
        await sleep(100);
        windowEnded = Date.now();
        // Holding the connections opened, as an exhaustion does: a wait of its own, declared by the check.
        await sleep(150);
        return { plannedRatePerSecond: 1, plannedDurationMs: 100, elapsedMs: 100, started: 1, completed: 1, failed: 0, skipped: 0, achievedRatePerSecond: 10, errors: [], aborted: false };
      },
      onDesignedWait: (ms, reason, endedAt) => waits.push({ ms, reason, ...(endedAt !== undefined ? { endedAt } : {}) }),
    });
    const load = waits.find((wait) => wait.reason.startsWith('load for'))!;
    expect(load.ms).to.equal(100);
    expect(Math.abs(load.endedAt! - windowEnded), 'the window ends where the load window ended, not 150 ms later').to.be.below(30);
  });
});

describe('load engine: measurement windows', function () {
  const settings = (requestTimeoutMs: number, sampleIntervalMs: number, durationMs: number) => ({
    requestTimeoutMs,
    load: { ratePerSecond: 100, durationMs, sampleIntervalMs, lossTolerance: 0.1, fuzzCasesPerSecond: 500 },
  });

  it('samples at the configured interval, misses at five times the largest bound within the request timeout, and keeps baseline and recovery in bounds', function () {
    expect(measurementWindows(settings(5_000, 100, 10_000), [{ maxLatencyMs: 200 }, { maxLatencyMs: 600 }])).to.deep.equal({ intervalMs: 100, timeoutMs: 3_000, baselineMs: 300, recoveryMs: 5_000 });
    expect(measurementWindows(settings(2_000, 250, 1_500), [{ maxLatencyMs: 50 }])).to.deep.equal({ intervalMs: 250, timeoutMs: 1_000, baselineMs: 750, recoveryMs: 1_500 });
    expect(measurementWindows(settings(800, 50, 300), [{ maxLatencyMs: 1_000 }])).to.deep.equal({ intervalMs: 50, timeoutMs: 800, baselineMs: 300, recoveryMs: 1_000 });
  });
});

describe('load engine: chart and CSV', function () {
  const series = [
    {
      name: 'read <tank> level',
      maxLatencyMs: 200,
      samples: [
        { t: 0, phase: 'baseline', latencyMs: 3, missed: false },
        { t: 100, phase: 'load', latencyMs: 250, missed: false },
        { t: 200, phase: 'load', missed: true, error: 'no answer, "late"' },
        { t: 300, phase: 'recovery', latencyMs: 4, missed: false },
      ],
    },
  ];

  it('renders a self-contained SVG with the bound, the misses and escaped labels', function () {
    const svg = renderLatencySvg(series, { title: 'Flood & monitor', subtitle: '9000 requests at 5998/s', phases: [{ name: 'load', fromMs: 50, toMs: 250 }] });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).to.equal(true);
    expect(svg.trimEnd().endsWith('</svg>')).to.equal(true);
    expect(svg).to.include('Flood &amp; monitor');
    expect(svg).to.include('read &lt;tank&gt; level');
    expect(svg).to.include('5998/s');
    expect(svg).to.include('stroke-dasharray');
    expect(svg).to.match(/<path d="M[^"]+" stroke="#d62728"/);
    expect(svg).to.not.match(/<script|href=/);
  });

  it('writes one CSV row per sample with RFC 4180 quoting', function () {
    const lines = toCsv(series).trimEnd().split('\n');
    expect(lines[0]).to.equal('series,t_ms,phase,latency_ms,missed,error');
    expect(lines).to.have.length(5);
    expect(lines[3]).to.equal('read <tank> level,200,load,,true,"no answer, ""late"""');
  });
});
