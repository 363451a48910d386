import type { Profile } from '../../core/profile/schema.js';
import { replayModbusCase } from './modbus.js';
import { replayOpcuaCase } from './opcua.js';

/**
 * `run --replay <case id>`: one malformed-input case of a CR 3.5 corpus sent alone, so a vendor can reproduce a
 * finding under a debugger or a packet capture. Each protocol with a fuzz corpus contributes a replayer.
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

export type Replayer = (profile: Profile, caseId: string, options: ReplayOptions) => Promise<ReplayOutcome | undefined>;

/** Replayers by the protocol prefix of case ids ("modbus:function.unknown-0x19"); a bare id is tried on each. */
export const REPLAYERS: Record<string, Replayer> = {
  modbus: replayModbusCase,
  opcua: replayOpcuaCase,
};

export class UnknownCaseError extends Error {}

export async function replayCase(profile: Profile, caseId: string, options: ReplayOptions): Promise<ReplayOutcome> {
  const prefixed = /^([a-z-]+):(.+)$/.exec(caseId);
  const candidates = prefixed && REPLAYERS[prefixed[1]!] ? [[prefixed[1]!, prefixed[2]!] as const] : Object.keys(REPLAYERS).map((protocol) => [protocol, caseId] as const);
  const misses: string[] = [];
  for (const [protocol, id] of candidates) {
    const outcome = await REPLAYERS[protocol]!(profile, id, options);
    if (outcome) return outcome;
    misses.push(protocol);
  }
  throw new UnknownCaseError(`no case "${caseId}" in the ${misses.join(' or ')} corpus of this device`);
}
