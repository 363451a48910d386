import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomLoopbackHost } from '../../core/net/loopback.js';
import type { FleetReport } from '../../reports/fleet/aggregate.js';
import { cli, startSimulatorOn, writeProfile } from './harness-cli.js';

/** The inventory comes from what the device says about itself: the Modbus simulator's FC 43/14 objects via CR 7.8. */
describe('fleet inventory from CR 7.8 evidence (Modbus device identification)', function () {
  this.timeout(120_000);
  const work = mkdtempSync(join(tmpdir(), 'fleet-inventory-'));
  let stop: (() => Promise<void>) | undefined;

  after(async function () {
    await stop?.();
    rmSync(work, { recursive: true, force: true });
  });

  it('lists vendor, product code and revision as the device reported them, where the profile states no firmware', async function () {
    const simulator = await startSimulatorOn('modbus', 'hardened', randomLoopbackHost());
    stop = simulator.stop;
    const declared = simulator.running.profile.component;
    const profile = writeProfile(join(work, 'tank-plc.yaml'), simulator.running.profile, { name: 'tank-plc', firmware: undefined });
    const run = await cli(['run', '--profile', profile, '--only', 'CR 7.8', '--out', join(work, 'runs', 'tank-plc'), '--allure', 'none']);
    expect(run.code, run.output).to.equal(0);
    const { code, output } = await cli(['fleet', join(work, 'runs'), '--out', join(work, 'fleet')]);
    expect(code, output).to.equal(0);
    const report = JSON.parse(readFileSync(join(work, 'fleet', 'fleet.json'), 'utf8')) as FleetReport;
    expect(report.inventory).to.have.length(1);
    const entry = report.inventory[0]!;
    expect(entry.source).to.equal('CR 7.8 evidence');
    expect(entry.vendor).to.equal(declared.vendor);
    expect(entry.model).to.equal(declared.model);
    // The device reports its revision in its own spelling (e.g. "V2.4.1"); the profile above declared none.
    expect(entry.firmware).to.be.a('string').and.match(/\d+\.\d+/);
    expect(readFileSync(join(work, 'fleet', 'fleet.md'), 'utf8')).to.include(`| ${entry.firmware} | CR 7.8 evidence |`);
  });
});
