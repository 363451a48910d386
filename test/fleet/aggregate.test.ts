import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRequirement } from '../../core/catalog/index.js';
import { buildComplianceDocument } from '../../core/verdict/document.js';
import type { ComplianceDocument } from '../../core/verdict/model.js';
import type { RequirementVerdict, Verdict } from '../../core/verdict/model.js';
import { buildFleet, complianceOf } from '../../reports/fleet/aggregate.js';
import { collectRuns, type FleetRun } from '../../reports/fleet/collect.js';
import { fleetHtml } from '../../reports/fleet/html.js';
import { inventoryOf, parseIdentification } from '../../reports/fleet/inventory.js';
import { fleetMarkdown } from '../../reports/fleet/markdown.js';

interface RunSpec {
  name: string;
  host?: string;
  at: string;
  targetSL?: number;
  verdicts: Record<string, Verdict>;
  firmware?: string;
  observed?: Record<string, string>;
}

/** A compliance document as a campaign would write it, built with the report code itself. */
function documentOf(spec: RunSpec): ComplianceDocument {
  const requirements: RequirementVerdict[] = Object.entries(spec.verdicts).map(([id, verdict]) => {
    const item = findRequirement(id)!;
    const observed = spec.observed?.[id];
    return {
      id,
      title: item.title,
      fr: item.fr,
      sl: item.sl,
      confidence: item.confidence,
      testClass: item.testClass,
      verdict,
      interfaces: [],
      checks: observed ? [{ id: 'test.check', title: 'a check', status: verdict === 'pass' ? 'pass' : 'fail', expectation: 'x', observed, durationMs: 1 }] : [],
    };
  });
  const finished = new Date(Date.parse(spec.at) + 60_000).toISOString();
  return buildComplianceDocument({
    harness: { name: 'iec62443-harness', version: 'test' },
    catalog: { edition: 'test' },
    component: { name: spec.name, vendor: 'Acme', model: 'GW-100', type: 'embedded-device', host: spec.host ?? '127.1.1.1', ...(spec.firmware ? { firmware: spec.firmware } : {}) },
    interfaces: [],
    targetSL: spec.targetSL ?? 2,
    startedAt: new Date(spec.at).toISOString(),
    finishedAt: finished,
    scope: { disruptive: false },
    requirements,
  });
}

const runsOf = (...specs: RunSpec[]): { runs: FleetRun[]; skipped: []; duplicates: 0 } => ({
  runs: specs.map((spec, index) => ({ file: `/runs/${index}/compliance.json`, document: documentOf(spec) })),
  skipped: [],
  duplicates: 0,
});

describe('fleet aggregation', function () {
  it('judges a run compliant only without fail or error and with the target SL reached in every FR it covers', function () {
    expect(complianceOf(documentOf({ name: 'a', at: '2025-03-01T02:00:00Z', verdicts: { 'CR 4.3': 'pass', 'CR 1.9': 'pass' } })).compliant).to.equal(true);
    expect(complianceOf(documentOf({ name: 'a', at: '2025-03-01T02:00:00Z', verdicts: { 'CR 4.3': 'pass', 'CR 1.9': 'fail' } })).reasons).to.deep.equal(['CR 1.9 fail', 'FR 1 achieved SL-C 1 of target 2']);
    expect(complianceOf(documentOf({ name: 'a', at: '2025-03-01T02:00:00Z', verdicts: { 'CR 4.3': 'error' } })).reasons).to.include('CR 4.3 error');
    // An outstanding manual item keeps the FR below the target even without any failure.
    expect(complianceOf(documentOf({ name: 'a', at: '2025-03-01T02:00:00Z', verdicts: { 'CR 4.3': 'pass', 'CR 4.1': 'manual' } })).reasons).to.deep.equal(['FR 4 achieved SL-C 0 of target 2']);
  });

  it('measures remediation from the first fail to the next pass, keeps regressions apart and ages open findings to asOf', function () {
    const report = buildFleet(
      runsOf(
        { name: 'gw', at: '2025-03-01T02:00:00Z', verdicts: { 'CR 4.3': 'fail', 'CR 1.9': 'pass' } },
        { name: 'gw', at: '2025-03-02T02:00:00Z', verdicts: { 'CR 4.3': 'error', 'CR 1.9': 'fail' } },
        { name: 'gw', at: '2025-03-02T20:00:00Z', verdicts: { 'CR 4.3': 'pass', 'CR 1.9': 'fail' } },
        { name: 'gw', at: '2025-03-04T02:00:00Z', verdicts: { 'CR 4.3': 'fail', 'CR 1.9': 'compensated' } },
        { name: 'plc', host: '127.1.1.2', at: '2025-03-01T03:00:00Z', verdicts: { 'CR 4.3': 'pass' } },
      ),
      { asOf: new Date('2025-03-05T02:00:00Z') },
    );
    expect(report.remediations.map((entry) => [entry.requirement, entry.hours, entry.withinTarget])).to.deep.equal([
      ['CR 1.9', 48, false],
      ['CR 4.3', 42, true],
    ]);
    expect(report.openFindings).to.have.length(1);
    expect(report.openFindings[0]).to.include({ requirement: 'CR 4.3', failingSince: '2025-03-04T02:00:00.000Z', ageHours: 24, overTarget: false, highRisk: true });
    expect(report.kpis.remediation).to.include({ remediated: 2, medianHours: 45, maxHours: 48, withinTarget: 1, meetsTarget: true });
    expect(report.kpis).to.include({ components: 2, compliant: 1, compliantShare: 0.5, compliantShareMeetsTarget: false });
    expect(report.failingMost[0]).to.include({ requirement: 'CR 4.3', componentsFailingNow: 1, componentsEverFailed: 1, failedRuns: 2 });
    expect(report.trend.map((point) => [point.date, point.components, point.compliant, point.openFindings])).to.deep.equal([
      ['2025-03-01', 2, 1, 1],
      ['2025-03-02', 2, 1, 1],
      ['2025-03-04', 2, 1, 1],
    ]);
  });

  it('counts an open finding older than the target against the remediation KPI', function () {
    const report = buildFleet(runsOf({ name: 'gw', at: '2025-03-01T02:00:00Z', verdicts: { 'CR 4.3': 'fail' } }), { asOf: new Date('2025-03-04T02:00:00Z') });
    expect(report.openFindings[0]).to.include({ ageHours: 72, overTarget: true });
    expect(report.kpis.remediation.meetsTarget).to.equal(false);
    expect(report.kpis.open).to.include({ findings: 1, highRisk: 1, overTarget: 1, oldestHours: 72 });
  });

  it('takes vendor, model and firmware from CR 7.8 evidence, else from the profile', function () {
    expect(parseIdentification('VendorName "Acme Corp", ProductCode "GW-100", MajorMinorRevision "2.4"')).to.deep.equal({ vendor: 'Acme Corp', model: 'GW-100', firmware: '2.4' });
    expect(parseIdentification('BuildInfo manufacturerName=Acme; productName=Gateway 100; softwareVersion=2.4.1 (build 7)')).to.deep.equal({ vendor: 'Acme', model: 'Gateway 100', firmware: '2.4.1' });
    expect(parseIdentification('the device answered exception 0x01 to FC 43')).to.deep.equal({});
    // As the Modbus CR 7.8 check words it: the product code is the model; ModelName and VendorUrl are other objects.
    expect(
      parseIdentification(
        'modbus://127.0.88.5:502 identifies itself with 8 objects (conformity level 0x83): VendorName="Example Automation", ProductCode="TPLC-100", MajorMinorRevision="V2.4.1", VendorUrl="https://example.invalid/tplc-100", ProductName="Tank PLC", ModelName="TPLC-100-MB"; agrees with the declared inventory',
      ),
    ).to.deep.equal({ vendor: 'Example Automation', model: 'TPLC-100', firmware: 'V2.4.1' });
    // A failed check still tells what the device runs: the reported revision, not the declared one.
    const mismatch = documentOf({ name: 'gw', at: '2025-03-01T02:00:00Z', firmware: '1.0', verdicts: { 'CR 7.8': 'fail' }, observed: { 'CR 7.8': 'gw identification: MajorMinorRevision "1.1" differs from the declared firmware "1.0"' } });
    expect(inventoryOf(mismatch)).to.deep.equal({ vendor: 'Acme', model: 'GW-100', firmware: '1.1', source: 'CR 7.8 evidence' });
    const reported = documentOf({ name: 'gw', at: '2025-03-01T02:00:00Z', firmware: '1.0', verdicts: { 'CR 7.8': 'pass' }, observed: { 'CR 7.8': 'VendorName "Acme", ProductCode "GW-100X", MajorMinorRevision "1.3"' } });
    expect(inventoryOf(reported)).to.deep.equal({ vendor: 'Acme', model: 'GW-100X', firmware: '1.3', source: 'CR 7.8 evidence' });
    const declared = documentOf({ name: 'gw', at: '2025-03-01T02:00:00Z', firmware: '1.0', verdicts: { 'CR 4.3': 'pass' } });
    expect(inventoryOf(declared)).to.deep.equal({ vendor: 'Acme', model: 'GW-100', firmware: '1.0', source: 'profile' });
  });

  it('finds every compliance.json below the folders once, and lists files it cannot use', function () {
    const root = mkdtempSync(join(tmpdir(), 'fleet-collect-'));
    const put = (path: string, content: string) => {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), content);
    };
    const good = JSON.stringify(documentOf({ name: 'gw', at: '2025-03-01T02:00:00Z', verdicts: { 'CR 4.3': 'pass' } }));
    put('night-1/gw/compliance.json', good);
    put('copy-of-night-1/gw/compliance.json', good);
    put('night-2/gw/compliance.json', '{"component": 1');
    put('night-2/plc/compliance.json', JSON.stringify({ component: { name: 'plc', host: 'h' }, targetSL: 2, startedAt: 'yesterday' }));
    put('night-2/plc/compliance.md', '# not read');
    symlinkSync(root, join(root, 'night-2', 'loop'));
    const collected = collectRuns([root, join(root, 'night-1')]);
    expect(collected.runs).to.have.length(1);
    expect(collected.duplicates).to.equal(1);
    const reasonFor = (path: string) => collected.skipped.find((entry) => entry.file.endsWith(path))?.reason;
    expect(collected.skipped).to.have.length(2);
    expect(reasonFor(join('night-2', 'gw', 'compliance.json'))).to.match(/^not valid JSON/);
    expect(reasonFor(join('night-2', 'plc', 'compliance.json'))).to.equal('startedAt is not a timestamp');
    const report = buildFleet(collected, { relativeTo: root });
    expect(report.components[0]!.latestRun.source).to.equal(join('copy-of-night-1', 'gw', 'compliance.json'));
    expect(fleetMarkdown(report)).to.include('startedAt is not a timestamp');
    rmSync(root, { recursive: true, force: true });
  });

  it('renders an empty fleet without failing', function () {
    const report = buildFleet({ runs: [], skipped: [], duplicates: 0 }, { asOf: new Date('2025-03-01T00:00:00Z') });
    expect(report.kpis.compliantShare).to.equal(null);
    expect(fleetMarkdown(report)).to.include('0 of 0 (n/a)');
    expect(fleetHtml(report)).to.include('No compliance.json was found.');
  });
});
