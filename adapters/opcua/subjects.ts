import { pause } from './deadline.js';
import type { OpcuaSession } from './client.js';
import { isTamperableType } from './mitm.js';
import { isGood } from './status.js';
import type { VariableInfo } from './types.js';

/** Variables tried for a value that only a client changes (a live process value would hide a changed write). */
const MAX_CANDIDATES = 12;
const STABILITY_GAP_MS = 300;

export interface StableVariable extends VariableInfo {
  value: number;
}

/**
 * The first numeric variable this session may write whose value and source time stamp stay the same over a short
 * while: a setpoint or limit rather than a measurement, so a value changed by a test shows when read back.
 */
export async function stableWritableVariable(session: OpcuaSession, signal?: AbortSignal, mayWrite: (nodeId: string) => boolean = () => true): Promise<StableVariable | undefined> {
  // Floating-point first: a change in the lowest bit of a Double or Float is the smallest a process can see.
  const floating = (dataType: string) => (dataType === 'Double' || dataType === 'Float' ? 0 : 1);
  const variables = (await session.findVariables({ maxNodes: 200 }))
    .filter((variable) => (variable.userAccessLevel & 0x02) !== 0 && isTamperableType(variable.dataType) && mayWrite(variable.nodeId))
    .sort((a, b) => floating(a.dataType) - floating(b.dataType))
    .slice(0, MAX_CANDIDATES);
  if (variables.length === 0) return undefined;
  const first = await session.readTimed(variables.map((variable) => variable.nodeId));
  await pause(STABILITY_GAP_MS, signal);
  const second = await session.readTimed(variables.map((variable) => variable.nodeId));
  const index = variables.findIndex(
    (_, at) =>
      isGood(first[at]!.status) &&
      typeof first[at]!.value === 'number' &&
      first[at]!.value === second[at]!.value &&
      first[at]!.sourceTimestamp?.getTime() === second[at]!.sourceTimestamp?.getTime(),
  );
  return index < 0 ? undefined : { ...variables[index]!, value: first[index]!.value as number };
}

/** The InstrumentRange (else EURange) property of an analog item, when it has one. */
export async function declaredRange(session: OpcuaSession, nodeId: string): Promise<{ low: number; high: number; property: string } | undefined> {
  const properties = await session.browse(nodeId);
  for (const name of ['InstrumentRange', 'EURange']) {
    const property = properties.find((reference) => reference.isForward && reference.browseName.replace(/^\d+:/, '') === name);
    if (!property) continue;
    const read = await session.read(property.nodeId);
    const range = read.value as { low?: unknown; high?: unknown } | undefined;
    if (isGood(read.status) && typeof range?.low === 'number' && typeof range.high === 'number' && range.high > range.low) return { low: range.low, high: range.high, property: name };
  }
  return undefined;
}
