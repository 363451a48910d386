import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdvisoriesFolderError, loadAdvisories } from '../../harness/advisories/load.js';
import { parseProfile, ProfileError } from '../../core/profile/load.js';
import { vulnerabilityDeclarations } from '../../core/advisories/declarations.js';
import { csafAdvisory, VECTORS } from './builder.js';

const valid = (id: string) =>
  csafAdvisory({ id, vendor: 'Example Automation', product: 'TPLC-100', products: [{ id: 'R', version: { category: 'product_version_range', name: 'vers:generic/<2.5' } }], vulnerabilities: [{ cve: 'CVE-2099-0100', status: { known_affected: ['R'] }, ...VECTORS.high }] });

describe('known vulnerabilities: reading and validating the advisories folder', function () {
  this.timeout(30_000);
  const folder = mkdtempSync(join(tmpdir(), 'advisories-'));
  after(() => rmSync(folder, { recursive: true, force: true }));

  it('uses valid documents (also in year folders), names every file it cannot use and why, and skips provider files', async function () {
    mkdirSync(join(folder, '2025'));
    const write = (name: string, content: unknown) => writeFileSync(join(folder, name), typeof content === 'string' ? content : JSON.stringify(content));
    write('2025/exa-valid.json', valid('EXA-V-1'));
    write('truncated.json', JSON.stringify(valid('EXA-V-2')).slice(0, 200));
    write('not-csaf.json', { hello: 'world' });
    write('csaf-2.1.json', { ...valid('EXA-V-3'), document: { ...valid('EXA-V-3').document, csaf_version: '2.1' } });
    const schemaBroken = valid('EXA-V-4') as unknown as { document: { tracking: Record<string, unknown> } };
    delete schemaBroken.document.tracking.initial_release_date;
    write('no-release-date.json', schemaBroken);
    // A product status naming a product the tree does not define fails mandatory test 6.1.1 only: used, with a warning.
    const dangling = valid('EXA-V-5');
    dangling.vulnerabilities![0]!.product_status!.known_affected!.push('NOT-DEFINED');
    write('dangling-product.json', dangling);
    write('provider-metadata.json', { canonical_url: 'https://example.invalid/.well-known/csaf/provider-metadata.json' });
    write('feed.json', { feed: { id: 'example-csaf-feed', entry: [] } });
    write('notes.txt', 'not json at all');

    const loaded = await loadAdvisories(folder);
    expect(loaded.advisories.map((advisory) => advisory.file).sort()).to.deep.equal(['2025/exa-valid.json', 'dangling-product.json']);
    const problems = Object.fromEntries(loaded.problems.map((problem) => [problem.file, `${problem.kind}: ${problem.message}`]));
    expect(Object.keys(problems).sort()).to.deep.equal(['csaf-2.1.json', 'dangling-product.json', 'no-release-date.json', 'not-csaf.json', 'truncated.json']);
    expect(problems['truncated.json']).to.match(/^unreadable: not valid JSON/);
    expect(problems['not-csaf.json']).to.equal('invalid: not a CSAF document (no document.csaf_version)');
    expect(problems['csaf-2.1.json']).to.equal('invalid: CSAF 2.1 is not read yet; only CSAF 2.0 documents are');
    expect(problems['no-release-date.json']).to.match(/^invalid: fails the CSAF 2\.0 schema: .*initial_release_date/);
    expect(problems['dangling-product.json']).to.match(/^warning: used, but the validator reports mandatory test 6\.1\.1: \/vulnerabilities\/0\/product_status\/known_affected\/1 definition of product id missing/);
  });

  it('refuses a path that is not a readable folder, and reports an empty folder', async function () {
    let refused: unknown;
    await loadAdvisories(join(folder, 'missing')).catch((error: unknown) => (refused = error));
    expect(refused).to.be.instanceOf(AdvisoriesFolderError);
    expect((refused as Error).message).to.match(/cannot read the advisories folder .*missing \(ENOENT\)/);
    const empty = mkdtempSync(join(tmpdir(), 'advisories-empty-'));
    try {
      expect((await loadAdvisories(empty)).problems).to.deep.equal([{ file: '.', kind: 'unreadable', message: 'the folder holds no CSAF JSON file (*.json)' }]);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('known vulnerabilities: declarations by CVE id in the profile', function () {
  const base = { component: { name: 'tank', type: 'embedded-device' }, targetSL: 2, host: '127.0.0.1', endpoints: { modbus: { port: 502 } } };
  const problemsOf = (declarations: unknown): string[] => {
    try {
      parseProfile({ ...base, declarations });
      return [];
    } catch (error) {
      return (error as ProfileError).problems.map((problem) => `${problem.path}: ${problem.message}`);
    }
  };

  it('accepts compensated and not-applicable, keyed by CVE id in any case, beside requirement declarations', function () {
    const profile = parseProfile({
      ...base,
      advisories: 'advisories',
      declarations: {
        'cve-2099-1001': { verdict: 'compensated', rationale: 'Modbus/TCP admitted only from the SCADA servers', evidence: 'firewall rule 12' },
        'CVE-2099-1002': { verdict: 'not-applicable', rationale: 'FC 43 is switched off' },
        'CR 1.1': { verdict: 'compensated', rationale: 'segmented' },
      },
    });
    expect(profile.advisories).to.equal('advisories');
    expect([...vulnerabilityDeclarations(profile)]).to.deep.equal([
      ['CVE-2099-1001', { verdict: 'compensated', rationale: 'Modbus/TCP admitted only from the SCADA servers', evidence: 'firewall rule 12' }],
      ['CVE-2099-1002', { verdict: 'not-applicable', rationale: 'FC 43 is switched off' }],
    ]);
  });

  it('names the field of a declaration a vulnerability cannot take', function () {
    expect(problemsOf({ 'CVE-2099-1001': { verdict: 'manual', rationale: 'later' } })).to.deep.equal([
      'declarations.CVE-2099-1001.verdict: a known vulnerability is declared compensated (mitigated by a countermeasure) or not-applicable (the vulnerable function is absent), not manual',
    ]);
    expect(problemsOf({ 'CVE-2099-1001': { verdict: 'compensated', rationale: 'x', interface: 'modbus' } })).to.deep.equal([
      'declarations.CVE-2099-1001.interface: a known vulnerability concerns the whole component; leave out interface',
    ]);
    expect(problemsOf({ 'CVE-2099-1001': [{ verdict: 'compensated', rationale: 'x' }, { verdict: 'compensated', rationale: 'y' }] })).to.deep.equal([
      'declarations.CVE-2099-1001: a vulnerability takes one declaration, not a list',
    ]);
    expect(problemsOf({ 'CVE-99-1': { verdict: 'compensated', rationale: 'x' } })).to.deep.equal([
      'declarations.CVE-99-1: not a requirement id of the catalog (write it as "CR 1.12" or "CR 3.1 RE(1)") nor a CVE id ("CVE-2024-12345")',
    ]);
  });
});
