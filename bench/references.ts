import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort, randomLoopbackHost } from '../core/net/loopback.js';
import { HARNESS_BIN, PACKAGE_ROOT } from '../core/paths.js';
import { loadProtocols } from '../harness/protocols.js';
import type { Figure } from './report.js';
import { startBenchSimulator, type BenchSimulator } from './simulators.js';
import { median, progress, round } from './util.js';

/**
 * The harness beside the tools a user would pick instead, the same work in the same bench run, whole process from
 * start to exit: `--help`, `catalog --json` and a profile error against `node -e 0`; the CR 7.7 scan of every TCP
 * port against `nmap -sT -p1-65535`; the CR 4.3 analysis of one TLS endpoint against `sslscan` and `testssl.sh`.
 * The harness runs compiled (dist/, built by buildDist first), as the installed package does. Runs alternate A B A B after one
 * warm-up each, and the ratio is taken pair by pair, so a machine whose speed drifts during the bench still compares
 * fairly. A reference that is not installed is skipped and the table says so.
 */

export const STARTUP_RATIO_TARGET = 4;
export const STARTUP_MEMORY_TARGET_MB = 100;
export const SCAN_RATIO_TARGET = 2;
/** Whole-process TLS analysis must be faster than sslscan: a ratio below 1. */
export const TLS_RATIO_TARGET = 1;

/**
 * Pairs per comparison. A whole process of a quarter second varies by a tenth from one run to the next on a shared
 * 2-core machine, for the reference as for the harness; the median of nine pairs is not moved by one slow run.
 */
const RUNS = 9;
/** testssl.sh takes tens of seconds per endpoint: fewer runs. */
const SLOW_RUNS = 3;
const RUN_LIMIT_MS = 120_000;

interface Timed {
  wallMs: number;
  /** Peak resident memory in MB, from GNU time where /usr/bin/time is installed. */
  peakMb?: number;
  code: number | null;
  stdout: string;
}

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

const GNU_TIME = (() => {
  try {
    accessSync('/usr/bin/time', constants.X_OK);
    return spawnSync('/usr/bin/time', ['-f', '%M', 'true'], { encoding: 'utf8' }).status === 0 ? '/usr/bin/time' : undefined;
  } catch {
    return undefined;
  }
})();

/** One whole-process run: wall time from spawn to exit, peak RSS by GNU time (its last stderr line) when installed. */
function timeOnce(command: string[], env: NodeJS.ProcessEnv): Promise<Timed> {
  const argv = GNU_TIME ? [GNU_TIME, '-f', '%M', ...command] : command;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env });
    const stdout: string[] = [];
    const stderr: string[] = [];
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => stdout.push(chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
    const limit = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
    child.once('error', (error) => {
      clearTimeout(limit);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(limit);
      const wallMs = performance.now() - started;
      const last = stderr.join('').trim().split('\n').pop() ?? '';
      const peakKb = GNU_TIME && /^\d+$/.test(last) ? Number(last) : undefined;
      resolve({ wallMs, code, stdout: stdout.join(''), ...(peakKb !== undefined ? { peakMb: peakKb / 1024 } : {}) });
    });
  });
}

interface Pairing {
  harness: Timed[];
  reference: Timed[];
  /** harness / reference wall time, pair by pair. */
  ratios: number[];
}

async function paired(harness: string[], reference: string[], runs: number, harnessEnv: NodeJS.ProcessEnv): Promise<Pairing> {
  await timeOnce(harness, harnessEnv);
  await timeOnce(reference, process.env);
  const result: Pairing = { harness: [], reference: [], ratios: [] };
  for (let run = 0; run < runs; run++) {
    const a = await timeOnce(harness, harnessEnv);
    const b = await timeOnce(reference, process.env);
    result.harness.push(a);
    result.reference.push(b);
    result.ratios.push(a.wallMs / b.wallMs);
  }
  return result;
}

const medianOf = (runs: Timed[], pick: (run: Timed) => number | undefined) => median(runs.map(pick).filter((value): value is number => value !== undefined));
const seconds = (ms: number | undefined) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(2)} s`);

function ratioFigure(section: Figure['section'], name: string, pairing: Pairing, referenceName: string, target: number | undefined, extra = ''): Figure {
  const ratio = median(pairing.ratios)!;
  const harnessMs = medianOf(pairing.harness, (run) => run.wallMs)!;
  const referenceMs = medianOf(pairing.reference, (run) => run.wallMs)!;
  return {
    section,
    name,
    value: round(harnessMs / 1000, 2),
    unit: 's',
    compared: ratio,
    ...(target === undefined
      ? {}
      : { target: { comparison: 'below' as const, bound: target, text: target === 1 ? `faster than ${referenceName}` : `< ${target} x ${referenceName}` } }),
    note: `${referenceName} ${seconds(referenceMs)}; ratio ${ratio.toFixed(2)} (median of ${pairing.ratios.length} pairs, range ${Math.min(...pairing.ratios).toFixed(2)}-${Math.max(...pairing.ratios).toFixed(2)})${extra}`,
  };
}

function skipped(section: Figure['section'], name: string, reference: string): Figure {
  return { section, name, value: undefined, unit: 's', note: `not measured: ${reference} is not installed (the bench skips a missing reference)` };
}


const summary = (pairing: Pairing) => ({
  harnessWallMs: pairing.harness.map((run) => Math.round(run.wallMs)),
  referenceWallMs: pairing.reference.map((run) => Math.round(run.wallMs)),
  ratios: pairing.ratios.map((ratio) => round(ratio, 3)),
  harnessPeakMb: pairing.harness.map((run) => (run.peakMb === undefined ? null : round(run.peakMb, 1))),
  harnessExitCodes: [...new Set(pairing.harness.map((run) => run.code))],
});

/**
 * `npm run build`, so that the parts that run the command (tools, scale) measure the code of this tree compiled, as
 * the installed package runs, and never a stale dist/.
 */
export function buildDist(): void {
  progress('building dist/ (npm run build): the command is measured compiled, as the installed package runs');
  const build = spawnSync('npm', ['run', 'build'], { cwd: PACKAGE_ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed: ${(build.stderr || build.stdout).trim().split('\n').slice(-3).join(' | ')}`);
}

/** Pushes each figure into `figures` as soon as it is measured, so that a later failure keeps the earlier ones. */
export async function benchReferences(figures: Figure[], details: Record<string, unknown>, onCleanup: (cleanup: () => void | Promise<void>) => void): Promise<void> {
  await loadProtocols();
  // The compiled package, not the sources this bench runs from.
  const { IEC62443_FROM_SOURCES: _sources, ...compiledEnv } = process.env;
  const harness = (...args: string[]) => [process.execPath, HARNESS_BIN, ...args];
  const work = mkdtempSync(join(tmpdir(), 'iec62443-bench-tools-'));
  details.peakMemory = GNU_TIME ? 'GNU time %M' : 'not measured: /usr/bin/time (GNU time) is not installed';
  const servers: Server[] = [];
  const simulators: BenchSimulator[] = [];
  try {
    // Start: the commands that talk to no device.
    const badProfile = join(work, 'bad.yaml');
    writeFileSync(badProfile, 'component: {name: x, type: embedded-device}\nhost: 127.0.0.1\ntargetSL: 9\n');
    for (const [name, args] of [
      ['--help', ['--help']],
      ['catalog --json', ['catalog', '--json']],
      ['run with a profile error (exit 2)', ['run', '--profile', badProfile]],
    ] as const) {
      progress(`tools: ${name} against node -e 0`);
      const pairing = await paired(harness(...args), [process.execPath, '-e', '0'], RUNS, compiledEnv);
      const peak = medianOf(pairing.harness, (run) => run.peakMb);
      figures.push(ratioFigure('tools', `${name}, whole process`, pairing, 'node -e 0', STARTUP_RATIO_TARGET, peak === undefined ? '' : `; peak ${Math.round(peak)} MB`));
      if (peak !== undefined) {
        figures.push({
          section: 'tools',
          name: `${name}, peak memory`,
          value: Math.round(peak),
          unit: 'MB',
          target: { comparison: 'below', bound: STARTUP_MEMORY_TARGET_MB, text: `< ${STARTUP_MEMORY_TARGET_MB} MB` },
          note: `node -e 0: ${Math.round(medianOf(pairing.reference, (run) => run.peakMb) ?? 0)} MB`,
        });
      }
      details[name] = summary(pairing);
    }

    // CR 7.7: every TCP port of a loopback host with two listeners.
    const scanName = 'CR 7.7 scan of 1-65535 on loopback, whole process';
    if (!onPath('nmap')) figures.push(skipped('tools', scanName, 'nmap'));
    else {
      const host = randomLoopbackHost();
      const ports: number[] = [];
      for (let index = 0; index < 2; index++) {
        const port = await freePort(host);
        const server = createServer((socket) => socket.destroy());
        await new Promise<void>((resolve) => server.listen(port, host, resolve));
        servers.push(server);
        ports.push(port);
      }
      const profile = join(work, 'scan.json');
      writeFileSync(profile, JSON.stringify({ component: { name: 'scan bench', type: 'embedded-device' }, targetSL: 1, host, openPorts: ports }));
      progress(`tools: ${scanName} against nmap -sT -p1-65535 ${host}`);
      const pairing = await paired(harness('run', '--profile', profile, '--only', 'CR 7.7', '--allure', 'none', '--out', join(work, 'scan-out')), ['nmap', '-sT', '-p1-65535', host], RUNS, compiledEnv);
      const nmapOpen = pairing.reference.map((run) => [...run.stdout.matchAll(/^(\d+)\/tcp\s+open/gm)].map((match) => Number(match[1])));
      const sameOpen = nmapOpen.every((open) => ports.every((port) => open.includes(port)));
      figures.push(ratioFigure('tools', scanName, pairing, 'nmap -sT', SCAN_RATIO_TARGET, `; nmap found the two listeners in every run: ${sameOpen ? 'yes' : 'NO'}`));
      details.scan = { ...summary(pairing), host, listeners: ports, nmapOpen: nmapOpen[0] };
    }

    // CR 4.3: one TLS endpoint with TLS 1.0 to 1.3 and twelve suites, so that there is something to enumerate.
    const tlsName = 'CR 4.3 analysis of one TLS endpoint, whole process';
    const haveSslscan = onPath('sslscan') !== undefined;
    const haveTestssl = onPath('testssl.sh') ?? onPath('testssl');
    if (!haveSslscan && !haveTestssl) {
      figures.push(skipped('tools', `${tlsName} (sslscan)`, 'sslscan'), skipped('tools', `${tlsName} (testssl.sh)`, 'testssl.sh'));
    } else {
      progress('tools: TLS simulator (weak-legacy-tls: the hardened endpoint plus TLS 1.0 and 1.1) starting as its own process');
      const simulator = await startBenchSimulator('tls', 'weak-legacy-tls');
      simulators.push(simulator);
      onCleanup(() => simulator.stop());
      const endpoint = simulator.input.endpoints?.tls?.[0] as { port: number } | undefined;
      if (!endpoint) throw new Error('the TLS simulator described no TLS endpoint');
      const target = `${simulator.host}:${endpoint.port}`;
      const profile = join(work, 'tls.json');
      writeFileSync(profile, JSON.stringify(simulator.input));
      const out = join(work, 'tls-out');
      const run = harness('run', '--profile', profile, '--only', 'CR 4.3', '--allure', 'none', '--out', out);
      if (!haveSslscan) figures.push(skipped('tools', `${tlsName} (sslscan)`, 'sslscan'));
      else {
        progress(`tools: ${tlsName} against sslscan ${target}`);
        const pairing = await paired(run, ['sslscan', '--no-colour', target], RUNS, compiledEnv);
        const ours = harnessSuites(out);
        const theirs = sslscanSuites(pairing.reference[0]?.stdout ?? '');
        const same = JSON.stringify(ours) === JSON.stringify(theirs);
        figures.push(
          ratioFigure('tools', `${tlsName} (sslscan)`, pairing, 'sslscan', TLS_RATIO_TARGET, `; accepted suites per version, harness ${JSON.stringify(ours)}, sslscan ${JSON.stringify(theirs)}: ${same ? 'the same' : 'DIFFERENT'}`),
        );
        details.tlsSslscan = { ...summary(pairing), endpoint: target, harnessSuites: ours, sslscanSuites: theirs, sameFindings: same };
      }
      if (!haveTestssl) figures.push(skipped('tools', `${tlsName} (testssl.sh)`, 'testssl.sh'));
      else {
        progress(`tools: ${tlsName} against testssl.sh (protocols, ciphers per protocol, forward secrecy, certificate; about 20 s a run)`);
        const pairing = await paired(run, [haveTestssl, '--quiet', '--color', '0', '--warnings', 'off', '-p', '-E', '-f', '-S', target], SLOW_RUNS, compiledEnv);
        figures.push(ratioFigure('tools', `${tlsName} (testssl.sh)`, pairing, 'testssl.sh -p -E -f -S', undefined));
        details.tlsTestssl = { ...summary(pairing), endpoint: target };
      }
    }
  } finally {
    for (const server of servers) server.close();
    await Promise.allSettled(simulators.map((simulator) => simulator.stop()));
    rmSync(work, { recursive: true, force: true });
  }
}

const VERSION_OF_SSLSCAN: Record<string, string> = { SSLv2: 'SSL 2.0', SSLv3: 'SSL 3.0', 'TLSv1.0': 'TLS 1.0', 'TLSv1.1': 'TLS 1.1', 'TLSv1.2': 'TLS 1.2', 'TLSv1.3': 'TLS 1.3' };

/** Accepted suites per version in sslscan's "Supported Server Cipher(s)" lines. */
function sslscanSuites(output: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const match of output.matchAll(/^(?:Preferred|Accepted)\s+(\S+)\s/gm)) {
    const version = VERSION_OF_SSLSCAN[match[1]!] ?? match[1]!;
    counts[version] = (counts[version] ?? 0) + 1;
  }
  return sorted(counts);
}

/** Accepted suites per version in the harness's "accepted TLS suites" attachment (CSV) of its last run. */
function harnessSuites(out: string): Record<string, number> {
  const dir = join(out, 'allure-results');
  const counts: Record<string, number> = {};
  for (const file of readdirSync(dir).filter((name) => name.endsWith('-attachment.csv'))) {
    const [header, ...rows] = readFileSync(join(dir, file), 'utf8').trim().split('\n');
    if (!header?.startsWith('version,suite,')) continue;
    for (const row of rows) {
      const version = row.split(',')[0]!;
      counts[version] = (counts[version] ?? 0) + 1;
    }
  }
  return sorted(counts);
}

const sorted = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
