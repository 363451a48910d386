import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTAINER_LABEL, containerEngineStatus } from '../../harness/simulation/container.js';

const ENGINE_START_TIMEOUT_MS = 60_000;
let checked: Promise<string | undefined> | undefined;
let skipAnnounced = false;

/**
 * Why the container tests cannot run here, or undefined when a Docker engine answers. As root with dockerd installed
 * but not running (a fresh CI machine), the engine is started the way .ci/run starts it: no bridge, no iptables.
 */
export function engineUnavailable(): Promise<string | undefined> {
  checked ??= (async () => {
    const status = await containerEngineStatus();
    if (status.available) return undefined;
    const dockerd = spawnSync('sh', ['-c', 'command -v dockerd'], { encoding: 'utf8' }).stdout.trim();
    if (!dockerd || process.getuid?.() !== 0 || process.env.IEC62443_NO_DOCKERD) return status.reason;
    const log = join(mkdtempSync(join(tmpdir(), 'iec62443-dockerd-')), 'dockerd.log');
    const daemon = spawn(dockerd, ['--bridge=none', '--iptables=false'], { detached: true, stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')] });
    daemon.unref();
    for (let waited = 0; waited < ENGINE_START_TIMEOUT_MS; waited += 1_000) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      if ((await containerEngineStatus()).available) return undefined;
    }
    return `${status.reason}; dockerd started here did not answer within ${ENGINE_START_TIMEOUT_MS / 1000} s (log: ${log})`;
  })();
  return checked;
}

/** In a before hook: skips the suite with one line saying why when there is no engine. */
export async function skipWithoutEngine(context: Mocha.Context): Promise<void> {
  const reason = await engineUnavailable();
  if (reason === undefined) return;
  // CI sets it: there, a skipped container test would hide that the acceptance was never run.
  if (process.env.IEC62443_REQUIRE_CONTAINERS) throw new Error(`container tests required (IEC62443_REQUIRE_CONTAINERS) but ${reason}`);
  if (!skipAnnounced) console.log(`      container tests skipped: ${reason}`);
  skipAnnounced = true;
  context.skip();
}

/** Our containers (optionally those of one harness process) that exist in any state, running or not. */
export function harnessContainers(ownerPid?: number): string[] {
  const filters = ['--filter', `label=${CONTAINER_LABEL}`, ...(ownerPid === undefined ? [] : ['--filter', `label=iec62443-harness.pid=${ownerPid}`])];
  const listed = spawnSync('docker', ['ps', '--all', '--quiet', '--no-trunc', ...filters], { encoding: 'utf8', timeout: 20_000 });
  if (listed.status !== 0) throw new Error(`docker ps failed: ${listed.stderr}`);
  return listed.stdout.split('\n').filter(Boolean);
}
