import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../support/harness-cli.js';
import { simulate, stopSimulator } from '../support/simulate-cli.js';

/**
 * Issue 20's acceptance, as a user runs it: `simulate enip --write-profile`, then `run --profile --disruptive` fails
 * CR 1.1, 2.1, 3.5, 4.1 and 7.1 on the EtherNet/IP interface of the weak adapter and passes them on the hardened one,
 * which reports its identity under CR 7.8; and `run --replay enip:<case>` sends one CR 3.5 case alone.
 */
const REQUIREMENTS = ['CR 1.1', 'CR 2.1', 'CR 3.5', 'CR 4.1', 'CR 7.1'];

interface Compliance {
  requirements: Array<{ id: string; verdict: string; interfaces: Array<{ name: string; verdict: string; checks: Array<{ id: string; status: string; observed?: string }> }> }>;
}

describe('iec62443-harness with the simulated EtherNet/IP adapter', function () {
  this.timeout(300_000);
  const work = mkdtempSync(join(tmpdir(), 'enip-cli-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  for (const [profileName, verdict] of [
    ['weak', 'fail'],
    ['hardened', 'pass'],
  ] as const) {
    it(`${profileName}: ${REQUIREMENTS.join(', ')} ${verdict} on interface "enip"`, async function () {
      const profileFile = join(work, `${profileName}.yaml`);
      const out = join(work, profileName);
      const { child } = await simulate('enip', profileName, profileFile);
      try {
        const run = await cli(['run', '--profile', profileFile, '--disruptive', '--out', out, '--allure', 'none'], { timeoutMs: 240_000 });
        expect(run.code, run.output.slice(-3000)).to.be.oneOf([0, 1]);
        const document = JSON.parse(readFileSync(join(out, 'compliance.json'), 'utf8')) as Compliance;
        const onEnip = (id: string) => document.requirements.find((entry) => entry.id === id)?.interfaces.find((entry) => entry.name === 'enip');
        for (const id of REQUIREMENTS) expect(onEnip(id)?.verdict, `${id} on enip: ${JSON.stringify(onEnip(id)?.checks)}`).to.equal(verdict);
        const inventory = onEnip('CR 7.8')!.checks.find((check) => check.id === 'enip.inventory.identity-object')!;
        if (profileName === 'hardened') expect(inventory.observed).to.match(/product name "EIP Adapter \d+"; agrees with the declared identity/);
        else expect(inventory.status).to.equal('fail');
      } finally {
        await stopSimulator(child);
      }
    });
  }

  it('run --replay enip:<case>: the weak adapter crashes on the oversized header, the hardened one answers 0x0065', async function () {
    for (const [profileName, code, said] of [
      ['weak', 1, /NOT handled correctly/],
      ['hardened', 0, /observed: encapsulation status 0x0065 invalid length[\s\S]*handled correctly/],
    ] as const) {
      const profileFile = join(work, `replay-${profileName}.yaml`);
      const { child } = await simulate('enip', profileName, profileFile);
      try {
        const replay = await cli(['run', '--profile', profileFile, '--replay', 'enip:length.huge-0xffff', '--disruptive']);
        expect(replay.code, replay.output).to.equal(code);
        expect(replay.stdout).to.include('sent:     ').and.match(said);
      } finally {
        await stopSimulator(child);
      }
    }
  });
});
