import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../support/harness-cli.js';
import { simulate, stopSimulator } from '../support/simulate-cli.js';

/** The acceptance, as a user runs it: `simulate ssh --write-profile`, then `run --profile --disruptive`. */
const REQUIREMENTS = ['CR 1.1', 'CR 1.1 RE(1)', 'CR 1.5', 'CR 1.9', 'CR 1.11', 'CR 1.12', 'CR 2.6', 'CR 4.3', 'CR 7.8'];

interface Compliance {
  requirements: Array<{ id: string; verdict: string; interfaces: Array<{ name: string; verdict: string; checks: Array<{ id: string; status: string; observed?: string }> }> }>;
}

describe('iec62443-harness with the simulated SSH service', function () {
  this.timeout(300_000);
  const work = mkdtempSync(join(tmpdir(), 'ssh-cli-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  for (const [profileName, exitCode, verdict] of [
    ['weak', 1, 'fail'],
    ['hardened', 0, 'pass'],
  ] as const) {
    it(`${profileName}: the SSH requirements ${verdict} on interface "ssh" (exit ${exitCode})`, async function () {
      const profileFile = join(work, `${profileName}.yaml`);
      const out = join(work, profileName);
      const { child, stderr } = await simulate('ssh', profileName, profileFile);
      // Whether the simulator itself went away during the run, for a failing assertion to tell.
      const simulatorState = () => (child.exitCode !== null || child.signalCode !== null ? `; the simulator exited (${child.exitCode ?? child.signalCode}): ${stderr().slice(-1500)}` : '');
      try {
        const run = await cli(['run', '--profile', profileFile, '--disruptive', '--out', out, '--allure', 'none'], { timeoutMs: 240_000 });
        const document = JSON.parse(readFileSync(join(out, 'compliance.json'), 'utf8')) as Compliance;
        for (const id of REQUIREMENTS) {
          const requirement = document.requirements.find((entry) => entry.id === id);
          const ssh = requirement?.interfaces.find((entry) => entry.name === 'ssh');
          expect(ssh?.verdict, `${id} on ssh: ${JSON.stringify(ssh?.checks ?? requirement)}${simulatorState()}`).to.equal(verdict);
        }
        expect(run.code, run.output.slice(-3000)).to.equal(exitCode);
      } finally {
        await stopSimulator(child);
      }
    });
  }
});
