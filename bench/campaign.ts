import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CampaignCheckFigure, CampaignChildResult } from './campaign-child.js';
import type { Figure } from './report.js';
import { median, progress, round } from './util.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'campaign-child.ts');
/** The child bounds its campaign at 8 minutes; this catches a child that hangs past it. */
const CHILD_LIMIT_MS = 9 * 60_000;

export const CAMPAIGN_OVERHEAD_TARGET_MS = 10_000;
export const CHECK_OVERHEAD_TARGET_MS = 150;
export const MEMORY_TARGET_BYTES = 300 * 1024 * 1024;

export interface CampaignBench {
  figures: Figure[];
  details: CampaignChildResult & {
    designedWaitMs: number;
    overheadMs: number;
    medianNonDisruptiveOverheadMs?: number;
    medianDisruptiveOverheadMs?: number;
  };
}

/** Runs bench/campaign-child.ts and turns what it measured into figures. */
export async function benchCampaign(onChild: (kill: () => void) => void): Promise<CampaignBench> {
  const dir = mkdtempSync(join(tmpdir(), 'iec62443-bench-'));
  const resultFile = join(dir, 'campaign.json');
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD, resultFile], { stdio: ['ignore', 'pipe', 'pipe'] });
      onChild(() => child.kill('SIGTERM'));
      const stderr: string[] = [];
      let pending = '';
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop()!;
        for (const line of lines) progress(`campaign: ${line}`);
      });
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
      const limit = setTimeout(() => child.kill('SIGKILL'), CHILD_LIMIT_MS);
      child.once('error', (error) => {
        clearTimeout(limit);
        reject(error);
      });
      child.once('close', (code, signal) => {
        clearTimeout(limit);
        if (code === 0) resolve();
        else reject(new Error(`the campaign child ended with ${signal ?? `exit code ${code}`}: ${stderr.join('').trim().split('\n').slice(-5).join(' | ')}`));
      });
    });
    const result = JSON.parse(readFileSync(resultFile, 'utf8')) as CampaignChildResult;
    return figuresOf(result);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * How long at least one check was waiting on purpose. Checks of different interfaces run at once, so their waits
 * overlap: summing them would count the same seconds twice and hide the harness's own time behind them.
 */
function designedWaitUnionMs(checks: ReadonlyArray<Pick<CampaignCheckFigure, 'startMs' | 'designedWaits'>>): number {
  const spans = checks
    .flatMap((check) => check.designedWaits.map((wait) => [check.startMs + wait.fromMs, check.startMs + wait.fromMs + wait.ms] as const))
    .sort((a, b) => a[0] - b[0]);
  let covered = 0;
  let reach = Number.NEGATIVE_INFINITY;
  for (const [from, to] of spans) {
    if (to <= reach) continue;
    covered += to - Math.max(from, reach);
    reach = to;
  }
  return covered;
}

function figuresOf(result: CampaignChildResult): CampaignBench {
  const ran = result.checks.filter((check) => check.status === 'pass' || check.status === 'fail' || check.status === 'error');
  const summedWaitMs = result.checks.reduce((sum, check) => sum + check.designedWaitMs, 0);
  const designedWaitMs = designedWaitUnionMs(result.checks);
  const overheadMs = Math.max(0, result.campaignWallMs - designedWaitMs);
  const nonDisruptive = ran.filter((check) => !check.disruptive);
  const disruptive = ran.filter((check) => check.disruptive);
  const medianNonDisruptiveOverheadMs = median(nonDisruptive.map((check) => check.overheadMs));
  const medianDisruptiveOverheadMs = median(disruptive.map((check) => check.overheadMs));
  const statuses = Object.entries(
    result.checks.reduce<Record<string, number>>((counts, check) => ((counts[check.status] = (counts[check.status] ?? 0) + 1), counts), {}),
  )
    .map(([status, count]) => `${count} ${status}`)
    .join(', ');
  const errors = result.checks.filter((check) => check.status === 'error').map((check) => check.id);
  const sumOf = (checks: typeof ran) => checks.reduce((sum, check) => sum + check.overheadMs, 0);
  const insideChecksMs = result.checks.reduce((sum, check) => sum + check.overheadMs, 0);
  const betweenChecksMs = Math.max(0, result.campaignWallMs - result.checks.reduce((sum, check) => sum + check.durationMs, 0));
  const slowest = [...nonDisruptive].sort((a, b) => b.overheadMs - a.overheadMs).slice(0, 3);
  const interrupted = result.interrupted ? `; INTERRUPTED: ${result.interrupted}` : '';
  const figures: Figure[] = [
    {
      section: 'campaign',
      name: 'wall time (embedded default, every check, disruptive on)',
      value: round(result.campaignWallMs / 1000, 1),
      unit: 's',
      note: `${result.checks.length} checks: ${statuses}${errors.length ? ` (errors: ${errors.join(', ')})` : ''}; runCampaign ${(result.runCampaignMs / 1000).toFixed(1)} s + reports ${(result.reportsMs / 1000).toFixed(1)} s (Allure not rendered); simulator start before it ${(result.simulatorStartMs / 1000).toFixed(1)} s, not counted${interrupted}`,
    },
    {
      section: 'campaign',
      name: 'designed waits (time at least one check waited on purpose)',
      value: round(designedWaitMs / 1000, 1),
      unit: 's',
      note: `lockout window, idle-session timeout, load/baseline/recovery windows, connection hold, unanswered SNMP requests; summed over the checks ${(summedWaitMs / 1000).toFixed(1)} s, as checks of different interfaces wait at the same time`,
    },
    {
      section: 'campaign',
      name: 'harness overhead (wall time - designed waits)',
      value: round(overheadMs / 1000, 1),
      unit: 's',
      target: { comparison: 'below', bound: CAMPAIGN_OVERHEAD_TARGET_MS / 1000, text: `< ${CAMPAIGN_OVERHEAD_TARGET_MS / 1000} s` },
      note: `inside the checks ${(insideChecksMs / 1000).toFixed(1)} s (non-disruptive ${(sumOf(nonDisruptive) / 1000).toFixed(1)} s, disruptive ${(sumOf(disruptive) / 1000).toFixed(1)} s), between them (preflight, Allure results, reports) ${(betweenChecksMs / 1000).toFixed(1)} s`,
    },
    {
      section: 'campaign',
      name: `median overhead per non-disruptive check (${nonDisruptive.length} run)`,
      value: medianNonDisruptiveOverheadMs === undefined ? undefined : round(medianNonDisruptiveOverheadMs),
      unit: 'ms',
      target: { comparison: 'below', bound: CHECK_OVERHEAD_TARGET_MS, text: `< ${CHECK_OVERHEAD_TARGET_MS} ms` },
      note: `slowest: ${slowest.map((check) => `${check.id} ${check.overheadMs} ms`).join(', ')}; disruptive checks' median overhead ${medianDisruptiveOverheadMs === undefined ? '-' : `${Math.round(medianDisruptiveOverheadMs)} ms`}`,
    },
    {
      section: 'memory',
      name: 'peak resident memory of the harness over the campaign',
      value: round(result.peakRssBytes / (1024 * 1024)),
      unit: 'MB',
      target: { comparison: 'below', bound: MEMORY_TARGET_BYTES / (1024 * 1024), text: `< ${MEMORY_TARGET_BYTES / (1024 * 1024)} MB` },
      note: `VmHWM of the campaign process (simulators run in their own processes); highest of ${result.rssSamples} rss samples at 100 ms: ${Math.round(result.sampledPeakRssBytes / (1024 * 1024))} MB`,
    },
  ];
  return { figures, details: { ...result, designedWaitMs, overheadMs, medianNonDisruptiveOverheadMs, medianDisruptiveOverheadMs } };
}
