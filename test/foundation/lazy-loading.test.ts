import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requirementIdOf } from '../../core/check.js';
import { discoverChecks } from '../../harness/run/discover.js';
import { cli } from '../support/harness-cli.js';
import { loadedLibraries, protocolLibraries, recordImportsEnv } from '../support/imports.js';

/**
 * Commands that talk to no device start without importing any protocol library: the CLI imports a command's modules
 * when it runs, the catalog and the run's selection read the check manifest, and a check's adapter is imported only
 * when the check runs. Recorded by a loader hook in the child process, from the sources (the packed-package test
 * asks the same of the compiled package).
 */
describe('commands that talk to no device import no protocol library', function () {
  this.timeout(120_000);
  const work = mkdtempSync(join(tmpdir(), 'iec62443-lazy-'));
  // node-forge signs evidence bundles; only verify needs it.
  const libraries = [...protocolLibraries(), 'node-forge'];
  let count = 0;

  const importsOf = async (args: string[], expectedCode: number) => {
    const file = join(work, `imports-${++count}.txt`);
    const result = await cli(args, { env: recordImportsEnv(file) });
    expect(result.code, result.output).to.equal(expectedCode);
    expect(readFileSync(file, 'utf8'), 'the child ran the sources').to.include('/harness/cli/main.ts');
    return { result, loaded: loadedLibraries(file, libraries), testRunners: loadedLibraries(file, ['mocha', 'allure-mocha', 'allure-js-commons']) };
  };

  before(async function () {
    expect(libraries).to.include.members(['node-opcua', 'jsmodbus']);
    // The first command after a change of the sources imports every check once to refresh the cached manifest.
    await importsOf(['catalog', '--json'], 0);
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  it('--help', async function () {
    const { result, loaded } = await importsOf(['--help'], 0);
    expect(result.stdout).to.include('Usage: iec62443-harness');
    expect(loaded).to.deep.equal([]);
  });

  it('catalog --json still lists every check under its requirement', async function () {
    const { result, loaded } = await importsOf(['catalog', '--json'], 0);
    const catalog = JSON.parse(result.stdout) as { requirements: Array<{ id: string; checks: Array<{ id: string; protocol: string }> }> };
    const checks = catalog.requirements.flatMap((item) => item.checks.map((check) => `${item.id} ${check.id}`));
    const imported = (await discoverChecks()).map(({ check }) => `${requirementIdOf(check)} ${check.id}`);
    expect([...checks].sort(), 'the manifest names every check, each under its requirement').to.deep.equal([...imported].sort());
    expect(loaded).to.deep.equal([]);
  });

  it('a profile error', async function () {
    const profile = join(work, 'bad.yaml');
    writeFileSync(profile, 'component: {name: x, type: embedded-device}\nhost: 127.0.0.1\ntargetSL: 9\n');
    const { result, loaded } = await importsOf(['run', '--profile', profile], 2);
    expect(result.stderr).to.include('targetSL');
    expect(loaded).to.deep.equal([]);
  });

  it('fleet and verify', async function () {
    const fleet = await importsOf(['fleet', join(work, 'missing')], 2);
    expect(fleet.loaded).to.deep.equal([]);
    const bundle = join(work, 'not-a-bundle.tar.gz');
    writeFileSync(bundle, 'not a bundle');
    const verify = await importsOf(['verify', bundle], 1);
    expect(verify.result.stdout).to.include('NOT VERIFIED');
    expect(verify.loaded.filter((name) => name !== 'node-forge')).to.deep.equal([]);
  });

  it('a run imports the adapters of the selected checks only', async function () {
    const profile = join(work, 'tcp-only.yaml');
    // Nothing listens there: the run errs quickly, after importing what it selected.
    writeFileSync(profile, 'component: {name: x, type: embedded-device}\nhost: 127.0.0.1\nopenPorts: [9]\ntargetSL: 1\n');
    const { loaded } = await importsOf(['run', '--profile', profile, '--only', 'CR 7.7', '--allure', 'none', '--out', join(work, 'out')], 3);
    expect(loaded).to.deep.equal([]);
  });

  it('a run imports no check whose protocol no interface serves, and still records those checks as not applicable', async function () {
    const profile = join(work, 'tls-only.yaml');
    writeFileSync(profile, 'component: {name: x, type: embedded-device}\nhost: 127.0.0.1\nendpoints: {tls: [{name: web, port: 9}]}\ntargetSL: 1\n');
    const out = join(work, 'out-tls');
    const { loaded, testRunners } = await importsOf(['run', '--profile', profile, '--only', 'CR 4.3', '--allure', 'none', '--out', out], 3);
    // CR 4.3 has OPC UA, SSH, SNMP and Modbus checks besides the TLS one; none of their libraries is imported.
    expect(loaded.filter((name) => name !== 'node-forge')).to.deep.equal([]);
    expect(testRunners, 'the harness writes its Allure results itself').to.deep.equal([]);
    const compliance = JSON.parse(readFileSync(join(out, 'compliance.json'), 'utf8')) as { requirements: Array<{ id: string; checks: Array<{ id: string; status: string }> }> };
    const checks = compliance.requirements.find((item) => item.id === 'CR 4.3')!.checks;
    expect(checks.find((check) => check.id === 'opcua.cryptography.no-deprecated-policies')?.status).to.equal('not-applicable');
    expect(checks.find((check) => check.id === 'tls.cryptography.versions-and-suites')?.status).to.equal('error');
    expect(readdirSync(join(out, 'allure-results')).filter((name) => name.endsWith('-result.json')), 'one Allure result per check').to.have.length(checks.length);
  });
});
