import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requirementIdOf } from '../../core/check.js';
import { definitionOfCheckProtocol } from '../../core/protocol.js';
import { findRequirement } from '../../core/catalog/index.js';
import { discoverChecks } from '../../harness/run/discover.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function read(dir: string, suffix: string): Array<{ file: string; text: string }> {
  return (readdirSync(join(root, dir), { recursive: true }) as string[])
    .filter((file) => file.endsWith(suffix))
    .map((file) => ({ file: join(dir, file), text: readFileSync(join(root, dir, file), 'utf8') }));
}

/** test262-style lint of every check's metadata against the closed vocabulary of the catalog and the check API. */
describe('lint: checks under suites/', function () {
  it('every check names a catalog requirement and agrees with its SL-C levels', async function () {
    const checks = await discoverChecks();
    expect(checks.length).to.be.greaterThan(0);
    for (const { check, file } of checks) {
      const item = findRequirement(requirementIdOf(check));
      expect(item, `${file}: ${requirementIdOf(check)} is not in the catalog`).to.not.equal(undefined);
      expect(check.requirement, `${file}: requirement must be the base id; put the RE number in enhancement`).to.equal(item!.base);
      expect([...check.sl].sort(), `${file}: sl must equal the catalog's SL-C of ${item!.id}`).to.deep.equal(item!.sl);
      expect(definitionOfCheckProtocol(check.protocol), `${file}: protocol ${check.protocol} is provided by no adapters/<name>/protocol.ts`).to.not.equal(undefined);
      expect(check.id, `${file}: id must look like <protocol>.<topic>.<what>`).to.match(/^[a-z0-9-]+(\.[a-z0-9-]+){2,}$/);
      expect(check.title.trim(), `${file}: title`).to.not.equal('');
      expect(check.expectation.trim(), `${file}: expectation`).to.not.equal('');
      expect(typeof check.disruptive, `${file}: disruptive must be declared`).to.equal('boolean');
    }
  });

  it('check files live in the folder of their FR', async function () {
    for (const { check, file } of await discoverChecks()) {
      const item = findRequirement(requirementIdOf(check))!;
      expect(file, `${file}: belongs under suites/fr${item.fr}/`).to.match(new RegExp(`^suites/fr${item.fr}/`));
    }
  });

  it('every check is proven both ways by a proveBothWays test', async function () {
    const proofs = read('test', '.test.ts').filter(({ text }) => text.includes('proveBothWays('));
    const unproven = (await discoverChecks()).filter(({ check }) => !proofs.some(({ text }) => text.includes(`'${check.id}'`)));
    expect(unproven.map(({ check, file }) => `${check.id} (${file})`), 'checks not named in any proveBothWays call').to.deep.equal([]);
  });
});
