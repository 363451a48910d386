import type { OpcuaSession } from './client.js';
import { isGood } from './status.js';
import type { VariableInfo, WriteBackResult } from './types.js';

export interface WriteProbe {
  who: string;
  variables: VariableInfo[];
  results: WriteBackResult[];
  /** Node ids whose write (of their own current value) the device accepted. */
  writable: string[];
}

/** Variables probed per identity: enough for a PLC's process image, bounded for a large address space. */
export const MAX_PROBED_VARIABLES = 40;

/**
 * Finds the variables outside namespace 0 and writes each one's current value back: an accepted write proves write
 * access without changing the process. The tank level moves while this runs, so a stale write-back is at most one
 * 100 ms step old on the simulator.
 */
export async function probeWrites(session: OpcuaSession, throwIfAborted: () => void): Promise<WriteProbe> {
  const variables = (await session.findVariables({ maxNodes: 200 })).slice(0, MAX_PROBED_VARIABLES);
  const results: WriteBackResult[] = [];
  for (const variable of variables) {
    throwIfAborted();
    results.push(await session.writeBack(variable.nodeId));
  }
  return { who: session.who, variables, results, writable: results.filter((result) => isGood(result.write)).map((result) => result.nodeId) };
}

export const describeSet = (nodeIds: string[]): string => (nodeIds.length === 0 ? 'nothing' : nodeIds.join(', '));
