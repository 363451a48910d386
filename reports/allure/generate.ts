import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export interface GenerateOptions {
  resultsDir: string;
  outputDir: string;
  reportName: string;
  /** Allure history file (JSON lines) kept between runs for trends; created when missing. */
  historyPath?: string;
  /** 'allure3' (default, single HTML file, no Java) or 'allure2' (allure-commandline, needs Java). */
  engine?: 'allure3' | 'allure2';
  timeoutMs?: number;
  signal?: AbortSignal;
}

const require = createRequire(import.meta.url);

function allure3Cli(): string {
  // The package exports only dist/index.js; its CLI entry sits at the package root.
  return join(dirname(require.resolve('allure')), '..', 'cli.js');
}

function run(command: string, args: string[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const onAbort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', reject);
    child.once('exit', (code, killed) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (code === 0) resolvePromise();
      else reject(new Error(`${command} ${args[0] ?? ''} ended with ${killed ?? `code ${code}`}: ${output.trim().split('\n').slice(-5).join(' | ')}`));
    });
  });
}

/** Renders allure-results into allure-report/ (Allure 3: one self-contained index.html). */
export async function generateAllureReport(options: GenerateOptions): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  rmSync(options.outputDir, { recursive: true, force: true });
  if (options.engine === 'allure2') {
    await run('allure', ['generate', options.resultsDir, '--clean', '--single-file', '-o', options.outputDir], timeoutMs, options.signal);
    return join(options.outputDir, 'index.html');
  }
  const configDir = mkdtempSync(join(tmpdir(), 'iec62443-allurerc-'));
  try {
    const config = {
      name: options.reportName,
      output: resolve(options.outputDir),
      ...(options.historyPath ? { historyPath: resolve(options.historyPath) } : {}),
      plugins: { awesome: { options: { singleFile: true, reportName: options.reportName, reportLanguage: 'en', groupBy: ['epic', 'feature', 'story'] } } },
    };
    const configFile = join(configDir, 'allurerc.mjs');
    writeFileSync(configFile, `export default ${JSON.stringify(config, null, 2)};\n`);
    await run(process.execPath, [allure3Cli(), 'generate', resolve(options.resultsDir), '--config', configFile, '--output', resolve(options.outputDir)], timeoutMs, options.signal);
  } finally {
    rmSync(configDir, { recursive: true, force: true });
  }
  const index = join(options.outputDir, 'index.html');
  if (!existsSync(index)) throw new Error(`Allure wrote no ${index}`);
  return index;
}
