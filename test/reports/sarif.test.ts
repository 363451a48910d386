import { expect } from 'chai';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { startSimulator } from '../support/both-ways.js';
import { cli } from '../support/harness-cli.js';

const require = createRequire(import.meta.url);
/** The SARIF SDK's own package ships the OASIS schema and the Multitool validator: no network at test time. */
const multitool = dirname(require.resolve('@microsoft/sarif-multitool-linux/package.json'));
const SCHEMA = join(multitool, 'sarif-2.1.0.json');
const VALIDATOR = join(multitool, 'Sarif.Multitool');

interface SarifResult {
  ruleId: string;
  level: string;
  locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } }; logicalLocations: Array<{ name: string; kind: string }> }>;
  partialFingerprints: Record<string, string>;
}

describe('SARIF that code-scanning dashboards accept', function () {
  this.timeout(180_000);
  const work = mkdtempSync(join(tmpdir(), 'sarif-test-'));
  let simulator: Awaited<ReturnType<typeof startSimulator>>;
  let profileFile: string;
  const runs: Array<{ results: SarifResult[]; text: string; file: string }> = [];

  before(async function () {
    simulator = await startSimulator('tls', 'weak');
    profileFile = join(work, 'weak-web-ui.yaml');
    writeFileSync(profileFile, `# a web UI with every TLS mistake\n${stringify(simulator.running.profile)}`);
    for (const name of ['night-1', 'night-2']) {
      const out = join(work, name);
      const result = await cli(['run', '--profile', profileFile, '--protocol', 'tls', '--allure', 'none', '--out', out]);
      expect(result.code, result.output).to.equal(1);
      const file = join(out, 'results.sarif');
      const text = readFileSync(file, 'utf8');
      runs.push({ text, file, results: (JSON.parse(text) as { runs: Array<{ results: SarifResult[] }> }).runs[0]!.results });
    }
  });

  after(async function () {
    await simulator?.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  it('validates against the SARIF 2.1.0 JSON schema', function () {
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);
    const ok = validate(JSON.parse(runs[0]!.text));
    expect(validate.errors ?? [], 'schema errors').to.deep.equal([]);
    expect(ok).to.equal(true);
    // The validator is not blind: a level SARIF does not know is refused.
    const broken = JSON.parse(runs[0]!.text) as { runs: Array<{ results: Array<{ level: string }> }> };
    broken.runs[0]!.results[0]!.level = 'fatal';
    expect(validate(broken)).to.equal(false);
  });

  it('passes the SARIF SDK Multitool validation without errors', async function () {
    if (!existsSync(VALIDATOR)) {
      console.log(`      skipped: the SARIF Multitool binary is missing at ${VALIDATOR} (@microsoft/sarif-multitool has no build for this platform)`);
      this.skip();
    }
    const output = await new Promise<string>((resolve) =>
      execFile(VALIDATOR, ['validate', runs[0]!.file], { timeout: 60_000 }, (_error, stdout, stderr) => resolve(`${stdout}${stderr}`)),
    );
    expect(output, output).to.include('Analysis completed successfully');
    expect(output.split('\n').filter((line) => /: error /.test(line)), output).to.deep.equal([]);
  });

  it('locates every finding at its interface and at the profile line that declares it', function () {
    const line = readFileSync(profileFile, 'utf8').split('\n').findIndex((text) => /name: web-ui/.test(text)) + 1;
    expect(runs[0]!.results.length).to.be.greaterThan(0);
    for (const result of runs[0]!.results) {
      const [location] = result.locations;
      expect(location!.logicalLocations[0]).to.include({ name: 'web-ui', kind: 'resource' });
      expect(location!.physicalLocation.artifactLocation.uri, 'a profile outside the working folder is a file: URI').to.equal(pathToFileURL(profileFile).href);
      expect(location!.physicalLocation.region?.startLine, result.ruleId).to.equal(line);
    }
  });

  it('gives each finding a fingerprint that stays the same from one night to the next and differs between checks', function () {
    const prints = (index: number) => new Map(runs[index]!.results.map((result) => [result.ruleId, result.partialFingerprints['componentCheckInterface/v1']]));
    expect([...prints(0).entries()]).to.deep.equal([...prints(1).entries()]);
    expect(new Set(prints(0).values()).size).to.equal(prints(0).size);
  });
});
