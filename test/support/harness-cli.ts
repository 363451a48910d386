import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The harness's own CLI as a child process, the way users run it. */
export const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'iec62443-harness.js');

export interface CliProcess {
  child: ChildProcess;
  /** stdout and stderr as they arrived, interleaved. */
  output: () => string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1', ...env } });
  let output = '';
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stdout += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, output: () => output, stdout: () => stdout, stderr: () => stderr, exited };
}

export interface CliResult {
  code: number | null;
  output: string;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to the end; kills it and fails when it takes longer than timeoutMs. */
export async function cli(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const running = startCli(args, options.env);
  const timer = setTimeout(() => running.child.kill('SIGKILL'), timeoutMs);
  const code = await running.exited;
  clearTimeout(timer);
  if (code === null) throw new Error(`iec62443-harness ${args.join(' ')} did not finish within ${timeoutMs} ms:\n${running.output()}`);
  return { code, output: running.output(), stdout: running.stdout(), stderr: running.stderr() };
}

export async function waitForOutput(running: CliProcess, pattern: RegExp | string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  const seen = () => (typeof pattern === 'string' ? running.output().includes(pattern) : pattern.test(running.output()));
  while (!seen()) {
    if (Date.now() > until) throw new Error(`${String(pattern)} did not appear within ${timeoutMs} ms:\n${running.output()}`);
    if (running.child.exitCode !== null) throw new Error(`exited early:\n${running.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
