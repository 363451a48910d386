import { protocolDefinitions } from '../../core/protocol.js';
import type { Profile } from '../../core/profile/schema.js';
import type { ReplayOptions, ReplayOutcome } from '../../core/fuzz/replay.js';

export type { ReplayOptions, ReplayOutcome } from '../../core/fuzz/replay.js';

export class UnknownCaseError extends Error {}

/**
 * `run --replay <case id>`: the case goes to the protocol its prefix names ("modbus:function.unknown-0x19"); a bare id
 * is tried on every protocol definition that has a replayer.
 */
export async function replayCase(profile: Profile, caseId: string, options: ReplayOptions): Promise<ReplayOutcome> {
  const replayers = protocolDefinitions().filter((definition) => definition.replay);
  const prefixed = /^([a-z0-9-]+):(.+)$/.exec(caseId);
  const named = prefixed ? replayers.find((definition) => definition.name === prefixed[1]) : undefined;
  const candidates = named ? [[named, prefixed![2]!] as const] : replayers.map((definition) => [definition, caseId] as const);
  const misses: string[] = [];
  for (const [definition, id] of candidates) {
    const outcome = await definition.replay!(profile, id, options);
    if (outcome) return outcome;
    misses.push(definition.name);
  }
  throw new UnknownCaseError(`no case "${caseId}" in the ${misses.join(' or ') || 'fuzz'} corpus of this device`);
}
