/**
 * The campaign part of the bench, run in a child process of its own so that its peak resident memory is the harness's
 * alone (the simulators run in processes of their own, as in `iec62443-harness run`): the embedded default with every
 * check and disruptive on, then the reports as the CLI writes them (without rendering Allure).
 *
 *   node --import tsx bench/campaign-child.ts RESULT.json
 *
 * Progress goes to stdout one line at a time; the figures go to RESULT.json.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startEmbeddedComponent } from '../harness/simulation/embedded.js';
import { parseProfile } from '../core/profile/load.js';
import { runCampaign } from '../harness/run/campaign.js';
import { loadProtocols } from '../harness/protocols.js';
import { writeReports } from '../reports/write.js';

export interface CampaignCheckFigure {
  id: string;
  disruptive: boolean;
  status: string;
  durationMs: number;
  designedWaitMs: number;
  /** durationMs less the designed waits: the harness's (and the device's) time beyond waiting on purpose. */
  overheadMs: number;
  /** When the check started, in ms from the campaign's start, and when its designed waits were (ms from its start). */
  startMs: number;
  designedWaits: Array<{ fromMs: number; ms: number }>;
}

export interface CampaignChildResult {
  simulatorStartMs: number;
  /** runCampaign plus writing the reports. */
  campaignWallMs: number;
  runCampaignMs: number;
  reportsMs: number;
  checks: CampaignCheckFigure[];
  peakRssBytes: number;
  /** Highest of the 100 ms samples of process.memoryUsage().rss, beside the kernel's high-water mark. */
  sampledPeakRssBytes: number;
  rssSamples: number;
  interrupted?: string;
  unreachable?: string;
}

/** Every check has its own timeout; this bounds the whole campaign should a check's bound be long. */
const CAMPAIGN_DEADLINE_MS = 8 * 60_000;

function highWaterMarkBytes(): number {
  const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

async function main(resultFile: string): Promise<void> {
  let sampledPeak = process.memoryUsage().rss;
  let samples = 1;
  const sampler = setInterval(() => {
    sampledPeak = Math.max(sampledPeak, process.memoryUsage().rss);
    samples++;
  }, 100);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const controller = new AbortController();
  const deadline = setTimeout(() => controller.abort(new Error(`bench campaign deadline of ${CAMPAIGN_DEADLINE_MS / 1000} s reached`)), CAMPAIGN_DEADLINE_MS);
  const stop = () => controller.abort(new Error('interrupted'));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const outDir = mkdtempSync(join(tmpdir(), 'iec62443-bench-campaign-'));

  // The protocol definitions are loaded on demand since the check manifest; the embedded profile needs them.
  await loadProtocols();
  const startBegan = performance.now();
  const component = await startEmbeddedComponent({ mode: 'process', signal: controller.signal, onStatus: say });
  const simulatorStartMs = performance.now() - startBegan;
  try {
    const profile = parseProfile(component.profile, 'embedded default');
    say(`simulators ready in ${(simulatorStartMs / 1000).toFixed(1)} s; running every check with disruptive on`);
    const disruptiveOf = new Map<string, boolean>();
    const began = performance.now();
    const beganAt = Date.now();
    const campaign = await runCampaign({
      profile,
      outDir,
      disruptive: true,
      signal: controller.signal,
      onCheckEnd: (result, check, index, total) => {
        disruptiveOf.set(result.checkId, check.disruptive);
        const waited = result.designedWaitMs ? `, ${(result.designedWaitMs / 1000).toFixed(1)} s of it by design` : '';
        say(`[${index}/${total}] ${result.checkId}${check.disruptive ? ' (disruptive)' : ''}: ${result.status} in ${(result.durationMs / 1000).toFixed(1)} s${waited}`);
      },
    });
    const runCampaignMs = performance.now() - began;
    const reportsBegan = performance.now();
    await writeReports(campaign.document, { outDir, allureResultsDir: campaign.allureResultsDir, engine: 'none', reportName: 'bench', profileUri: 'embedded-default' });
    const reportsMs = performance.now() - reportsBegan;
    const campaignWallMs = performance.now() - began;
    clearInterval(sampler);
    const checks = campaign.results.map((result) => {
      const designedWaitMs = result.designedWaitMs ?? 0;
      return {
        id: result.checkId,
        disruptive: disruptiveOf.get(result.checkId) ?? false,
        status: result.status,
        durationMs: result.durationMs,
        designedWaitMs,
        overheadMs: Math.max(0, result.durationMs - designedWaitMs),
        startMs: Date.parse(result.startedAt) - beganAt,
        designedWaits: result.designedWaits ?? [],
      };
    });
    const figures: CampaignChildResult = {
      simulatorStartMs: Math.round(simulatorStartMs),
      campaignWallMs: Math.round(campaignWallMs),
      runCampaignMs: Math.round(runCampaignMs),
      reportsMs: Math.round(reportsMs),
      checks,
      peakRssBytes: Math.max(highWaterMarkBytes(), sampledPeak),
      sampledPeakRssBytes: sampledPeak,
      rssSamples: samples,
      ...(campaign.interrupted ? { interrupted: campaign.interrupted } : {}),
      ...(campaign.unreachable ? { unreachable: campaign.unreachable } : {}),
    };
    writeFileSync(resultFile, JSON.stringify(figures, null, 2));
  } finally {
    clearInterval(sampler);
    clearTimeout(deadline);
    await component.stop();
    rmSync(outDir, { recursive: true, force: true });
  }
}

const resultFile = process.argv[2];
if (!resultFile) {
  process.stderr.write('usage: node --import tsx bench/campaign-child.ts RESULT.json\n');
  process.exit(2);
}
main(resultFile).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`campaign bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
