import { expect } from 'chai';
import { assessVulnerabilities } from '../../core/advisories/assess.js';
import { productsOf, type CsafDocument } from '../../core/advisories/csaf.js';
import { readScore } from '../../core/advisories/cvss.js';
import { identitiesOf, identityOfProfile } from '../../core/advisories/identity.js';
import { sameProduct, sameVendor } from '../../core/advisories/names.js';
import { compareVersions, inRange, parseVersionRange } from '../../core/advisories/versions.js';
import type { VulnerabilityDeclaration } from '../../core/advisories/declarations.js';
import type { ComponentIdentity } from '../../core/verdict/model.js';
import { csafAdvisory, loaded, VECTORS } from './builder.js';

const TANK_PLC: ComponentIdentity = {
  source: 'modbus.inventory.device-identification',
  interface: 'modbus',
  vendor: { field: 'VendorName', value: 'Example Automation' },
  products: [
    { field: 'ProductCode', value: 'TPLC-100' },
    { field: 'ModelName', value: 'TPLC-100-MB' },
  ],
  version: { field: 'MajorMinorRevision', value: 'V2.4.1' },
};

const assess = (documents: CsafDocument[], identities: ComponentIdentity[] = [TANK_PLC], declarations = new Map<string, VulnerabilityDeclaration>()) =>
  assessVulnerabilities({ folder: 'advisories', validation: 'test', advisories: documents.map((document) => loaded(document)), problems: [], identities, declarations });

const tplc = (products: Parameters<typeof csafAdvisory>[0]['products'], vulnerabilities: Parameters<typeof csafAdvisory>[0]['vulnerabilities'], extra: Partial<Parameters<typeof csafAdvisory>[0]> = {}) =>
  csafAdvisory({ id: 'EXA-T-1', vendor: 'Example Automation', product: 'TPLC-100', products, vulnerabilities, ...extra });

describe('known vulnerabilities: versions and ranges', function () {
  it('orders versions as devices and advisories spell them', function () {
    expect(compareVersions('V2.4.1', '2.4.1')).to.equal(0);
    expect(compareVersions('2.4', '2.4.0')).to.equal(0);
    expect(compareVersions('2.10.0', '2.9.9')).to.equal(1);
    expect(compareVersions('2.5.0-rc1', '2.5.0')).to.equal(-1);
    expect(compareVersions('2.4.1 SP1', '2.4.1')).to.equal(1);
    expect(compareVersions('FW 3.0', 'v3.0.0')).to.equal(0);
    expect(compareVersions('beta', '2.0')).to.equal(undefined);
  });

  it('reads vers ranges by the containment rules of vers', function () {
    const range = parseVersionRange('vers:generic/>=2.0.0|<2.5.0')!;
    expect(inRange('2.4.1', range)).to.equal(true);
    expect(inRange('2.5.0', range)).to.equal(false);
    expect(inRange('1.9', range)).to.equal(false);
    const gaps = parseVersionRange('vers:semver/<1.2.0|>=2.0.0|<2.1.0|!=2.0.3')!;
    expect(inRange('1.1.9', gaps)).to.equal(true);
    expect(inRange('1.5.0', gaps)).to.equal(false);
    expect(inRange('2.0.5', gaps)).to.equal(true);
    expect(inRange('2.0.3', gaps)).to.equal(false);
    expect(inRange('9.9', parseVersionRange('vers:generic/*')!)).to.equal(true);
    expect(inRange('2.4.1', parseVersionRange('vers:generic/2.4.1')!)).to.equal(true);
    expect(parseVersionRange('vers:generic/')).to.equal(undefined);
  });

  it('reads ranges in the words vendors use, and refuses what it does not understand', function () {
    const cases: Array<[string, string, boolean]> = [
      ['< V2.5', '2.4.1', true],
      ['All versions < V2.5', '2.5', false],
      ['prior to 2.5.0', '2.4.9', true],
      ['2.0 - 2.4', '2.4.1', false],
      ['2.0 - 2.4', '2.3', true],
      ['2.4.1 and earlier', '2.4.1', true],
      ['>= 1.0 <= 2.4.1', '2.4.1', true],
      ['3.0 and later', '2.9', false],
      ['all versions', '0.1', true],
    ];
    for (const [text, version, expected] of cases) expect(inRange(version, parseVersionRange(text)!), `${version} in "${text}"`).to.equal(expected);
    expect(parseVersionRange('versions shipped in 2023')).to.equal(undefined);
    expect(parseVersionRange('see the vendor portal')).to.equal(undefined);
  });
});

describe('known vulnerabilities: names', function () {
  it('matches vendors without case, punctuation and legal form, and names the rule', function () {
    expect(sameVendor('EXAMPLE AUTOMATION', 'Example Automation GmbH & Co. KG')).to.equal('equal without case, punctuation and legal form');
    expect(sameVendor('Example', 'Example Automation')).to.equal('one name begins with the other');
    expect(sameVendor('Other Controls Ltd', 'Example Automation')).to.equal(undefined);
  });

  it('matches products by whole words only when the shorter name is distinctive', function () {
    expect(sameProduct('TPLC100', 'TPLC-100')).to.equal('equal without spaces and punctuation');
    expect(sameProduct('TPLC-100-MB', 'TPLC-100')).to.equal('the reported name contains the advisory one as whole words');
    expect(sameProduct('TPLC-1000', 'TPLC-100')).to.equal(undefined);
    expect(sameProduct('PLC', 'Tank PLC')).to.equal(undefined);
  });
});

describe('known vulnerabilities: CVSS', function () {
  it('computes the base score from the vector and keeps a differing stated score beside it', function () {
    expect(readScore({ vectorString: VECTORS.critical.vector, baseScore: 9.8 }).score).to.deep.include({ baseScore: 9.8, severity: 'CRITICAL', version: '3.1' });
    expect(readScore({ vectorString: VECTORS.critical.vector, baseScore: 5.0 }).score).to.deep.include({ baseScore: 9.8, statedBaseScore: 5.0 });
    expect(readScore({ vectorString: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N' }).score).to.deep.include({ version: '4.0', baseScore: 9.3, severity: 'CRITICAL' });
    expect(readScore({ vectorString: 'AV:N/AC:L/Au:N/C:P/I:P/A:P' }).score).to.deep.include({ version: '2.0', baseScore: 7.5, severity: 'HIGH' });
  });

  it('never scores an incomplete vector as zero: the stated score is used and the reason given', function () {
    const reading = readScore({ vectorString: 'CVSS:3.1/AV:N/AC:L', baseScore: 8.1 });
    expect(reading.score).to.deep.include({ baseScore: 8.1, severity: 'HIGH' });
    expect(reading.problem).to.match(/lacks PR, UI, S, C, I, A/);
    expect(readScore({ vectorString: 'garbage' }).score).to.equal(undefined);
  });
});

describe('known vulnerabilities: product trees', function () {
  it('reads branches, CPEs of full product names and relationships', function () {
    const document = {
      document: { tracking: {} },
      product_tree: {
        branches: [{ category: 'vendor', name: 'ACME', branches: [{ category: 'product_family', name: 'X-Series', branches: [{ category: 'product_name', name: 'X200 firmware', branches: [{ category: 'product_version', name: '4.2', product: { product_id: 'FW42', name: 'ACME X200 firmware 4.2' } }] }] }] }],
        full_product_names: [
          { product_id: 'HW', name: 'ACME X200 controller', product_identification_helper: { cpe: 'cpe:2.3:h:acme:x200:-:*:*:*:*:*:*:*' } },
          { product_id: 'CPE-FW', name: 'ACME X300 firmware 5.1', product_identification_helper: { cpe: 'cpe:2.3:o:acme:x300_firmware:5.1:*:*:*:*:*:*:*' } },
        ],
        relationships: [{ category: 'installed_on', product_reference: 'FW42', relates_to_product_reference: 'HW', full_product_name: { product_id: 'FW42-ON-HW', name: 'firmware 4.2 on X200' } }],
      },
    } as unknown as CsafDocument;
    const products = productsOf(document);
    expect(products.get('FW42')).to.deep.include({ vendor: 'ACME', productNames: ['X200 firmware', 'X-Series'], version: { kind: 'exact', text: '4.2' } });
    expect(products.get('CPE-FW')).to.deep.include({ vendor: 'acme', productNames: ['x300 firmware'], version: { kind: 'exact', text: '5.1' } });
    const combined = products.get('FW42-ON-HW')!;
    expect(combined.productNames).to.deep.equal(['X200 firmware', 'X-Series', 'x200']);
    expect(combined.path).to.equal('ACME / X-Series / X200 firmware / 4.2 installed on ACME X200 controller');
  });
});

describe('known vulnerabilities: status for the component version', function () {
  it('reports a version inside a known_affected range as affected, with each rule that matched', function () {
    const known = assess([tplc([{ id: 'R', version: { category: 'product_version_range', name: 'vers:generic/>=2.0.0|<2.5.0' } }, { id: 'F', version: { category: 'product_version', name: '2.5.0' } }], [{ cve: 'CVE-2099-0001', status: { known_affected: ['R'], first_fixed: ['F'] }, ...VECTORS.critical }])]);
    expect(known.vulnerabilities).to.have.length(1);
    const [entry] = known.vulnerabilities;
    expect(entry).to.deep.include({ id: 'CVE-2099-0001', status: 'affected', highRisk: true, unmitigated: true, fixedIn: ['2.5.0'] });
    expect(entry!.matches[0]).to.deep.include({
      productId: 'R',
      vendor: 'VendorName "Example Automation" = vendor "Example Automation" (equal without case, punctuation and legal form)',
      productName: 'ProductCode "TPLC-100" = product "TPLC-100" (equal without case and punctuation)',
      version: 'MajorMinorRevision "V2.4.1" lies in known_affected range vers:generic/>=2.0.0|<2.5.0',
    });
    expect(known.summary).to.deep.include({ affected: 1, fixed: 0, unmitigatedHighRisk: 1 });
  });

  it('reports a version at or after first_fixed as fixed, and one before first_affected as not named', function () {
    const known = assess([
      tplc(
        [{ id: 'OLD', version: { category: 'product_version_range', name: 'vers:generic/<2.3.0' } }, { id: 'FIX', version: { category: 'product_version', name: '2.3.0' } }, { id: 'NEW', version: { category: 'product_version', name: '3.0' } }],
        [
          { cve: 'CVE-2099-0002', status: { known_affected: ['OLD'], first_fixed: ['FIX'] }, ...VECTORS.high },
          { cve: 'CVE-2099-0003', status: { first_affected: ['NEW'] }, ...VECTORS.high },
        ],
      ),
    ]);
    expect(known.vulnerabilities.map((entry) => [entry.id, entry.status, entry.unmitigated])).to.deep.equal([['CVE-2099-0002', 'fixed', false]]);
    expect(known.vulnerabilities[0]!.matches[0]!.version).to.equal('MajorMinorRevision "V2.4.1" is at or after first_fixed version 2.3.0');
  });

  it('lets an exact version rule win over a range, and the safer status win a tie', function () {
    const known = assess([
      tplc(
        [{ id: 'ALL2', version: { category: 'product_version_range', name: 'vers:generic/>=2.0|<3.0' } }, { id: 'EXACT', version: { category: 'product_version', name: '2.4.1' } }, { id: 'LAST', version: { category: 'product_version', name: '2.4.1' } }],
        [
          { cve: 'CVE-2099-0004', status: { known_affected: ['ALL2'], known_not_affected: ['EXACT'] }, ...VECTORS.high },
          { cve: 'CVE-2099-0005', status: { last_affected: ['LAST'], recommended: ['EXACT'] }, ...VECTORS.medium },
        ],
      ),
    ]);
    const status = Object.fromEntries(known.vulnerabilities.map((entry) => [entry.id, entry.status]));
    expect(status).to.deep.equal({ 'CVE-2099-0004': 'not-affected', 'CVE-2099-0005': 'affected' });
  });

  it('says "possibly affected" when the range is not machine-readable or the device reports no version', function () {
    const document = tplc([{ id: 'WORDS', version: { category: 'product_version_range', name: 'versions shipped before the 2025 recall' } }], [{ cve: 'CVE-2099-0006', status: { known_affected: ['WORDS'] }, ...VECTORS.critical }]);
    const unreadable = assess([document]).vulnerabilities[0]!;
    expect(unreadable.status).to.equal('possibly-affected');
    expect(unreadable.unmitigated).to.equal(false);
    expect(unreadable.matches[0]!.version).to.match(/not machine-readable/);
    const noVersion = assess([tplc([{ id: 'R', version: { category: 'product_version_range', name: 'vers:generic/<9' } }], [{ cve: 'CVE-2099-0007', status: { under_investigation: ['R'] } }])], [{ ...TANK_PLC, version: undefined } as ComponentIdentity]);
    expect(noVersion.vulnerabilities[0]).to.deep.include({ status: 'possibly-affected' });
    expect(noVersion.vulnerabilities[0]!.matches[0]!.version).to.match(/^no version reported/);
  });

  it('takes a product without a version branch as all its versions', function () {
    const known = assess([tplc([{ id: 'ANY' }], [{ cve: 'CVE-2099-0008', status: { under_investigation: ['ANY'] } }])]);
    expect(known.vulnerabilities[0]).to.deep.include({ status: 'under-investigation', highRisk: false, unmitigated: false });
  });

  it('matches no product of another vendor, even with the same product name', function () {
    const known = assess([csafAdvisory({ id: 'OC-1', vendor: 'Other Controls', product: 'TPLC-100', products: [{ id: 'A' }], vulnerabilities: [{ cve: 'CVE-2099-0009', status: { known_affected: ['A'] } }] })]);
    expect(known.vulnerabilities).to.deep.equal([]);
  });

  it('applies a declaration by CVE id: affected but compensated is not unmitigated, and unused declarations are listed', function () {
    const declarations = new Map<string, VulnerabilityDeclaration>([
      ['CVE-2099-0001', { verdict: 'compensated', rationale: 'Modbus/TCP admitted only from the SCADA servers' }],
      ['CVE-2099-9999', { verdict: 'not-applicable', rationale: 'no such function' }],
    ]);
    const known = assess([tplc([{ id: 'R', version: { category: 'product_version_range', name: '< V2.5' } }], [{ cve: 'cve-2099-0001', status: { known_affected: ['R'] }, ...VECTORS.critical }])], [TANK_PLC], declarations);
    expect(known.vulnerabilities[0]).to.deep.include({ id: 'CVE-2099-0001', status: 'affected', unmitigated: false, declaration: { verdict: 'compensated', rationale: 'Modbus/TCP admitted only from the SCADA servers' } });
    expect(known.summary).to.deep.include({ affected: 1, mitigated: 1, unmitigatedHighRisk: 0 });
    expect(known.unusedDeclarations).to.deep.equal(['CVE-2099-9999']);
  });

  it('keeps the newest revision of an advisory and lists one vulnerability once across advisories', function () {
    const products = [{ id: 'R', version: { category: 'product_version_range' as const, name: 'vers:generic/<2.5' } }];
    const first = tplc(products, [{ cve: 'CVE-2099-0010', status: { under_investigation: ['R'] } }], { revision: '1', updated: '2025-02-01T10:00:00.000Z' });
    const second = tplc(products, [{ cve: 'CVE-2099-0010', status: { known_affected: ['R'] }, ...VECTORS.high }], { revision: '2', updated: '2025-03-01T10:00:00.000Z' });
    const cert = csafAdvisory({ id: 'CERT-9', vendor: 'Example Automation', product: 'TPLC-100', products, vulnerabilities: [{ cve: 'CVE-2099-0010', status: { known_affected: ['R'] } }], namespace: 'https://cert.example.invalid' });
    const known = assessVulnerabilities({ folder: 'x', validation: 'test', advisories: [loaded(first, 'a.json'), loaded(second, 'b.json'), loaded(cert, 'c.json')], problems: [], identities: [TANK_PLC], declarations: new Map() });
    expect(known.problems).to.deep.equal([{ file: 'a.json', kind: 'superseded', message: 'revision 1 of EXA-T-1; b.json holds the newer revision 2' }]);
    expect(known.vulnerabilities).to.have.length(1);
    expect(known.vulnerabilities[0]).to.deep.include({ status: 'affected' });
    expect(known.vulnerabilities[0]!.cvss?.baseScore).to.equal(7.5);
    expect([known.vulnerabilities[0]!.advisory.id, ...(known.vulnerabilities[0]!.alsoIn ?? []).map((other) => other.id)].sort()).to.deep.equal(['CERT-9', 'EXA-T-1']);
  });

  it('lets the device report win over the profile: reported 2.4.1 is affected although the profile declares the fixed 2.5.0', function () {
    const profile = identityOfProfile({ name: 'tank', vendor: 'Example Automation', model: 'TPLC-100', firmware: '2.5.0', type: 'embedded-device' })!;
    const document = tplc([{ id: 'R', version: { category: 'product_version_range', name: 'vers:generic/<2.5.0' } }, { id: 'F', version: { category: 'product_version', name: '2.5.0' } }], [{ cve: 'CVE-2099-0011', status: { known_affected: ['R'], fixed: ['F'] } }]);
    const known = assess([document], [TANK_PLC, profile]);
    expect(known.vulnerabilities[0]!.status).to.equal('affected');
    expect(known.vulnerabilities[0]!.matches.map((match) => [match.identity.source, match.status])).to.deep.equal([
      ['modbus.inventory.device-identification', 'affected'],
      ['profile', 'fixed'],
    ]);
  });

  it('takes identities from the details of identity checks that passed or failed, never from ones that broke', function () {
    const identity = { vendor: { field: 'ManufacturerName', value: 'ACME' }, products: [{ field: 'ProductName', value: 'X200' }], version: { field: 'SoftwareVersion', value: '4.2' } };
    const identities = identitiesOf(
      [
        { checkId: 'opcua.inventory.build-info', status: 'fail', details: { identity }, interface: { name: 'opcua', kind: 'opcua' } },
        { checkId: 'ssh.banner', status: 'error', details: { identity } },
        { checkId: 'other', status: 'pass', details: { identity: { vendor: 'not a field' } } },
      ],
      { name: 'x', type: 'embedded-device' },
    );
    expect(identities).to.deep.equal([{ source: 'opcua.inventory.build-info', interface: 'opcua', ...identity }]);
  });
});
