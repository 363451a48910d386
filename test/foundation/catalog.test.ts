import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { buildCatalog, DEFAULT_SOURCE } from '../../core/catalog/build.js';
import { catalog, catalogItems, compareRequirementIds, findRequirement, requirementsFor } from '../../core/catalog/index.js';

describe('requirement catalog', function () {
  it('holds the 73 base requirements and 49 enhancements, ids written as in the standard', function () {
    const items = catalogItems();
    expect(items.filter((item) => item.kind === 'base')).to.have.length(73);
    expect(items.filter((item) => item.kind === 'enhancement')).to.have.length(49);
    for (const item of items) expect(item.id).to.match(/^(CR|SAR|EDR|HDR|NDR) \d\.\d{1,2}( RE\(\d\))?$/);
    expect(findRequirement('CR 3.1 RE(1)')?.base).to.equal('CR 3.1');
    expect(findRequirement('EDR 3.12')?.appliesTo).to.deep.equal(['embedded-device']);
  });

  it('keeps the confidence flag of every SL-C assignment visible', function () {
    const levels = new Set(catalogItems().map((item) => item.confidence.level));
    expect([...levels].sort()).to.deep.equal(['H', 'M']);
    expect(findRequirement('CR 6.2')?.slNote).to.match(/dissenting source/);
  });

  it('answers which requirements apply to a component type at a target SL (cumulative levels)', function () {
    const sl1 = requirementsFor('embedded-device', 1).map((item) => item.id);
    const sl2 = requirementsFor('embedded-device', 2).map((item) => item.id);
    expect(sl1).to.include('CR 1.1').and.not.include('CR 1.2').and.not.include('HDR 3.2');
    expect(sl2).to.include.members(sl1).and.include('CR 1.2').and.include('CR 3.1 RE(1)');
    expect(requirementsFor('network-device', 4).map((item) => item.id)).to.include('NDR 5.2 RE(3)').and.not.include('EDR 3.12');
  });

  it('sorts ids in catalog order', function () {
    const ids = ['CR 7.1 RE(1)', 'CR 1.11', 'EDR 2.4', 'CR 1.2', 'CR 7.1', 'NDR 2.4 RE(1)'];
    expect(ids.sort(compareRequirementIds)).to.deep.equal(['CR 1.2', 'CR 1.11', 'EDR 2.4', 'NDR 2.4 RE(1)', 'CR 7.1', 'CR 7.1 RE(1)']);
  });

  it('matches the research table it was built from', function () {
    if (!existsSync(DEFAULT_SOURCE)) this.skip(); // the research folder sits beside the checkout only in the team's workspace and CI
    const rebuilt = buildCatalog(readFileSync(DEFAULT_SOURCE, 'utf8'));
    expect(rebuilt).to.deep.equal(catalog(), 'core/catalog/catalog.json is stale: run node --import tsx core/catalog/build.ts');
  });
});
