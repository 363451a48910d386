import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Debian's chromium, headless, with the flags this closed network needs; undefined when not installed. */
export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', process.env.CHROMIUM_PATH].find((path): path is string => !!path && existsSync(path));

function chromium(args: string[], timeoutMs: number): Promise<string> {
  if (!CHROMIUM) throw new Error('chromium is not installed');
  const profileDir = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profileDir}`];
  return new Promise((resolve, reject) => {
    const child = spawn(CHROMIUM, [...flags, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      rmSync(profileDir, { recursive: true, force: true });
      if (code === 0) resolve(stdout);
      else reject(new Error(`chromium ended with ${code ?? 'a signal'}`));
    });
  });
}

/** The DOM after scripts ran (virtual time lets single-page apps such as the Allure report render). */
export const renderedDom = (file: string, timeoutMs = 60_000, hash = '') => chromium(['--virtual-time-budget=15000', '--dump-dom', `${pathToFileURL(file).href}${hash}`], timeoutMs);

export const screenshot = (file: string, png: string, timeoutMs = 60_000) =>
  chromium(['--virtual-time-budget=15000', '--window-size=1400,1100', `--screenshot=${png}`, pathToFileURL(file).href], timeoutMs);
