import type { CheckContext } from '../../core/check.js';
import type { FuzzCampaign, Fuzzing } from '../../core/fuzz/replay.js';
import type { Profile } from '../../core/profile/schema.js';
import { targetFromProfile, type ModbusTarget } from './connection.js';
import { buildCorpus, discoverBoundaries, modbusFuzzDriver, type CorpusParameters, type FuzzCase, type LivenessProbe } from './fuzz.js';
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

export interface ModbusFuzzCampaign extends FuzzCampaign<FuzzCase>, FuzzSetup {}

/** The Modbus corpus for core/fuzz: the check and `run --replay modbus:<case id>` prepare it here. */
export const modbusFuzzing: Fuzzing<FuzzCase, ModbusFuzzCampaign> = {
  protocol: 'modbus',
  checkProtocol: 'modbus',
  async prepare(ctx: CheckContext) {
    const options = { connectTimeoutMs: ctx.settings.connectTimeoutMs, requestTimeoutMs: ctx.settings.requestTimeoutMs, signal: ctx.signal };
    const setup = await prepareFuzzing(ctx.profile, ctx.host, options, (line) => ctx.log(line));
    const driver = modbusFuzzDriver({ target: setup.target, connectTimeoutMs: options.connectTimeoutMs, requestTimeoutMs: options.requestTimeoutMs, liveness: setup.liveness });
    return {
      ...setup,
      driver,
      close: async () => driver.close?.(),
    };
  },
};
