import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { randomLoopbackHost } from '../core/net/loopback.js';
import { HARNESS_BIN } from '../harness/run/multi.js';
import { mergeProfiles, type startSimulatorProcess } from '../harness/simulation/embedded.js';
import { startSimulatorWithRetry } from './simulators.js';
import { loadSimulators } from '../simulators/registry.js';
import { childPids, cpuSecondsOf, exitedChildrenCpuSeconds } from './cpu.js';
import type { Figure } from './report.js';
import { progress, round } from './util.js';

/**
 * Scale: the same campaign against 1, 4 and 8 simulated targets at once, through `run --profiles DIR --concurrency N`
 * (one child process per target, harness/run/multi.ts). Each target is a copy of the embedded default (the OPC UA,
 * Modbus and TLS simulators on a loopback host of its own, each started with `simulate <kind> --write-profile`),
 * described by one device profile. The campaign is every non-disruptive check (the default without --disruptive),
 * with the compliance reports written and Allure not rendered (--allure none).
 */

export const TARGET_COUNTS = [1, 4, 8] as const;
export const SCALE_RATIO_TARGET = 2;
/** A run of `run --profiles` that takes longer than this is stopped; its time is then reported as not measured. */
const RUN_LIMIT_MS = 180_000;
/** Simulator processes started at once; each start is mostly CPU (keys, certificates, module loading). */
const START_PARALLEL = 2;

interface Target {
  name: string;
  host: string;
  profileFile: string;
  stop(): Promise<void>;
}

export interface ScaleRun {
  targets: number;
  wallMs?: number;
  exitCode: number | null;
  /** Check statuses summed over the targets' compliance.json. */
  statuses: Record<string, number>;
  /** Per check id: how many targets gave each status. */
  byCheck: Record<string, Record<string, number>>;
  reportsWritten: number;
  /** What each check that ended in error said, per target: the trace of a verdict that differs under load. */
  errors: Array<{ target: string; check: string; reason: string }>;
  /** CPU seconds of the `run --profiles` process and its children, and of the targets' simulators, during the run. */
  harnessCpuS: number;
  simulatorsCpuS: number;
  problem?: string;
}

async function startTarget(index: number, workDir: string): Promise<Target> {
  const name = `target-${String(index).padStart(2, '0')}`;
  const host = randomLoopbackHost();
  let controlHost = randomLoopbackHost();
  while (controlHost === host) controlHost = randomLoopbackHost();
  const own = join(workDir, name);
  mkdirSync(own, { recursive: true });
  const parts: Awaited<ReturnType<typeof startSimulatorProcess>>[] = [];
  const stop = async () => {
    await Promise.allSettled(parts.map((part) => part.stop()));
  };
  try {
    // One at a time on the target's host, as the embedded default does: each simulator picks free ports as it starts.
    for (const definition of (await loadSimulators()).filter((candidate) => candidate.embedded !== false)) {
      parts.push(await startSimulatorWithRetry(definition.kind, definition.defaultProfile, host, own));
    }
    // Inside the try: a merged profile that does not parse must not leave the target's simulators running.
    const profileFile = join(own, `${name}.yaml`);
    const merged = mergeProfiles(host, controlHost, parts);
    writeFileSync(profileFile, stringify({ ...merged, component: { ...merged.component, name: `Simulated PLC ${name}` } }));
    return { name, host, profileFile, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function statusesOf(outDir: string, names: string[]): Pick<ScaleRun, 'statuses' | 'byCheck' | 'reportsWritten' | 'errors'> {
  const statuses: Record<string, number> = {};
  const errors: ScaleRun['errors'] = [];
  const byCheck: Record<string, Record<string, number>> = {};
  let reportsWritten = 0;
  for (const name of names) {
    const file = join(outDir, name, 'compliance.json');
    if (!existsSync(file)) continue;
    reportsWritten++;
    const document = JSON.parse(readFileSync(file, 'utf8')) as { requirements: Array<{ checks?: Array<{ id: string; status: string; observed?: string; message?: string }> }> };
    for (const requirement of document.requirements) {
      for (const check of requirement.checks ?? []) {
        statuses[check.status] = (statuses[check.status] ?? 0) + 1;
        const counts = (byCheck[check.id] ??= {});
        counts[check.status] = (counts[check.status] ?? 0) + 1;
        if (check.status === 'error') errors.push({ target: name, check: check.id, reason: check.message ?? check.observed ?? '' });
      }
    }
  }
  return { statuses, byCheck, reportsWritten, errors };
}

function runProfiles(profilesDir: string, outDir: string, concurrency: number, onChild: (kill: () => void) => void): Promise<{ wallMs?: number; exitCode: number | null; problem?: string }> {
  return new Promise((resolve) => {
    const began = performance.now();
    const child = spawn(process.execPath, [HARNESS_BIN, 'run', '--profiles', profilesDir, '--concurrency', String(concurrency), '--out', outDir, '--allure', 'none'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onChild(() => child.kill('SIGTERM'));
    let timedOut = false;
    const limit = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
    }, RUN_LIMIT_MS);
    // Only the parent's own lines (started/passed/failed) are shown; the children's check lines are many.
    let pending = '';
    const onData = (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        // eslint-disable-next-line no-control-regex
        const plain = line.replace(/\x1b\[[0-9;]*m/g, '');
        if (/^(started|passed|failed|error|interrupted) target-/.test(plain)) progress(`scale x${concurrency}: ${plain}`);
      }
    };
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.stderr!.setEncoding('utf8').on('data', onData);
    child.once('error', (error) => {
      clearTimeout(limit);
      resolve({ exitCode: null, problem: `could not start: ${error.message}` });
    });
    child.once('close', (code, signal) => {
      clearTimeout(limit);
      const wallMs = performance.now() - began;
      if (timedOut) resolve({ exitCode: code, problem: `stopped after ${RUN_LIMIT_MS / 1000} s` });
      else resolve({ wallMs, exitCode: code, ...(signal ? { problem: `ended by ${signal}` } : {}) });
    });
  });
}

export async function benchScale(onChild: (kill: () => void) => void): Promise<{ figures: Figure[]; details: { runs: ScaleRun[]; simulatorStartMs: number; campaign: string } }> {
  const workDir = mkdtempSync(join(tmpdir(), 'iec62443-bench-scale-'));
  const targets: Target[] = [];
  const most = Math.max(...TARGET_COUNTS);
  try {
    progress(`scale: starting ${most} simulated PLCs (OPC UA + Modbus + TLS simulators each, ${START_PARALLEL} targets at a time)`);
    const startBegan = performance.now();
    const indexes = Array.from({ length: most }, (_, index) => index + 1);
    let startFailure: unknown;
    const lanes = Array.from({ length: START_PARALLEL }, async () => {
      for (let index = indexes.shift(); index !== undefined && startFailure === undefined; index = indexes.shift()) {
        try {
          const target = await startTarget(index, workDir);
          targets.push(target);
          progress(`scale: ${target.name} ready on ${target.host}`);
        } catch (error) {
          startFailure ??= error;
        }
      }
    });
    // Every lane settles before a failure is thrown, so no target starts after the cleanup below.
    await Promise.all(lanes);
    if (startFailure !== undefined) throw startFailure;
    targets.sort((a, b) => a.name.localeCompare(b.name));
    const simulatorStartMs = performance.now() - startBegan;

    const runs: ScaleRun[] = [];
    for (const count of TARGET_COUNTS) {
      const profilesDir = join(workDir, `profiles-${count}`);
      const outDir = join(workDir, `out-${count}`);
      mkdirSync(profilesDir, { recursive: true });
      const chosen = targets.slice(0, count);
      for (const target of chosen) copyFileSync(target.profileFile, join(profilesDir, `${target.name}.yaml`));
      progress(`scale: run --profiles with ${count} target${count > 1 ? 's' : ''}, --concurrency ${count}`);
      const simulators = childPids('simulate');
      const simulatorsBefore = cpuSecondsOf(simulators);
      const harnessBefore = exitedChildrenCpuSeconds();
      const run = await runProfiles(profilesDir, outDir, count, onChild);
      const harnessCpuS = round(exitedChildrenCpuSeconds() - harnessBefore, 1);
      const simulatorsCpuS = round(cpuSecondsOf(simulators) - simulatorsBefore, 1);
      runs.push({ targets: count, ...run, ...statusesOf(outDir, chosen.map((target) => target.name)), harnessCpuS, simulatorsCpuS });
      progress(`scale: ${count} target${count > 1 ? 's' : ''} in ${run.wallMs === undefined ? '-' : `${(run.wallMs / 1000).toFixed(1)} s`} (exit ${run.exitCode}, ${runs.at(-1)!.reportsWritten} reports)`);
    }

    const single = runs.find((run) => run.targets === 1);
    const one = single?.wallMs;
    // Every target is the same PLC, so each check should end the same on all of them as on the single target.
    const changedVerdicts = (run: ScaleRun): string[] => {
      if (!single || run === single) return [];
      return Object.entries(run.byCheck)
        .filter(([id, counts]) => {
          // A check that runs on several interfaces of the PLC (the TLS checks: two TLS services) counts once per interface.
          const alone = single.byCheck[id] ?? {};
          const statuses = new Set([...Object.keys(alone), ...Object.keys(counts)]);
          return [...statuses].some((status) => (counts[status] ?? 0) !== (alone[status] ?? 0) * run.reportsWritten);
        })
        .map(([id, counts]) => {
          const said = run.errors.filter((error) => error.check === id).map((error) => `${error.target}: "${error.reason}"`);
          return `${id} ${Object.entries(counts).map(([status, times]) => `${status} ${times}`).join('/')} (alone: ${Object.keys(single.byCheck[id] ?? {}).join('/') || 'absent'}${said.length ? `; ${said.join('; ')}` : ''})`;
        });
    };
    const campaign = 'every non-disruptive check (no --disruptive), --allure none, each target an embedded-default PLC (OPC UA + Modbus + TLS simulators)';
    const figures: Figure[] = runs.map((run) => {
      const statusText = Object.entries(run.statuses)
        .map(([status, count]) => `${count} ${status}`)
        .join(', ');
      const cores = os.cpus().length;
      const cpu = `CPU used: harness ${run.harnessCpuS} s, simulators ${run.simulatorsCpuS} s${run.wallMs === undefined ? '' : ` (${cores} cores give ${((cores * run.wallMs) / 1000).toFixed(0)} s in this time)`}`;
      const changed = changedVerdicts(run);
      const verdicts = changed.length ? `; VERDICTS DIFFER from the single target: ${changed.join(', ')}` : run === single ? '' : '; every check ended as on the single target';
      const base = `exit ${run.exitCode}, ${run.reportsWritten}/${run.targets} reports; checks over all targets: ${statusText || 'none'}${verdicts}; ${cpu}${run.problem ? `; ${run.problem}` : ''}`;
      if (run.targets === 1) {
        return { section: 'scale', name: `1 target (${campaign.split(',')[0]})`, value: run.wallMs === undefined ? undefined : round(run.wallMs / 1000, 1), unit: 's', note: base };
      }
      const ratio = run.wallMs !== undefined && one !== undefined ? run.wallMs / one : undefined;
      const judged = run.targets === most;
      return {
        section: 'scale',
        name: `${run.targets} targets at once (--concurrency ${run.targets})`,
        value: run.wallMs === undefined ? undefined : round(run.wallMs / 1000, 1),
        unit: 's',
        ...(judged && ratio !== undefined ? { compared: ratio } : {}),
        ...(judged ? { target: { comparison: 'below' as const, bound: SCALE_RATIO_TARGET, text: `< ${SCALE_RATIO_TARGET} x 1 target${one !== undefined ? ` (${((SCALE_RATIO_TARGET * one) / 1000).toFixed(1)} s)` : ''}` } } : {}),
        note: `${ratio === undefined ? '' : `${ratio.toFixed(2)} x the time of 1 target; `}${base}`,
      };
    });
    figures[0]!.note = `${figures[0]!.note}; campaign: ${campaign}; ${most} targets' simulators started beforehand in ${(simulatorStartMs / 1000).toFixed(1)} s, not counted`;
    return { figures, details: { runs, simulatorStartMs: Math.round(simulatorStartMs), campaign } };
  } finally {
    progress(`scale: stopping ${targets.length * 3} simulators`);
    await Promise.allSettled(targets.map((target) => target.stop()));
    rmSync(workDir, { recursive: true, force: true });
  }
}
