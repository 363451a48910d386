import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { ProfileInput } from '../../core/profile/schema.js';
import { findSimulator } from '../../simulators/registry.js';
import type { RunningSimulator } from '../../simulators/types.js';

export const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'iec62443-harness.js');

export interface CliProcess {
  child: ChildProcess;
  /** stdout and stderr as they arrived, interleaved. */
  output: () => string;
  stdout: () => string;
  exited: Promise<number | null>;
}

export function startCli(args: string[]): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } });
  let output = '';
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stdout += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, output: () => output, stdout: () => stdout, exited };
}

/** Runs the CLI to the end; kills it and fails when it takes longer than timeoutMs. */
export async function cli(args: string[], timeoutMs = 120_000): Promise<{ code: number | null; output: string; stdout: string }> {
  const running = startCli(args);
  const timer = setTimeout(() => running.child.kill('SIGKILL'), timeoutMs);
  const code = await running.exited;
  clearTimeout(timer);
  if (code === null) throw new Error(`iec62443-harness ${args.join(' ')} did not finish within ${timeoutMs} ms:\n${running.output()}`);
  return { code, output: running.output(), stdout: running.stdout() };
}

export async function waitForOutput(running: CliProcess, pattern: RegExp, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!pattern.test(running.output())) {
    if (Date.now() > until) throw new Error(`${pattern} did not appear within ${timeoutMs} ms:\n${running.output()}`);
    if (running.child.exitCode !== null) throw new Error(`exited early:\n${running.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

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
