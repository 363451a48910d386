import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomLoopbackHost } from '../../core/net/loopback.js';
import type { FleetReport } from '../../reports/fleet/aggregate.js';
import { CHROMIUM, renderedDom, screenshot } from '../support/chromium.js';
import { cli, startSimulatorOn, writeProfile } from './harness-cli.js';

/** Screenshots are kept for a person to look at: test-artifacts/ at the project root (ignored by git). */
const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-artifacts');

/**
 * The acceptance test of the fleet view: three "nights" of runs against two TLS components whose simulators are
 * switched between weak and hardened, run the way a lab would (shards, then --profiles with a concurrency limit),
 * with the run times set to the nights afterwards; the fleet report must show the compliant share and remediation
 * times that follow from that history.
 *
 *            gw-1        hmi-2
 *   night 1  weak        hardened     (run as two shards, like a CI matrix)
 *   night 2  weak        weak         (--concurrency 2)
 *   night 3  hardened    weak         (--concurrency 1)
 */
describe('fleet: a nightly history of runs against simulators switched between weak and hardened', function () {
  this.timeout(300_000);
  const work = mkdtempSync(join(tmpdir(), 'fleet-history-'));
  const profiles = join(work, 'profiles');
  const history = join(work, 'history');
  mkdirSync(profiles);
  const components = [
    { name: 'gw-1', model: 'GW-100', host: randomLoopbackHost() },
    { name: 'hmi-2', model: 'HMI-7', host: randomLoopbackHost() },
  ];
  // Short runs: two TLS requirements at SL 2 (CR 1.9 RE(1) needs SL 3, so the hardened side has nothing manual left).
  const runFlags = ['--only', 'CR 4.3,CR 1.9', '--sl', '2', '--allure', 'none'];
  const nights = ['2025-03-01T02:00:00Z', '2025-03-02T02:00:00Z', '2025-03-03T01:00:00Z'];
  const stops: Array<() => Promise<void>> = [];

  async function switchTo(behaviours: string[]): Promise<void> {
    while (stops.length) await stops.pop()!();
    for (const [index, component] of components.entries()) {
      const simulator = await startSimulatorOn('tls', behaviours[index]!, component.host);
      stops.push(simulator.stop);
      // The same device before and after its firmware update: only the firmware differs between its profiles.
      writeProfile(join(profiles, `${component.name}.yaml`), simulator.running.profile, {
        name: component.name,
        vendor: 'Acme',
        model: component.model,
        firmware: behaviours[index] === 'hardened' ? '2.0' : '1.4',
      });
    }
  }

  /** Moves each run of a night to the night's time, a few minutes apart, as a nightly schedule would have run them. */
  function setNightTime(night: number): void {
    components.forEach((component, index) => {
      const file = join(history, `night-${night + 1}`, component.name, 'compliance.json');
      const document = JSON.parse(readFileSync(file, 'utf8')) as { startedAt: string; finishedAt: string };
      const started = Date.parse(nights[night]!) + index * 5 * 60_000;
      document.startedAt = new Date(started).toISOString();
      document.finishedAt = new Date(started + 60_000).toISOString();
      writeFileSync(file, JSON.stringify(document, null, 2));
    });
  }

  const outputs: string[] = [];
  let report: FleetReport;

  after(async function () {
    while (stops.length) await stops.pop()!();
    rmSync(work, { recursive: true, force: true });
  });

  it('night 1: two shards of the sorted profile list each run one component, as a CI matrix would', async function () {
    await switchTo(['weak', 'hardened']);
    const out = join(history, 'night-1');
    const first = await cli(['run', '--profiles', profiles, '--shard', '1/2', '--out', out, ...runFlags]);
    outputs.push(first.output);
    expect(first.code, first.output).to.equal(1);
    expect(existsSync(join(out, 'gw-1', 'compliance.json'))).to.equal(true);
    expect(existsSync(join(out, 'hmi-2'))).to.equal(false);
    const second = await cli(['run', '--profiles', profiles, '--shard', '2/2', '--out', out, ...runFlags]);
    outputs.push(second.output);
    expect(second.code, second.output).to.equal(0);
    expect(existsSync(join(out, 'hmi-2', 'compliance.json'))).to.equal(true);
    setNightTime(0);
  });

  it('night 2: --concurrency 2 starts both runs at once and prefixes their lines with the profile name', async function () {
    await switchTo(['weak', 'weak']);
    const { code, output } = await cli(['run', '--profiles', profiles, '--concurrency', '2', '--out', join(history, 'night-2'), ...runFlags]);
    outputs.push(output);
    expect(code, output).to.equal(1);
    const events = output.split('\n').filter((line) => /^(started|passed|failed|error) /.test(line));
    expect(events.slice(0, 2).every((line) => line.startsWith('started')), output).to.equal(true);
    expect(output).to.match(/^\[gw-1 \] .*CR 4\.3/m);
    expect(output).to.match(/^\[hmi-2\] .*CR 4\.3/m);
    setNightTime(1);
  });

  it('night 3: --concurrency 1 runs one profile after the other', async function () {
    await switchTo(['hardened', 'weak']);
    const { code, output } = await cli(['run', '--profiles', profiles, '--concurrency', '1', '--out', join(history, 'night-3'), ...runFlags]);
    outputs.push(output);
    expect(code, output).to.equal(1);
    const events = output.split('\n').filter((line) => /^(started|passed|failed|error) /.test(line)).map((line) => line.split(':')[0]!.replace(/ \(exit \d+\)/, ''));
    expect(events).to.deep.equal(['started gw-1', 'passed gw-1', 'started hmi-2', 'failed hmi-2']);
    setNightTime(2);
  });

  it('fleet over the history shows the compliant share, remediation times, open findings, inventory and trend', async function () {
    const out = join(work, 'fleet');
    const { code, output } = await cli(['fleet', history, '--out', out, '--as-of', '2025-03-03T12:00:00Z']);
    expect(code, output).to.equal(0);
    report = JSON.parse(readFileSync(join(out, 'fleet.json'), 'utf8')) as FleetReport;
    expect(report.sources.runs).to.equal(6);

    // Latest: gw-1 hardened (compliant), hmi-2 weak (not): 1 of 2.
    expect(report.kpis).to.include({ components: 2, compliant: 1, compliantShare: 0.5, compliantShareMeetsTarget: false });
    const byName = (name: string) => report.components.find((component) => component.identity.name === name)!;
    expect(byName('gw-1').compliant).to.equal(true);
    expect(byName('gw-1').achievedSL).to.deep.equal({ 'FR 1': 2, 'FR 4': 2 });
    expect(byName('hmi-2').reasons).to.include.members(['CR 1.9 fail', 'CR 4.3 fail']);

    // gw-1 failed both requirements from night 1 (03-01 02:00) until night 3 (03-03 01:00): 47 hours each.
    expect(report.remediations.map((entry) => [entry.component.split(' @ ')[0], entry.requirement, entry.hours, entry.withinTarget])).to.deep.equal([
      ['Acme GW-100 gw-1', 'CR 1.9', 47, true],
      ['Acme GW-100 gw-1', 'CR 4.3', 47, true],
    ]);
    expect(report.kpis.remediation).to.include({ remediated: 2, medianHours: 47, meetsTarget: true });

    // hmi-2 regressed in night 2 (03-02 02:05) and is still failing: 33 h 55 min old at 03-03 12:00.
    expect(report.openFindings.map((finding) => [finding.component.split(' @ ')[0], finding.requirement, finding.failingSince, finding.ageHours, finding.highRisk])).to.deep.equal([
      ['Acme HMI-7 hmi-2', 'CR 1.9', '2025-03-02T02:05:00.000Z', 33.92, false],
      ['Acme HMI-7 hmi-2', 'CR 4.3', '2025-03-02T02:05:00.000Z', 33.92, true],
    ]);
    expect(report.failingMost.map((entry) => [entry.requirement, entry.componentsFailingNow, entry.componentsEverFailed, entry.failedRuns])).to.deep.equal([
      ['CR 1.9', 1, 2, 4],
      ['CR 4.3', 1, 2, 4],
    ]);
    expect(report.inventory.map((entry) => [entry.component.split(' @ ')[0], entry.vendor, entry.model, entry.firmware, entry.source])).to.have.deep.members([
      ['Acme GW-100 gw-1', 'Acme', 'GW-100', '2.0', 'profile'],
      ['Acme HMI-7 hmi-2', 'Acme', 'HMI-7', '1.4', 'profile'],
    ]);
    expect(report.trend.map((point) => [point.date, point.compliant, point.components, point.openFindings])).to.deep.equal([
      ['2025-03-01', 1, 2, 2],
      ['2025-03-02', 0, 2, 4],
      ['2025-03-03', 1, 2, 2],
    ]);

    const markdown = readFileSync(join(out, 'fleet.md'), 'utf8');
    expect(markdown).to.include('| Components compliant at their target SL | 1 of 2 (50%) | above 90% | ❌ misses target |');
    expect(markdown).to.include('| Time to remediate a failed requirement (median) | 47 h');
    const html = readFileSync(join(out, 'fleet.html'), 'utf8');
    expect(html).to.include('aria-label="Compliant share over time"').and.to.include('aria-label="Open findings over time"');
    expect(html).not.to.match(/(?:src|href)="(?:https?:)?\/\//);
    // Each component links to the compliance.html of its latest run, relative to the fleet folder.
    expect(html).to.include('href="../history/night-3/gw-1/compliance.html"');
    expect(existsSync(join(history, 'night-3', 'gw-1', 'compliance.html'))).to.equal(true);
  });

  it('fleet --fail-under exits 1 naming each KPI that misses its target, 0 when all are met, 2 for an unknown KPI', async function () {
    const gate = (spec: string) => cli(['fleet', history, '--out', join(work, 'gate'), '--as-of', '2025-03-03T12:00:00Z', '--fail-under', spec]);
    const met = await gate('compliant-share=50%,remediation-hours=48');
    expect(met.code, met.output).to.equal(0);
    const missed = await gate('compliant-share=90%,open-high-risk=0,remediation-hours=24');
    expect(missed.code, missed.output).to.equal(1);
    expect(missed.stderr).to.include('KPI missed: compliant-share 50% is below 90%');
    expect(missed.stderr).to.include('KPI missed: open-high-risk: 1 open high-risk finding(s), more than 0');
    expect(missed.stderr).to.include('KPI missed: remediation-hours: median 47 h exceeds 24 h');
    expect(missed.stderr).to.include('KPI missed: remediation-hours: the oldest open finding is 33.92 h old, over 24 h');
    const unknown = await gate('uptime=99');
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.include('--fail-under: unknown KPI "uptime"');
  });

  it('fleet.html renders in headless Chromium with its KPIs and charts (screenshot in test-artifacts/fleet.png)', async function () {
    if (!CHROMIUM) {
      console.log('    chromium is not installed (apt-get install chromium): the fleet page cannot be rendered here');
      this.skip();
    }
    const page = join(work, 'fleet', 'fleet.html');
    const dom = await renderedDom(page);
    expect(dom).to.include('Compliant at target SL').and.to.include('50%').and.to.include('misses target');
    expect((dom.match(/<svg role="img"/g) ?? []).length).to.equal(2);
    mkdirSync(ARTIFACTS, { recursive: true });
    rmSync(join(ARTIFACTS, 'fleet.png'), { force: true });
    await screenshot(page, join(ARTIFACTS, 'fleet.png'));
    expect(existsSync(join(ARTIFACTS, 'fleet.png'))).to.equal(true);
  });
});
