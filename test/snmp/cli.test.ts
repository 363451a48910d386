import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../support/harness-cli.js';
import { simulate, stopSimulator } from '../support/simulate-cli.js';

/** The acceptance, as a user runs it: `simulate snmp --write-profile`, then `run --profile --disruptive`. */
const REQUIREMENTS = ['CR 1.1', 'CR 1.5', 'CR 2.1', 'CR 4.1', 'CR 4.3', 'CR 7.8'];

interface Compliance {
  requirements: Array<{ id: string; verdict: string; interfaces: Array<{ name: string; verdict: string; checks: Array<{ id: string; status: string; observed?: string }> }> }>;
}

describe('iec62443-harness with the simulated SNMP agent', function () {
  this.timeout(300_000);
  const work = mkdtempSync(join(tmpdir(), 'snmp-cli-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  for (const [profileName, exitCode, verdict] of [
    ['weak', 1, 'fail'],
    ['hardened', 0, 'pass'],
  ] as const) {
    it(`${profileName}: the SNMP requirements ${verdict} on interface "snmp" (exit ${exitCode})`, async function () {
      const profileFile = join(work, `${profileName}.yaml`);
      const out = join(work, profileName);
      const { child } = await simulate('snmp', profileName, profileFile);
      try {
        const run = await cli(['run', '--profile', profileFile, '--disruptive', '--out', out, '--allure', 'none'], { timeoutMs: 240_000 });
        const document = JSON.parse(readFileSync(join(out, 'compliance.json'), 'utf8')) as Compliance;
        for (const id of REQUIREMENTS) {
          const requirement = document.requirements.find((entry) => entry.id === id);
          const snmp = requirement?.interfaces.find((entry) => entry.name === 'snmp');
          expect(snmp?.verdict, `${id} on snmp: ${JSON.stringify(snmp?.checks ?? requirement)}`).to.equal(verdict);
        }
        expect(run.code, run.output.slice(-3000)).to.equal(exitCode);
      } finally {
        await stopSimulator(child);
      }
    });
  }
});
