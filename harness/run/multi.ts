import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { bold, dim, green, red, yellow } from '../cli/console.js';
import { HARNESS_BIN, harnessChildEnv } from '../../core/paths.js';

/**
 * `run --profiles DIR`: many components, one child process each, so that the campaigns share the machine's cores and
 * a crash or a hung target does not take the others down.
 */

export const PROFILE_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;
export { HARNESS_BIN };

export interface ProfileEntry {
  /** The file name without its extension; it names the output folder and prefixes the progress lines. */
  name: string;
  file: string;
}

/** Device profiles directly in dir, sorted by name. Throws with a message for the user on a bad folder. */
export function listProfiles(dir: string): ProfileEntry[] {
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isFile() && (PROFILE_EXTENSIONS as readonly string[]).includes(extname(entry.name).toLowerCase()))
      .map((entry) => entry.name);
  } catch (error) {
    throw new Error(`cannot read the folder ${dir} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const entries = names
    .map((name) => ({ name: name.slice(0, -extname(name).length), file: resolve(dir, name) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.file < b.file ? -1 : 1));
  for (let index = 1; index < entries.length; index++) {
    if (entries[index]!.name === entries[index - 1]!.name) throw new Error(`two profiles in ${dir} are named "${entries[index]!.name}"; their output folders would collide`);
  }
  return entries;
}

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

/** "2/5" → the 2nd of 5 slices; undefined when the text is not such a pair. */
export function parseShard(text: string): Shard | undefined {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!match) return undefined;
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || index < 1 || index > count || count > 10_000) return undefined;
  return { index, count };
}

/** The k-th of n contiguous slices of the (sorted) list; slice sizes differ by at most one and every item is in exactly one. */
export function shardOf<T>(items: readonly T[], shard: Shard): T[] {
  const start = Math.floor(((shard.index - 1) * items.length) / shard.count);
  const end = Math.floor((shard.index * items.length) / shard.count);
  return items.slice(start, end);
}

export type ChildStatus = 'running' | 'passed' | 'failed' | 'error' | 'interrupted' | 'not started';

export interface ChildRun {
  name: string;
  file: string;
  outDir: string;
  status: ChildStatus;
  exitCode?: number | null;
  signal?: NodeJS.Signals | null;
  /** Why it ended in error when the exit code does not say it (spawn failure, killed by a signal). */
  problem?: string;
}

/**
 * What a child's exit means for the parent: its own exit codes 0, 1 and 130 keep their meaning; a profile the child
 * could not use (2), a harness error (3), any other code or a death by signal are errors of this run (3).
 */
export function statusOfExit(code: number | null): ChildStatus {
  if (code === 0) return 'passed';
  if (code === 1) return 'failed';
  if (code === 130) return 'interrupted';
  return 'error';
}

/** The parent's exit code: 130 when the user interrupted it; else errors (3) before failures (1) before success (0). */
export function worstExitCode(runs: readonly ChildRun[], interrupted: boolean): number {
  if (interrupted) return 130;
  if (runs.some((run) => run.status !== 'passed' && run.status !== 'failed')) return 3;
  if (runs.some((run) => run.status === 'failed')) return 1;
  return 0;
}

export interface MultiRunOptions {
  profiles: readonly ProfileEntry[];
  /** Each child writes into outDir/<profile name>. */
  outDir: string;
  /** Flags every child gets, e.g. ["--only", "CR 4.3", "--allure", "none"]. */
  passThrough: readonly string[];
  concurrency: number;
  /** A line of a child's output (prefixed) or of the parent; stream says where it belongs. */
  write: (stream: 'stdout' | 'stderr', line: string) => void;
  onStart?: (run: ChildRun) => void;
  onExit?: (run: ChildRun) => void;
  bin?: string;
  env?: NodeJS.ProcessEnv;
}

export class MultiRun {
  readonly runs: ChildRun[];
  private readonly running = new Map<ChildRun, ChildProcess>();
  private interrupts = 0;
  private interruptSignal: NodeJS.Signals = 'SIGINT';
  private readonly width: number;

  constructor(private readonly options: MultiRunOptions) {
    this.runs = options.profiles.map((profile) => ({ name: profile.name, file: profile.file, outDir: join(options.outDir, profile.name), status: 'not started' }));
    this.width = Math.max(0, ...options.profiles.map((profile) => profile.name.length));
  }

  get interrupted(): boolean {
    return this.interrupts > 0;
  }

  /** Runs every profile, at most `concurrency` at a time; resolves when every started child has exited. */
  async start(): Promise<ChildRun[]> {
    const queue = [...this.runs];
    const lanes = Array.from({ length: Math.max(1, Math.min(this.options.concurrency, queue.length)) }, async () => {
      for (let run = queue.shift(); run; run = queue.shift()) {
        if (this.interrupted) break;
        await this.runChild(run);
      }
    });
    await Promise.all(lanes);
    return this.runs;
  }

  /**
   * First call: start no further child and pass the signal on, so each running child stops its check and still
   * writes its report. A second call passes it on again, which makes the children quit at once.
   */
  interrupt(signal: NodeJS.Signals = 'SIGINT'): void {
    this.interrupts++;
    this.interruptSignal = signal;
    for (const child of this.running.values()) child.kill(signal);
  }

  private runChild(run: ChildRun): Promise<void> {
    const args = [this.options.bin ?? HARNESS_BIN, 'run', '--profile', run.file, '--out', run.outDir, ...this.options.passThrough];
    return new Promise((resolvePromise) => {
      // Its own process group: a Ctrl-C in the terminal reaches only the parent, which passes it on exactly once.
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: harnessChildEnv(this.options.env ?? process.env) });
      this.running.set(run, child);
      // A child started between the user's Ctrl-C and this point must not run to the end unnoticed.
      if (this.interrupted) child.kill(this.interruptSignal);
      const prefix = `${bold(`[${run.name.padEnd(this.width)}]`)} `;
      const flushers = (['stdout', 'stderr'] as const).map((stream) => {
        let pending = '';
        child[stream]!.setEncoding('utf8');
        child[stream]!.on('data', (chunk: string) => {
          pending += chunk;
          const lines = pending.split('\n');
          pending = lines.pop()!;
          for (const line of lines) this.options.write(stream, `${prefix}${line}`);
        });
        return () => {
          if (pending) this.options.write(stream, `${prefix}${pending}`);
          pending = '';
        };
      });
      let settled = false;
      let fallback: NodeJS.Timeout | undefined;
      const finish = (update: Partial<ChildRun>) => {
        if (settled) return;
        settled = true;
        clearTimeout(fallback);
        for (const flush of flushers) flush();
        child.stdout!.destroy();
        child.stderr!.destroy();
        Object.assign(run, update);
        this.running.delete(run);
        this.options.onExit?.(run);
        resolvePromise();
      };
      child.once('error', (error) => finish({ status: 'error', problem: `could not start: ${error.message}` }));
      const ended = (code: number | null, signal: NodeJS.Signals | null) => finish({ status: statusOfExit(code), exitCode: code, signal, ...(signal ? { problem: `ended by ${signal}` } : {}) });
      // 'close' comes after both output streams ended, so no line is lost; but a grandchild that inherited the pipes
      // could hold them open for ever, so the exit itself settles the run shortly after.
      child.once('close', ended);
      child.once('exit', (code, signal) => {
        fallback = setTimeout(() => ended(code, signal), 2_000);
      });
      run.status = 'running';
      this.options.onStart?.(run);
    });
  }
}

export interface ProfilesCommandOptions {
  profilesDir: string;
  outDir: string;
  passThrough: string[];
  concurrency: number;
  shard?: Shard;
}

const STATUS_TEXT: Record<ChildStatus, (text: string) => string> = { running: dim, passed: green, failed: red, error: yellow, interrupted: yellow, 'not started': dim };

/** The console side of `run --profiles`: selection, Ctrl-C and SIGTERM forwarding, and the closing summary. */
export async function runProfilesCommand(options: ProfilesCommandOptions): Promise<number> {
  const all = listProfiles(options.profilesDir);
  const profiles = options.shard ? shardOf(all, options.shard) : all;
  const shardText = options.shard ? `, shard ${options.shard.index}/${options.shard.count} of ${all.length}` : '';
  const err = (line: string) => process.stderr.write(`${line}\n`);
  if (profiles.length === 0) {
    process.stdout.write(`No profile to run in ${options.profilesDir}${shardText}.\n`);
    return 0;
  }
  err(`${bold('Profiles:')} ${profiles.map((profile) => profile.name).join(', ')} (${profiles.length}${shardText}), at most ${options.concurrency} at a time\n`);
  const multi = new MultiRun({
    profiles,
    outDir: options.outDir,
    passThrough: options.passThrough,
    concurrency: options.concurrency,
    write: (stream, line) => (stream === 'stdout' ? process.stdout : process.stderr).write(`${line}\n`),
    onStart: (run) => err(dim(`started ${run.name}: ${run.file}`)),
    onExit: (run) => err(`${STATUS_TEXT[run.status](`${run.status}`)} ${run.name}${run.exitCode !== undefined && run.exitCode !== null ? ` (exit ${run.exitCode})` : ''}${run.problem ? `: ${run.problem}` : ''}`),
  });
  const onSignal = (signal: NodeJS.Signals) => {
    err(
      `\n${yellow(
        multi.interrupted ? 'interrupted again: the runs quit at once' : `${signal === 'SIGTERM' ? 'terminated' : 'interrupted'}: starting no further profile; each running one stops its check and writes its report (Ctrl-C again to quit at once)`,
      )}`,
    );
    multi.interrupt(signal);
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    await multi.start();
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
  const width = Math.max(...profiles.map((profile) => profile.name.length));
  process.stdout.write(`\n${bold('Runs:')}\n`);
  for (const run of multi.runs) {
    const report = existsSync(join(run.outDir, 'compliance.html')) ? join(run.outDir, 'compliance.html') : dim(run.status === 'not started' ? '' : 'no report written');
    process.stdout.write(`  ${run.name.padEnd(width)}  ${STATUS_TEXT[run.status](run.status.padEnd(11))}  ${report}\n`);
  }
  process.stdout.write(`\nFleet view of these runs: iec62443-harness fleet ${options.outDir} --out ${options.outDir}\n`);
  return worstExitCode(multi.runs, multi.interrupted);
}
