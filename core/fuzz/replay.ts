import type { Profile } from '../profile/schema.js';

/**
 * `run --replay <case id>`: one malformed-input case of a CR 3.5 corpus sent alone, so a vendor can reproduce a
 * finding under a debugger or a packet capture. Each protocol with a corpus offers a replayer in its definition.
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
