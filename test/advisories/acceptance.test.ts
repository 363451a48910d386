import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { ComplianceDocument, KnownVulnerabilities } from '../../core/verdict/model.js';
import type { FleetReport } from '../../reports/fleet/aggregate.js';
import { startEmbeddedComponent, type SimulatedComponent } from '../../harness/simulation/embedded.js';
import { cli } from '../support/harness-cli.js';

/**
 * Issue 21's acceptance: the embedded default against a folder with one advisory affecting the simulated tank PLC's
 * firmware (V2.4.1 reported over Modbus FC 43), one fixed in an earlier version, one of another vendor and one
 * malformed file.
 */
const ADVISORIES = join(dirname(fileURLToPath(import.meta.url)), 'csaf');
const AFFECTING = 'CVE-2099-1001';
const FIXED = 'CVE-2099-1002';
const OTHER_VENDOR = 'CVE-2099-1003';

const documentIn = (folder: string) => JSON.parse(readFileSync(join(folder, 'compliance.json'), 'utf8')) as ComplianceDocument;
const statuses = (known: KnownVulnerabilities) => known.vulnerabilities.map((entry) => [entry.id, entry.status, entry.unmitigated]);

describe('known vulnerabilities from CSAF advisories (issue 21 acceptance)', function () {
  this.timeout(240_000);
  const work = mkdtempSync(join(tmpdir(), 'csaf-acceptance-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  it('run of the embedded default: one vulnerability affecting, one fixed, the malformed file named in a warning, one unmitigated high-risk in the fleet', async function () {
    const out = join(work, 'embedded');
    const run = await cli(['run', '--only', 'CR 7.8', '--advisories', ADVISORIES, '--out', out, '--allure', 'none'], { timeoutMs: 200_000 });
    expect(run.code, run.output).to.equal(0);
    expect(run.stderr).to.match(/warning: advisory malformed-truncated\.json is not used: not valid JSON/);
    expect(run.stderr).to.include('Known vulnerabilities: 1 affecting (1 unmitigated high-risk, 0 declared mitigated), 1 fixed in this version from 3 advisories');

    const known = documentIn(out).vulnerabilities!;
    expect(statuses(known)).to.deep.equal([
      [AFFECTING, 'affected', true],
      [FIXED, 'fixed', false],
    ]);
    expect(known.vulnerabilities.map((entry) => entry.id)).not.to.include(OTHER_VENDOR);
    expect(known.problems).to.deep.equal([{ file: 'malformed-truncated.json', kind: 'unreadable', message: known.problems[0]!.message }]);
    // The identity came from the device itself, over Modbus FC 43, and each rule is named.
    const [match] = known.vulnerabilities[0]!.matches;
    expect(match).to.deep.include({
      identity: { source: 'modbus.inventory.device-identification', interface: 'modbus' },
      version: 'MajorMinorRevision "V2.4.1" lies in known_affected range vers:generic/>=2.0.0|<2.5.0',
    });
    expect(known.vulnerabilities[0]).to.deep.include({ fixedIn: ['2.5.0'], cvss: { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:H', baseScore: 9.1, severity: 'CRITICAL' } });
    expect(known.vulnerabilities[1]!.matches[0]!.version).to.equal('MajorMinorRevision "V2.4.1" is at or after first_fixed version 2.3.0');
    expect(known.identities.map((identity) => identity.source)).to.deep.equal(['enip.inventory.identity-object', 'modbus.inventory.device-identification', 'opcua.inventory.build-info', 'profile']);

    const markdown = readFileSync(join(out, 'compliance.md'), 'utf8');
    expect(markdown).to.include('## Known vulnerabilities');
    expect(markdown).to.match(/\| CVE-2099-1001 \| Write requests are executed before the role check \| 9\.1 CRITICAL \(CVSS 3\.1\) \| \*\*affected\*\* \|/);
    expect(markdown).to.include('| malformed-truncated.json | unreadable: not valid JSON');
    const html = readFileSync(join(out, 'compliance.html'), 'utf8');
    expect(html).to.include('id="known-vulnerabilities"').and.include('fixed in this version (fixed in 2.3.0)');
    const sarif = JSON.parse(readFileSync(join(out, 'results.sarif'), 'utf8')) as { runs: Array<{ results: Array<{ ruleId: string; level: string }>; tool: { driver: { rules: Array<{ id: string; properties: Record<string, unknown> }> } } }> };
    expect(sarif.runs[0]!.results.filter((result) => result.ruleId.startsWith('CVE-'))).to.deep.equal([{ ...sarif.runs[0]!.results.find((result) => result.ruleId === AFFECTING)!, ruleId: AFFECTING, level: 'error' }]);
    expect(sarif.runs[0]!.tool.driver.rules.find((rule) => rule.id === AFFECTING)!.properties['security-severity']).to.equal('9.1');
    const allure = readdirSync(join(out, 'allure-results'))
      .filter((name) => name.endsWith('-result.json'))
      .map((name) => JSON.parse(readFileSync(join(out, 'allure-results', name), 'utf8')) as { name: string; status: string; statusDetails: { message: string }; labels: Array<{ name: string; value: string }> })
      .filter((result) => result.labels.some((label) => label.name === 'epic' && label.value === 'Known vulnerabilities'));
    expect(allure.map((result) => [result.name.split(' ')[0], result.status]).sort()).to.deep.equal([
      [AFFECTING, 'failed'],
      [FIXED, 'passed'],
    ]);
    expect(allure.find((result) => result.status === 'failed')!.statusDetails.message).to.match(/^Known vulnerability CVE-2099-1001: affected; CVSS 9\.1 CRITICAL/);

    const fleet = await cli(['fleet', out, '--out', join(work, 'fleet-embedded')]);
    expect(fleet.code, fleet.output).to.equal(0);
    const report = JSON.parse(readFileSync(join(work, 'fleet-embedded', 'fleet.json'), 'utf8')) as FleetReport;
    expect(report.kpis.vulnerabilities).to.deep.include({ unmitigatedHighRisk: 1, componentsAssessed: 1, componentsWithUnmitigated: 1, meetsTarget: false });
    expect(report.vulnerabilities.map((entry) => [entry.id, entry.released])).to.deep.equal([[AFFECTING, '2025-01-15T09:00:00.000Z']]);
    expect(report.components[0]!.vulnerabilities).to.deep.equal({ assessed: true, unmitigatedHighRisk: 1, affected: 1, mitigated: 0, toReview: 0 });
  });

  describe('the same component run again with a declaration by CVE id', function () {
    let simulated: SimulatedComponent | undefined;
    before(async function () {
      simulated = await startEmbeddedComponent({ mode: 'inprocess' });
    });
    after(async () => simulated?.stop());

    it('counts the vulnerability in the fleet KPI until the profile declares it mitigated, then shows it compensated with its rationale', async function () {
      // `advisories:` in the profile, relative to the profile file.
      const write = (name: string, extra: object) => {
        const path = join(work, name);
        writeFileSync(path, stringify({ ...simulated!.profile, advisories: relative(work, ADVISORIES), ...extra }));
        return path;
      };
      const rationale = 'Modbus/TCP is admitted only from the two SCADA servers at the zone firewall (rule 12), so no other client can write.';
      const before = write('before.yaml', {});
      const declared = write('declared.yaml', { declarations: { ...simulated!.profile.declarations, [AFFECTING]: { verdict: 'compensated', rationale } } });

      const first = await cli(['run', '--profile', before, '--only', 'CR 7.8', '--out', join(work, 'history', '1'), '--allure', 'none'], { timeoutMs: 120_000 });
      expect(first.code, first.output).to.equal(0);
      const fleetBefore = await cli(['fleet', join(work, 'history'), '--out', join(work, 'fleet-history')]);
      expect(fleetBefore.stderr).to.include('unmitigated high-risk vulnerabilities: 1 in 1 of 1 component(s)');

      const second = await cli(['run', '--profile', declared, '--only', 'CR 7.8', '--out', join(work, 'history', '2'), '--allure', 'none'], { timeoutMs: 120_000 });
      expect(second.code, second.output).to.equal(0);
      const entry = documentIn(join(work, 'history', '2')).vulnerabilities!.vulnerabilities.find((vulnerability) => vulnerability.id === AFFECTING)!;
      expect(entry).to.deep.include({ status: 'affected', unmitigated: false, declaration: { verdict: 'compensated', rationale } });
      expect(readFileSync(join(work, 'history', '2', 'compliance.md'), 'utf8')).to.include(`**compensated (declared mitigated)**: ${rationale}`);

      const fleetAfter = await cli(['fleet', join(work, 'history'), '--out', join(work, 'fleet-history')]);
      expect(fleetAfter.code, fleetAfter.output).to.equal(0);
      const report = JSON.parse(readFileSync(join(work, 'fleet-history', 'fleet.json'), 'utf8')) as FleetReport;
      expect(report.sources.runs).to.equal(2);
      expect(report.kpis.components).to.equal(1);
      expect(report.kpis.vulnerabilities).to.deep.include({ unmitigatedHighRisk: 0, componentsAssessed: 1, meetsTarget: true });
      expect(report.components[0]!.vulnerabilities).to.deep.include({ unmitigatedHighRisk: 0, affected: 1, mitigated: 1 });
    });
  });

  it('refuses an advisories folder that cannot be read, naming the flag or the profile field, and writes nothing', async function () {
    const out = join(work, 'refused');
    const flag = await cli(['run', '--advisories', join(work, 'no-such-folder'), '--out', out, '--allure', 'none']);
    expect(flag.code).to.equal(2);
    expect(flag.stderr).to.match(/error: --advisories: cannot read the advisories folder .*no-such-folder \(ENOENT\)/);
    const profile = join(work, 'bad-advisories.yaml');
    writeFileSync(profile, stringify({ component: { name: 'x', type: 'embedded-device' }, targetSL: 1, host: '127.0.0.1', advisories: 'README.md' }));
    writeFileSync(join(work, 'README.md'), 'not a folder');
    const field = await cli(['run', '--profile', profile, '--out', out, '--allure', 'none']);
    expect(field.code).to.equal(2);
    expect(field.stderr).to.include(`error: advisories in ${profile}: ${join(work, 'README.md')} is not a folder`);
    expect(existsSync(out)).to.equal(false);
  });
});
