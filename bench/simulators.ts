import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomLoopbackHost } from '../core/net/loopback.js';
import { parseProfile } from '../core/profile/load.js';
import type { Profile, ProfileInput } from '../core/profile/schema.js';
import { startSimulatorProcess } from '../harness/simulation/embedded.js';
import { progress } from './util.js';

export interface BenchSimulator {
  kind: string;
  host: string;
  input: ProfileInput;
  profile: Profile;
  stop(): Promise<void>;
}

/** Simulator starts that failed and were tried again, with the reason; reported in results.json. */
export const startRetries: Array<{ kind: string; host: string; reason: string }> = [];

/**
 * `simulate <kind> --write-profile` as the embedded default starts it, tried a second time if the first start fails:
 * a start that fails now and then under load must not cost the whole part; each retry is recorded and reported.
 */
export async function startSimulatorWithRetry(kind: string, profileName: string, host: string, workDir: string): ReturnType<typeof startSimulatorProcess> {
  try {
    return await startSimulatorProcess(kind, profileName, host, workDir);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    startRetries.push({ kind, host, reason });
    progress(`the ${kind} simulator on ${host} did not start (${reason}); trying once more`);
    return await startSimulatorProcess(kind, profileName, host, workDir);
  }
}

/**
 * One simulator as its own process (`simulate <kind>`, as in `run`), on a loopback host of its own, so the load
 * generator in this process and the simulator each have a core on a 2-core machine.
 */
export async function startBenchSimulator(kind: string, profileName = 'hardened', host = randomLoopbackHost()): Promise<BenchSimulator> {
  const workDir = mkdtempSync(join(tmpdir(), `iec62443-bench-${kind}-`));
  let part: Awaited<ReturnType<typeof startSimulatorWithRetry>> | undefined;
  try {
    part = await startSimulatorWithRetry(kind, profileName, host, workDir);
    const started = part;
    return {
      kind,
      host,
      input: started.profile,
      profile: parseProfile(started.profile, `${kind} simulator (${profileName})`),
      stop: async () => {
        await started.stop();
        rmSync(workDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    // A profile that does not parse must not leave the simulator process running.
    await part?.stop();
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
}
