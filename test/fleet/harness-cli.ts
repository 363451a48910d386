import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { ProfileInput } from '../../core/profile/schema.js';
import { findSimulator } from '../../simulators/registry.js';
import type { RunningSimulator } from '../../simulators/types.js';

export { BIN, cli, startCli, waitForOutput, type CliProcess } from '../support/harness-cli.js';

/** A simulator started in this process on a host the test chooses, so a component keeps its address across restarts. */
export async function startSimulatorOn(kind: string, profile: string, host: string): Promise<{ running: RunningSimulator; stop: () => Promise<void> }> {
  const definition = await findSimulator(kind);
  if (!definition) throw new Error(`no simulator "${kind}"`);
  const workDir = mkdtempSync(join(tmpdir(), `fleet-${kind}-${profile}-`));
  const running = await definition.start({ profile, host, workDir });
  return {
    running,
    stop: async () => {
      await running.stop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/** Writes a simulator's self-description as a device profile, with the component named as the test wants it. */
export function writeProfile(path: string, profile: ProfileInput, component: Partial<ProfileInput['component']>): string {
  writeFileSync(path, stringify({ ...profile, component: { ...profile.component, ...component } }));
  return path;
}
