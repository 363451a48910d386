import type { CheckContext } from '../check.js';
import { componentInterfaces } from '../protocol.js';
import type { Profile } from '../profile/schema.js';
import { runFuzzCorpus, type FuzzCase, type FuzzCaseResult, type FuzzDriver } from './engine.js';

/**
 * `run --replay <case id>`: one malformed-input case of a CR 3.5 corpus sent alone, so a vendor can reproduce a
 * finding under a debugger or a packet capture. It goes through the same runner and the same preparation as the
 * check, so the replayed case is byte for byte the one the check sent and is judged the same way.
 */
export interface ReplayOutcome {
  protocol: string;
  caseId: string;
  description: string;
  /** The exact bytes sent, as hex. */
  sent: string;
  expected: string;
  observed: string;
  handledCorrectly: boolean;
  /** Not the strict answer, but no harm seen either: an observation under CR 3.5, not a failure. */
  harmlessDeviation: boolean;
  aliveAfter: boolean;
}

export interface ReplayOptions {
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  signal: AbortSignal;
  log: (line: string) => void;
}

/** Replays one case by its id without the protocol prefix; undefined when the id is not in this corpus or the profile has no such endpoint. */
export type CaseReplayer = (profile: Profile, caseId: string, options: ReplayOptions) => Promise<ReplayOutcome | undefined>;

/** What a protocol derives from the profile and the device before fuzzing (liveness, write subject, table ends): the corpus and how to send it. */
export interface FuzzCampaign<Case extends FuzzCase> {
  corpus: Case[];
  driver: FuzzDriver<Case>;
  /** Why a case id of the protocol is not in this device's corpus, when that depends on the device. */
  leftOut?(caseId: string): string | undefined;
  close(): Promise<void>;
}

/** A protocol's CR 3.5 corpus as the check and `run --replay` both use it. */
export interface Fuzzing<Case extends FuzzCase, Campaign extends FuzzCampaign<Case> = FuzzCampaign<Case>> {
  /** The protocol definition's name, the prefix of its case ids in `run --replay`. */
  protocol: string;
  /** The check protocol whose interface the cases go to. */
  checkProtocol: string;
  /** Every case id the corpus can hold, when it is known without the device: other ids are refused without contacting it. */
  caseIds?: readonly string[];
  prepare(ctx: CheckContext): Promise<Campaign>;
}

export class UnknownFuzzCaseError extends Error {
  override name = 'UnknownFuzzCaseError';
}

/** A check context for work outside a check run (a replay): the profile's device and interface, the caller's signal and timeouts. */
function replayContext(profile: Profile, checkProtocol: string, options: ReplayOptions): CheckContext {
  const target = componentInterfaces(profile).find((entry) => entry.protocols.includes(checkProtocol));
  if (!target) throw new UnknownFuzzCaseError(`the profile declares no interface that serves ${checkProtocol}`);
  return {
    profile,
    host: profile.host,
    interface: target,
    foundInterface: () => undefined,
    progress: () => undefined,
    disclose: () => undefined,
    // A replay sends malformed messages, never logins.
    logins: { threshold: 0, remaining: () => 0, failed: () => undefined, succeeded: () => undefined },
    settings: { disruptive: true, connectTimeoutMs: options.connectTimeoutMs, requestTimeoutMs: options.requestTimeoutMs, load: { ratePerSecond: 1, durationMs: 1_000, sampleIntervalMs: 100, lossTolerance: 0, fuzzCasesPerSecond: 1 } },
    signal: options.signal,
    step: (_name, body) => body(),
    log: options.log,
    attach: () => undefined,
    throwIfAborted: () => options.signal.throwIfAborted(),
    designedWait: () => undefined,
    // One replay, nothing to share with.
    shared: (_key, make) => make(),
  };
}

/**
 * Sends one case of a protocol's corpus alone, by its id, to the profile's device, and reads whether the device still
 * answers afterwards. Throws UnknownFuzzCaseError when the id is not in this device's corpus.
 */
export async function replayFuzzCase<Case extends FuzzCase>(
  fuzzing: Fuzzing<Case>,
  profile: Profile,
  caseId: string,
  options: ReplayOptions,
): Promise<{ fuzzCase: Case; result: FuzzCaseResult; aliveAfter: boolean }> {
  if (fuzzing.caseIds && !fuzzing.caseIds.includes(caseId)) throw new UnknownFuzzCaseError(`no fuzz case "${caseId}" in the ${fuzzing.protocol} corpus`);
  const campaign = await fuzzing.prepare(replayContext(profile, fuzzing.checkProtocol, options));
  try {
    const fuzzCase = campaign.corpus.find((entry) => entry.id === caseId);
    if (!fuzzCase) {
      const leftOut = campaign.leftOut?.(caseId);
      const examples = campaign.corpus.slice(0, 3).map((entry) => entry.id).join(', ');
      throw new UnknownFuzzCaseError(`no fuzz case "${caseId}" in the ${fuzzing.protocol} corpus of this device (${leftOut ? `left out for this device: ${leftOut}` : `${campaign.corpus.length} cases, e.g. ${examples}`})`);
    }
    const report = await runFuzzCorpus([fuzzCase], campaign.driver, { signal: options.signal, casesPerSecond: 1, log: options.log, recoveryWatchMs: 0 });
    return { fuzzCase, result: report.results[0]!, aliveAfter: report.stoppedAfter === undefined };
  } finally {
    await campaign.close();
  }
}

/** A protocol definition's `replay`: the protocol module is loaded only when a case is replayed. */
export function fuzzReplayer<Case extends FuzzCase>(load: () => Promise<Fuzzing<Case>>): CaseReplayer {
  return async (profile, caseId, options) => {
    const fuzzing = await load();
    if (!componentInterfaces(profile).some((entry) => entry.protocols.includes(fuzzing.checkProtocol))) return undefined;
    try {
      const { fuzzCase, result, aliveAfter } = await replayFuzzCase(fuzzing, profile, caseId, options);
      return { protocol: fuzzing.protocol, caseId: fuzzCase.id, description: fuzzCase.description, sent: result.sent, expected: result.expected, observed: result.observed, handledCorrectly: result.verdict === 'ok', harmlessDeviation: result.verdict === 'deviation', aliveAfter };
    } catch (error) {
      if (error instanceof UnknownFuzzCaseError) return undefined;
      throw error;
    }
  };
}
