import { expect } from 'chai';
import { performance } from 'node:perf_hooks';
import { fuzzResultsCsv, runFuzzCorpus, type CaseRun, type FuzzCase, type FuzzDriver } from '../../core/fuzz/engine.js';

/**
 * The CR 3.5 runner on its own, with a device made of a few lines: which case stops it, how fast cases go out, what
 * is declared as a designed wait, how quickly an abort ends the run. The protocols' drivers are proven against the
 * simulators (test/modbus, test/opcua).
 */

interface TestCase extends FuzzCase {
  /** The device stops answering for this long after the case. */
  kills?: number;
  /** The device stays silent, as the case allows. */
  silent?: boolean;
}

function device(corpus: TestCase[], batchSize: number) {
  let deadUntil = 0;
  const sent: string[] = [];
  const liveness = {
    checks: 0,
    async probe() {
      liveness.checks++;
      return performance.now() < deadUntil ? { ok: false, detail: 'no answer' } : { ok: true, detail: 'answered' };
    },
  };
  const driver: FuzzDriver<TestCase> = {
    liveness,
    batches: (cases) => Array.from({ length: Math.ceil(cases.length / batchSize) }, (_, index) => cases.slice(index * batchSize, (index + 1) * batchSize)),
    expected: () => 'a refusal',
    async send(batch, signal) {
      return Promise.all(
        batch.map(async (entry): Promise<CaseRun> => {
          signal.throwIfAborted();
          sent.push(entry.id);
          if (entry.kills) deadUntil = performance.now() + entry.kills;
          if (entry.silent) {
            await new Promise((resolve) => setTimeout(resolve, 50));
            return { sent: entry.id, answer: 'silence', observed: 'no answer within 50 ms', designedWaitMs: 50 };
          }
          return { sent: entry.id, answer: 'refusal', observed: 'refused' };
        }),
      );
    },
  };
  return { driver, sent };
}

const cases = (count: number, extra: Record<number, Partial<TestCase>> = {}): TestCase[] =>
  Array.from({ length: count }, (_, index) => ({ id: `case-${index}`, category: 'test', description: `case ${index}`, ...extra[index] }));

describe('fuzz engine (core/fuzz)', function () {
  it('names the case after which the device stops, once it is back, and leaves the rest not run', async function () {
    const corpus = cases(12, { 5: { kills: 300 } });
    const { driver } = device(corpus, 4);
    const report = await runFuzzCorpus(corpus, driver, { signal: new AbortController().signal, casesPerSecond: 10_000, recoveryWatchMs: 2_000 });
    expect(report.stoppedAfter?.cases).to.deep.equal(['case-5']);
    expect(report.stoppedAfter?.recoveredAfterMs).to.be.a('number');
    const byId = new Map(report.results.map((result) => [result.id, result]));
    expect(byId.get('case-5')).to.include({ verdict: 'wrong', aliveAfter: false, answer: 'refusal' });
    expect(byId.get('case-5')!.problem).to.match(/stopped answering after this case/);
    expect(byId.get('case-4')).to.include({ verdict: 'ok', aliveAfter: true });
    expect(byId.get('case-0')).to.include({ verdict: 'ok', aliveAfter: true });
    expect(byId.get('case-6')!.aliveAfter, 'sent only beside the culprit').to.equal(undefined);
    expect(report.results.filter((result) => result.verdict === 'not-run').map((result) => result.id)).to.deep.equal(['case-8', 'case-9', 'case-10', 'case-11']);
  });

  it('keeps to the rate, probes after every batch and declares the waits for answers the cases allow to be missing', async function () {
    const corpus = cases(20, { 3: { silent: true }, 13: { silent: true } });
    const { driver } = device(corpus, 5);
    const waits: Array<{ ms: number; reason: string }> = [];
    const report = await runFuzzCorpus(corpus, driver, { signal: new AbortController().signal, casesPerSecond: 50, onDesignedWait: (ms, reason) => waits.push({ ms, reason }) });
    // The last batch may start once 15 cases have gone out at 50 per second.
    expect(report.durationMs).to.be.at.least(290);
    expect(report.livenessChecks).to.equal(5);
    expect(waits.map((wait) => wait.ms)).to.deep.equal([50, 50]);
    expect(waits[0]!.reason).to.include('case-3');
    expect(report.results.find((result) => result.id === 'case-3')).to.include({ verdict: 'ok', answer: 'silence' });
  });

  it('stops within a second when the signal aborts, and releases what the driver holds', async function () {
    const corpus = cases(1_000);
    const { driver, sent } = device(corpus, 1);
    let closed = false;
    driver.close = () => {
      closed = true;
    };
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('interrupted')), 200);
    const began = performance.now();
    const error = await runFuzzCorpus(corpus, driver, { signal: controller.signal, casesPerSecond: 20 }).catch((caught: unknown) => caught);
    expect((error as Error).message).to.equal('interrupted');
    expect(performance.now() - began).to.be.below(1_200);
    expect(sent.length).to.be.below(10);
    expect(closed).to.equal(true);
  });

  it('writes one CSV row per case with the observed answer quoted as needed', function () {
    const csv = fuzzResultsCsv([{ id: 'a', category: 'c', description: 'd', sent: '00', expected: 'x, or y', observed: 'said "no"', verdict: 'ok' }]);
    expect(csv).to.equal('id,category,verdict,expected,observed,problem,latency_ms,sent\na,c,ok,"x, or y","said ""no""",,,00\n');
  });
});
