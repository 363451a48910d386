import { expect } from 'chai';
import { catalog, catalogItems } from '../../core/catalog/index.js';
import { CONTRACT_NOTES, contractNote, contractNoteKey, procurementMarkdown } from '../../reports/fleet/procurement.js';
import { cli } from './harness-cli.js';

describe('catalog --format md: the requirement list for a purchase contract', function () {
  this.timeout(60_000);

  it('has a one-line note of our own for every catalog item, and none for an item that does not exist', function () {
    const missing = catalogItems().filter((item) => !contractNote(item.id));
    expect(missing.map((item) => item.id)).to.deep.equal([]);
    const keys = new Set(catalogItems().map((item) => contractNoteKey(item.id)));
    expect(Object.keys(CONTRACT_NOTES).filter((key) => !keys.has(key))).to.deep.equal([]);
    for (const [key, note] of Object.entries(CONTRACT_NOTES)) {
      expect(note, key).to.match(/^[A-Z].{10,140}\.$/);
      expect(note, key).not.to.include('\n');
    }
  });

  it('lists what the type must meet at the SL, with SL-C levels, and nothing above the SL or for other types', function () {
    const items = catalogItems()
      .filter((item) => item.appliesTo.includes('network-device') && item.sl.some((level) => level <= 1))
      .map((item) => ({ ...item, checks: [] }));
    const text = procurementMarkdown(items, { sl: 1, type: 'network-device' }, catalog());
    expect(text).to.include('# Security requirements for a network device at security level SL 1');
    expect(text).to.include(`| NDR 1.13 | Access via untrusted networks | 1-4 | ${CONTRACT_NOTES['1.13']} | black-box test |`);
    expect(text).not.to.include('| EDR 2.4 ');
    expect(text).not.to.include('| CR 1.2 ');
    expect(text).to.include('--sl 1');
  });

  it('prints through the CLI, naming the automated checks that verify an item', async function () {
    const { code, stdout } = await cli(['catalog', '--format', 'md', '--sl', '2', '--type', 'embedded-device']);
    expect(code).to.equal(0);
    expect(stdout).to.match(/^\| CR 4\.3 \| Use of cryptography \| 1-4 \| Only current, well-reviewed cryptography .* \| black-box test; automated: \d+ check\(s\) of this harness \|$/m);
    expect(stdout).to.include('| EDR 2.4 |');
    expect(stdout).not.to.include('| CR 1.1 RE(2) |');
    expect(stdout).not.to.include('| NDR ');
  });
});
