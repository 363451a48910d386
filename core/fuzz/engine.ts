import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { CheckContext } from '../check.js';
import { csvDocument } from '../evidence/csv.js';
import { pause } from '../net/abort.js';

/**
 * The CR 3.5 corpus runner, the same for every protocol: cases go out in batches under a rate cap, a liveness probe
 * follows every batch, and when the device stops answering the runner watches for its return and, once it is back,
 * sends the cases of the last batch again one by one to name the one that stops it. A protocol supplies only its
 * corpus and a driver that sends a batch and judges each answer against the case's expectation.
 *
 * Every case's result keeps what was observed, not only whether it was right: the kind of answer, whether the device
 * still answered afterwards, whether it served others while the case was pending, and what it did that it should not
 * have done (a write executed, a session created), so robustness failures and deviations from the strict answer can
 * be told apart.
 */

export interface FuzzCase {
  /** Stable id, e.g. "function.unknown-0x19"; replay it alone with `run --replay <protocol>:<id>`. */
  id: string;
  category: string;
  description: string;
}

/** What the device did with one case, in words that do not depend on the protocol. */
export type AnswerKind =
  /** An error answer of the protocol: an exception code, an Error message, a ServiceFault, a Bad status. */
  | 'refusal'
  /** Served as if valid: a normal response, an Acknowledge, an opened channel, a Good status. */
  | 'response'
  /** An answer that cannot be read as the protocol's. */
  | 'malformed'
  /** The device closed or reset the connection. */
  | 'closed'
  /** No answer within the case's wait. */
  | 'silence'
  /** The harness could not connect (or set up the case) to send it. */
  | 'no-connection';

/** One case sent and its answer read, as the protocol's driver saw it. */
export interface CaseObservation {
  /** What was sent: the exact bytes as hex, or the request in words. */
  sent: string;
  answer: AnswerKind;
  /** The answer in the protocol's words: "exception 01 Illegal Function", "Error BadTcpMessageTooLarge (0x80080000)". */
  observed: string;
  /** Why the answer does not meet the case's expectation; absent when it does. */
  problem?: string;
  latencyMs?: number;
  /** What the device did on the invalid input that it should not have: "write executed", "session created". */
  sideEffect?: string;
  /** For a case left pending: whether the device served another connection meanwhile. */
  servedOthers?: { ok: boolean; detail: string };
  /** Time spent waiting, by design, for an answer the case allows the device not to give. */
  designedWaitMs?: number;
}

/** A case the driver could not send: not applicable to this device (skipped) or not sent for a harness reason (failed). */
export type CaseRun = CaseObservation | { skipped: string } | { failed: string; sent?: string };

export interface FuzzLiveness {
  /** One harmless request the device must answer, on a connection of its own; ok when it answered normally. */
  probe(signal: AbortSignal, timeoutMs?: number): Promise<{ ok: boolean; detail: string }>;
  readonly checks: number;
}

/** How one protocol sends its cases: what the runner needs besides the corpus. */
export interface FuzzDriver<Case extends FuzzCase> {
  readonly liveness: FuzzLiveness;
  /** The corpus as batches in execution order; the cases of a batch go out together, then one liveness probe. */
  batches(corpus: readonly Case[]): Case[][];
  /**
   * Sends one batch; one entry per case, undefined for a case it did not get to. Rejects when the run cannot go on:
   * the signal aborted, or no connection for the batch at all.
   */
  send(batch: readonly Case[], signal: AbortSignal): Promise<Array<CaseRun | undefined>>;
  /** The answers the case allows, in words. */
  expected(fuzzCase: Case): string;
  /** What the case sends, for a case that was not run (empty when it depends on the connection). */
  sentOf?(fuzzCase: Case): string;
  /** Releases what the driver holds between batches (a shared connection); called once the run ends. */
  close?(): void | Promise<void>;
}

export interface FuzzCaseResult {
  id: string;
  category: string;
  description: string;
  /** The malformed bytes as hex, or the request in words. */
  sent: string;
  expected: string;
  observed: string;
  /**
   * ok: the answer the case expects. wrong: a robustness failure (the device stopped answering, stopped serving
   * others, acted on the invalid input, left the case unanswered, or could not be reached for it). deviation: lenient
   * but harmless, an answer other than the strict one (a normal answer to an over-long field, another refusal) with
   * none of those; an observation, not a failure. not-run: not sent.
   */
  verdict: 'ok' | 'wrong' | 'deviation' | 'not-run';
  problem?: string;
  latencyMs?: number;
  /** The kind of answer; absent for a case not run. */
  answer?: AnswerKind;
  /**
   * The liveness probe after the case (after its batch, or after it alone when a culprit was sought) answered;
   * absent when not known: not run, or sent in a batch after the case found to stop the device.
   */
  aliveAfter?: boolean;
  /** For a case left pending: the device served another connection meanwhile. */
  servedOthers?: boolean;
  sideEffect?: string;
}

export interface FuzzOptions {
  signal: AbortSignal;
  /** Upper bound on cases sent per second. */
  casesPerSecond: number;
  log?: (line: string) => void;
  /** Told of the waits for answers the cases allow the device not to give; pass ctx.designedWait. */
  onDesignedWait?: (ms: number, reason: string) => void;
  /** How long to watch a device that stopped answering for its return; default 5 s (0: do not watch). */
  recoveryWatchMs?: number;
  /** Upper bound of one liveness probe while watching; default 1 s. */
  recoveryProbeTimeoutMs?: number;
}

/** The runner's options for a check: the check's signal, the run's rate cap, its transcript and designed waits. */
export function fuzzOptions(ctx: CheckContext): FuzzOptions {
  return { signal: ctx.signal, casesPerSecond: ctx.settings.load.fuzzCasesPerSecond, log: (line) => ctx.log(line), onDesignedWait: (ms, reason) => ctx.designedWait(ms, reason) };
}

export interface FuzzReport {
  results: FuzzCaseResult[];
  durationMs: number;
  casesRun: number;
  casesPerSecond: number;
  livenessChecks: number;
  /** Set when the device stopped answering the liveness probe: the case (or the batch) after which it did. */
  stoppedAfter?: { cases: string[]; detail: string; recoveredAfterMs?: number };
}

const RECOVERY_POLL_MS = 250;

/** Sends cases no faster than the rate: a batch waits until its cases fit under it. */
class Pacer {
  private readonly begin = performance.now();
  private sent = 0;
  constructor(
    private readonly perSecond: number,
    private readonly signal: AbortSignal,
  ) {}

  async take(count: number): Promise<void> {
    const due = this.begin + (this.sent / this.perSecond) * 1000 - performance.now();
    this.sent += count;
    if (due > 1) await pause(due, this.signal);
  }
}

/** Runs the corpus; stops at the first failed liveness probe and names the case after which the device stopped. */
export async function runFuzzCorpus<Case extends FuzzCase>(corpus: readonly Case[], driver: FuzzDriver<Case>, options: FuzzOptions): Promise<FuzzReport> {
  // Batches wait on many answers at once; one internal signal carries them instead of the caller's.
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  const forward = () => controller.abort(options.signal.reason);
  if (options.signal.aborted) forward();
  else options.signal.addEventListener('abort', forward, { once: true });
  try {
    return await runCorpus(corpus, driver, { ...options, signal: controller.signal });
  } finally {
    options.signal.removeEventListener('abort', forward);
    await driver.close?.();
  }
}

async function runCorpus<Case extends FuzzCase>(corpus: readonly Case[], driver: FuzzDriver<Case>, options: FuzzOptions): Promise<FuzzReport> {
  const { signal, log } = options;
  const begin = performance.now();
  const pacer = new Pacer(Math.max(1, options.casesPerSecond), signal);
  const results = new Map<string, FuzzCaseResult>();
  const record = (fuzzCase: Case, run: CaseRun) => results.set(fuzzCase.id, resultOf(fuzzCase, run, driver.expected(fuzzCase)));
  const markAlive = (batch: readonly Case[], aliveAfter: boolean) => {
    for (const entry of batch) {
      const result = results.get(entry.id);
      if (result && result.verdict !== 'not-run') result.aliveAfter = aliveAfter;
    }
  };

  const sendBatch = async (batch: readonly Case[]) => {
    await pacer.take(batch.length);
    const runs = await driver.send(batch, signal);
    let designedWaitMs = 0;
    batch.forEach((entry, index) => {
      const run = runs[index];
      if (!run) return;
      record(entry, run);
      if ('answer' in run) designedWaitMs = Math.max(designedWaitMs, run.designedWaitMs ?? run.latencyMs ?? 0);
    });
    // The cases of a batch wait side by side, so the batch waited as long as its longest wait. A case waits for the
    // device's own reaction: a stack may hold back its Error answer on purpose (node-opcua's server throttles it by a
    // second), and that time is the device's, not the harness's.
    if (designedWaitMs > 0) options.onDesignedWait?.(designedWaitMs, `waiting for the device's reaction to ${batchLabel(batch)} (its answer, or no answer where the case allows it)`);
  };

  const watchRecovery = async (): Promise<number | undefined> => {
    const stoppedAt = performance.now();
    while (performance.now() - stoppedAt < (options.recoveryWatchMs ?? 5_000) && !signal.aborted) {
      await pause(RECOVERY_POLL_MS, signal);
      if ((await driver.liveness.probe(signal, options.recoveryProbeTimeoutMs ?? 1_000)).ok) return Math.round(performance.now() - stoppedAt);
    }
    return undefined;
  };

  let stoppedAfter: FuzzReport['stoppedAfter'];
  const first = await driver.liveness.probe(signal);
  if (!first.ok) throw new Error(`the device does not answer before fuzzing: ${first.detail}`);
  for (const batch of driver.batches(corpus)) {
    signal.throwIfAborted();
    await sendBatch(batch);
    const alive = await driver.liveness.probe(signal);
    log?.(`batch ${batchLabel(batch)}: liveness ${alive.detail}`);
    markAlive(batch, alive.ok);
    if (alive.ok) continue;
    let recoveredAfterMs = await watchRecovery();
    let culprits = batch.map((entry) => entry.id);
    if (recoveredAfterMs !== undefined && batch.length > 1) {
      // Back again: the cases of the batch are sent once more one by one, to name the one that stops the device.
      for (const [index, entry] of batch.entries()) {
        await sendBatch([entry]);
        const after = await driver.liveness.probe(signal);
        markAlive([entry], after.ok);
        if (!after.ok) {
          culprits = [entry.id];
          // The cases after it went out only in the batch, beside the culprit: whether they alone would stop the device is not known.
          for (const later of batch.slice(index + 1)) {
            const result = results.get(later.id);
            if (result) delete result.aliveAfter;
          }
          recoveredAfterMs = await watchRecovery();
          break;
        }
      }
    }
    stoppedAfter = { cases: culprits, detail: alive.detail, recoveredAfterMs };
    for (const id of culprits) {
      const result = results.get(id);
      if (result && result.verdict !== 'wrong') results.set(id, { ...result, verdict: 'wrong', aliveAfter: false, problem: `the device stopped answering after this case (${alive.detail})` });
    }
    log?.(`device stopped answering after ${culprits.join(', ')}; ${recoveredAfterMs === undefined ? 'no answer within the recovery watch' : `answering again after ${recoveredAfterMs} ms`}`);
    break;
  }

  for (const fuzzCase of corpus) {
    if (!results.has(fuzzCase.id)) {
      results.set(fuzzCase.id, { ...identity(fuzzCase), sent: driver.sentOf?.(fuzzCase) ?? '', expected: driver.expected(fuzzCase), observed: 'not run: the device had stopped answering', verdict: 'not-run' });
    }
  }
  const durationMs = performance.now() - begin;
  const ordered = corpus.map((fuzzCase) => judgeHarm(results.get(fuzzCase.id)!));
  const casesRun = ordered.filter((result) => result.verdict !== 'not-run').length;
  return {
    results: ordered,
    durationMs: Math.round(durationMs),
    casesRun,
    casesPerSecond: durationMs > 0 ? Math.round((casesRun / durationMs) * 10_000) / 10 : 0,
    livenessChecks: driver.liveness.checks,
    stoppedAfter,
  };
}

/**
 * CR 3.5 judges robustness, not conformance: a case answered otherwise than strictly is a failure only with harm seen
 * (the device stopped answering after it, stopped serving other connections, acted on it, answered with a broken
 * reply, or hung on it without an answer or a close); without any, it is a deviation to report, the way the stack's
 * own maintainers would see it.
 */
export function harmOf(result: Pick<FuzzCaseResult, 'answer' | 'aliveAfter' | 'servedOthers' | 'sideEffect'>): string | undefined {
  if (result.aliveAfter === false) return 'the device stopped answering';
  if (result.servedOthers === false) return 'the device stopped serving other connections';
  if (result.sideEffect) return `the device acted on the invalid input (${result.sideEffect})`;
  if (result.answer === 'silence') return 'the connection hung without an answer or a close';
  // Not lenient but broken: a reply a client cannot read as the protocol's may make that client misread the process.
  if (result.answer === 'malformed') return 'the device answered with a reply that is not valid protocol';
  if (result.answer === 'no-connection' || result.answer === undefined) return 'the case could not be sent';
  return undefined;
}

function judgeHarm(result: FuzzCaseResult): FuzzCaseResult {
  if (result.verdict !== 'wrong' || harmOf(result) !== undefined) return result;
  return { ...result, verdict: 'deviation' };
}

/** The command that sends one case alone again (CR 3.5 cases are disruptive, so it needs --disruptive). */
export function replayCommand(protocol: string, caseId: string, profilePath = '<profile>'): string {
  return `iec62443-harness run --profile ${profilePath} --disruptive --replay ${protocol}:${caseId}`;
}

/** One observation line per lenient but harmless case: its id, what it did instead, and how to replay it. */
export function deviationLines(results: readonly FuzzCaseResult[], protocol: string, limit = 5): string[] {
  const deviations = results.filter((result) => result.verdict === 'deviation');
  const lines = deviations.slice(0, limit).map((result) => `${result.id}: ${result.problem} (replay: ${replayCommand(protocol, result.id)})`);
  if (deviations.length > limit) lines.push(`and ${deviations.length - limit} more (see the case results)`);
  return lines;
}

const batchLabel = (batch: readonly FuzzCase[]) => (batch.length > 8 ? `${batch[0]!.id} … ${batch.at(-1)!.id} (${batch.length} cases)` : batch.map((entry) => entry.id).join(', '));

const identity = (fuzzCase: FuzzCase) => ({ id: fuzzCase.id, category: fuzzCase.category, description: fuzzCase.description });

function resultOf(fuzzCase: FuzzCase, run: CaseRun, expected: string): FuzzCaseResult {
  if ('skipped' in run) return { ...identity(fuzzCase), sent: '', expected, observed: `not run: ${run.skipped}`, verdict: 'not-run' };
  if ('failed' in run) return { ...identity(fuzzCase), sent: run.sent ?? '', expected, observed: run.failed, verdict: 'wrong', problem: run.failed, answer: 'no-connection' };
  let { observed, problem } = run;
  if (run.servedOthers) {
    observed += run.servedOthers.ok ? '; another connection was served meanwhile' : `; another connection was not served meanwhile (${run.servedOthers.detail})`;
    if (!run.servedOthers.ok) problem = problem ? `${problem}; the device stopped serving others` : 'the device stopped serving other connections while the case was pending';
  }
  return {
    ...identity(fuzzCase),
    sent: run.sent,
    expected,
    observed,
    verdict: problem ? 'wrong' : 'ok',
    problem,
    latencyMs: run.latencyMs,
    answer: run.answer,
    servedOthers: run.servedOthers?.ok,
    sideEffect: run.sideEffect,
  };
}

/** Per category: how many cases, how many mishandled, how many deviated harmlessly, how many not run; empty categories are left out. */
export function casesByCategory(results: readonly FuzzCaseResult[], categories: readonly string[]): Array<{ category: string; cases: number; wrong: number; deviations: number; notRun: number }> {
  return categories
    .map((category) => {
      const cases = results.filter((result) => result.category === category);
      return {
        category,
        cases: cases.length,
        wrong: cases.filter((result) => result.verdict === 'wrong').length,
        deviations: cases.filter((result) => result.verdict === 'deviation').length,
        notRun: cases.filter((result) => result.verdict === 'not-run').length,
      };
    })
    .filter((entry) => entry.cases > 0);
}

/** CSV of per-case results: id,category,verdict,expected,observed,problem,latency_ms,sent. */
export function fuzzResultsCsv(results: readonly FuzzCaseResult[]): string {
  return csvDocument(
    ['id', 'category', 'verdict', 'expected', 'observed', 'problem', 'latency_ms', 'sent'],
    results.map((result) => [result.id, result.category, result.verdict, result.expected, result.observed, result.problem, result.latencyMs, result.sent]),
  );
}

/** The per-case results as CSV and the whole report as JSON, attached to the check's evidence. */
export function attachFuzzEvidence(ctx: Pick<CheckContext, 'attach'>, report: FuzzReport): void {
  ctx.attach({ name: 'Fuzz case results', contentType: 'text/csv', extension: 'csv', content: fuzzResultsCsv(report.results) });
  ctx.attach({ name: 'Fuzz case results', contentType: 'application/json', extension: 'json', content: JSON.stringify(report, null, 2) });
}
