import type { Profile } from '../../core/profile/schema.js';
import { targetFromProfile, type ModbusTarget } from './connection.js';
import { buildCorpus, discoverBoundaries, runFuzzCorpus, type CorpusParameters, type FuzzCase, type FuzzCaseResult, type LivenessProbe } from './fuzz.js';
import { primaryRead } from './load.js';
import { ModbusSession } from './session.js';

export interface FuzzSetupOptions {
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  signal: AbortSignal;
}

export interface FuzzSetup {
  target: ModbusTarget;
  liveness: LivenessProbe;
  parameters: CorpusParameters;
  corpus: FuzzCase[];
}

/** The holding register the byte-count cases write their read value back to: the first holding essential function, or 0. */
export function writeProbeAddress(profile: Profile): number {
  const essential = profile.essentialFunctions.find((entry) => 'modbus' in entry && entry.modbus.read === 'holding');
  return essential && 'modbus' in essential ? essential.modbus.address : 0;
}

/**
 * What the CR 3.5 check and a replay both derive from the profile and the device: the target, the liveness read,
 * the table ends (single-item reads) and the current value of the write-back register, hence the same corpus.
 */
export async function prepareFuzzing(profile: Profile, host: string, options: FuzzSetupOptions, log: (line: string) => void = () => undefined): Promise<FuzzSetup> {
  const target = targetFromProfile(profile, host);
  const boundaries = await discoverBoundaries(target, options);
  log(`table ends: ${Object.entries(boundaries).map(([table, end]) => `${table} ${end}`).join(', ') || 'none found'}`);
  const address = writeProbeAddress(profile);
  const session = await ModbusSession.connect(target, options);
  let writeBack: CorpusParameters['writeBack'];
  try {
    const current = await session.read('holding', address, 1);
    writeBack = current.ok ? { address, value: current.value[0]! } : undefined;
  } finally {
    await session.close();
  }
  log(writeBack ? `write-back cases use holding ${address} = ${writeBack.value}` : `holding ${address} is not readable: no write-back cases`);
  const parameters: CorpusParameters = { unitId: target.unitId, boundaries, writeBack };
  return { target, liveness: primaryRead(profile), parameters, corpus: buildCorpus(parameters) };
}

/**
 * Replays one CR 3.5 case alone, by its id, against the profile's device: what `run --replay <case id>` calls.
 * Returns the case (with the exact bytes sent), its result, and whether the device still answers afterwards.
 */
export async function replayFuzzCase(
  profile: Profile,
  host: string,
  caseId: string,
  options: FuzzSetupOptions & { log?: (line: string) => void },
): Promise<{ fuzzCase: FuzzCase; result: FuzzCaseResult; aliveAfter: boolean; livenessChecks: number }> {
  const setup = await prepareFuzzing(profile, host, options, options.log);
  const fuzzCase = setup.corpus.find((entry) => entry.id === caseId);
  if (!fuzzCase) {
    throw new Error(`no fuzz case "${caseId}" in the Modbus corpus of this device (${setup.corpus.length} cases, e.g. ${setup.corpus.slice(0, 3).map((entry) => entry.id).join(', ')})`);
  }
  const report = await runFuzzCorpus([fuzzCase], { target: setup.target, ...options, casesPerSecond: 1, liveness: setup.liveness, log: options.log });
  return { fuzzCase, result: report.results[0]!, aliveAfter: report.stoppedAfter === undefined, livenessChecks: report.livenessChecks };
}
