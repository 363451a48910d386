import { expect } from 'chai';
import { parseProfile } from '../../core/profile/load.js';
import type { ProfileInput } from '../../core/profile/schema.js';
import { discoverChecks } from '../../harness/run/discover.js';
import { executeCheck, type CheckResult } from '../../harness/run/execute.js';
import type { RunningModbusSimulator } from '../../simulators/modbus/index.js';
import { startSimulator } from '../support/both-ways.js';

/**
 * Safety on a live plant (issue 14, item 8): without writeProbes in the profile and without --disruptive, no Modbus
 * check writes. Writes are counted where they land: by the simulator, whatever the check believes it sent.
 */

const quick = { connectTimeoutMs: 1000, requestTimeoutMs: 1000 };
const ROLE_CHECK = 'modbus.authorization.viewer-cannot-write';

async function runEveryModbusCheck(input: ProfileInput): Promise<CheckResult[]> {
  const profile = parseProfile(input);
  const checks = (await discoverChecks()).map((entry) => entry.check).filter((check) => check.protocol === 'modbus' || check.protocol === 'modbus-tls');
  const results: CheckResult[] = [];
  for (const check of checks) results.push(await executeCheck(check, profile, { settings: quick }));
  return results;
}

for (const simulatorProfile of ['hardened', 'secure']) {
  describe(`modbus write safety against the ${simulatorProfile} simulator`, function () {
    this.timeout(120_000);
    let simulator: Awaited<ReturnType<typeof startSimulator>>;
    const stats = () => (simulator.running as RunningModbusSimulator).stats;
    beforeEach(async function () {
      simulator = await startSimulator('modbus', simulatorProfile);
    });
    afterEach(async function () {
      await simulator?.cleanup();
    });

    it('a non-disruptive run without writeProbes sends the device no write at all', async function () {
      const results = await runEveryModbusCheck(simulator.running.profile);
      expect(stats().requests, 'the checks talked to the device').to.be.greaterThan(10);
      expect(stats().writes, 'write requests received by the simulator').to.equal(0);
      const role = results.find((result) => result.checkId === ROLE_CHECK)!;
      expect(role.status).to.equal('not-tested');
      expect(role.message).to.match(/names no holding register in endpoints\.modbus\.writeProbes .*--disruptive/);
      const errors = results.filter((result) => result.status === 'error').map((result) => `${result.checkId}: ${result.message}`);
      expect(errors).to.deep.equal([]);
    });

    it('with a holding register named in writeProbes, only the role check writes, there, with writes that change nothing', async function () {
      const input = structuredClone(simulator.running.profile);
      input.endpoints!.modbus = { ...input.endpoints!.modbus!, writeProbes: [{ table: 'holding', address: 1 }] };
      const results = await runEveryModbusCheck(input);
      const role = results.find((result) => result.checkId === ROLE_CHECK)!;
      expect(role.status, role.observed ?? role.message).to.equal(simulatorProfile === 'secure' ? 'pass' : 'fail');
      expect(role.observed).to.match(/holding 1 /);
      expect(role.transcript.join('\n')).to.match(/holding 1: declared safe to write in endpoints\.modbus\.writeProbes/);
      // Plain Modbus/TCP: the anonymous write; Modbus/TCP Security: the profile's certificate and the read-only role's attempt.
      expect(stats().writes).to.equal(simulatorProfile === 'secure' ? 2 : 1);
    });
  });
}
