import { expect } from 'chai';
import { performance } from 'node:perf_hooks';
import { deviationLines, fuzzResultsCsv, runFuzzCorpus, type CaseRun, type FuzzCase, type FuzzDriver } from '../../core/fuzz/engine.js';

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
  /** The device holds its refusal back this long (node-opcua's server throttles an Error message by a second). */
  holdsAnswerMs?: number;
}

function device(batchSize: number) {
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
          if (entry.holdsAnswerMs) {
            await new Promise((resolve) => setTimeout(resolve, entry.holdsAnswerMs));
            return { sent: entry.id, answer: 'refusal', observed: 'refused', latencyMs: entry.holdsAnswerMs };
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
  it('fails a case only with harm seen; a harmless answer other than the strict one is a deviation with its replay command', async function () {
    const answers: Record<string, Partial<Extract<CaseRun, { answer: unknown }>>> = {
      lenient: { answer: 'response', observed: 'served normally', problem: 'expected a refusal' },
      wrongCode: { answer: 'refusal', observed: 'exception 04', problem: 'expected exception 03' },
      acted: { answer: 'response', observed: 'served normally', problem: 'expected a refusal', sideEffect: 'write executed' },
      hung: { answer: 'silence', observed: 'no answer within 50 ms', problem: 'expected a refusal' },
      starved: { answer: 'silence', observed: 'no answer', problem: 'expected a refusal', servedOthers: { ok: false, detail: 'another connection timed out' } },
      strict: { answer: 'refusal', observed: 'refused' },
    };
    const corpus = Object.keys(answers).map((id) => ({ id, category: 'test', description: id }));
    const driver: FuzzDriver<FuzzCase> = {
      liveness: { checks: 0, probe: async () => ({ ok: true, detail: 'answered' }) },
      batches: (all) => [[...all]],
      expected: () => 'a refusal',
      send: async (batch) => batch.map((entry) => ({ sent: entry.id, answer: 'refusal', observed: '', ...answers[entry.id] }) as CaseRun),
    };
    const report = await runFuzzCorpus(corpus, driver, { signal: new AbortController().signal, casesPerSecond: 10_000 });
    const verdicts = Object.fromEntries(report.results.map((result) => [result.id, result.verdict]));
    expect(verdicts).to.deep.equal({ lenient: 'deviation', wrongCode: 'deviation', acted: 'wrong', hung: 'wrong', starved: 'wrong', strict: 'ok' });
    expect(deviationLines(report.results, 'modbus')).to.deep.equal([
      'lenient: expected a refusal (replay: iec62443-harness run --profile <profile> --disruptive --replay modbus:lenient)',
      'wrongCode: expected exception 03 (replay: iec62443-harness run --profile <profile> --disruptive --replay modbus:wrongCode)',
    ]);
  });

  it('still fails a harmless-looking case after which the device stopped answering', async function () {
    const corpus = cases(4, { 2: { kills: 10_000 } });
    const { driver } = device(1);
    const report = await runFuzzCorpus(corpus, driver, { signal: new AbortController().signal, casesPerSecond: 10_000, recoveryWatchMs: 0 });
    expect(report.results.find((result) => result.id === 'case-2')).to.include({ verdict: 'wrong', aliveAfter: false });
  });

  it('names the case after which the device stops, once it is back, and leaves the rest not run', async function () {
    const corpus = cases(12, { 5: { kills: 300 } });
    const { driver } = device(4);
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

  it('keeps to the rate, probes after every batch and declares the waits for the device\'s reaction, answered or allowed to be missing', async function () {
    const corpus = cases(20, { 3: { silent: true }, 4: { holdsAnswerMs: 20 }, 9: { holdsAnswerMs: 30 }, 13: { silent: true } });
    const { driver } = device(5);
    const waits: Array<{ ms: number; reason: string }> = [];
    const report = await runFuzzCorpus(corpus, driver, { signal: new AbortController().signal, casesPerSecond: 50, onDesignedWait: (ms, reason) => waits.push({ ms, reason }) });
    // The last batch may start once 15 cases have gone out at 50 per second.
    expect(report.durationMs).to.be.at.least(290);
    expect(report.livenessChecks).to.equal(5);
    // Cases of a batch wait side by side: the batch waited as long as its slowest case.
    expect(waits.map((wait) => wait.ms)).to.deep.equal([50, 30, 50]);
    expect(waits[0]!.reason).to.include('case-3');
    expect(waits[1]!.reason).to.include('case-9').and.include("device's reaction");
    expect(report.results.find((result) => result.id === 'case-3')).to.include({ verdict: 'ok', answer: 'silence' });
  });

  it('stops within a second when the signal aborts, and releases what the driver holds', async function () {
    const corpus = cases(1_000);
    const { driver, sent } = device(1);
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
