import { expect } from 'chai';
import { parseProfile } from '../../core/profile/load.js';
import { discoverChecks } from '../../harness/run/discover.js';
import { executeCheck } from '../../harness/run/execute.js';
import { startSimulator } from '../support/both-ways.js';

/**
 * CR 2.1 RE(2) when the observable permissions cannot tell operator and admin apart: documentary evidence is needed,
 * which is no fail. The hardened PLC's operator account is named as its admin too, so both write the same variables
 * over the wire, as on a device whose only writable variable is writable by both roles.
 */
describe('OPC UA role-permission mapping when operator and admin write the same', function () {
  this.timeout(120_000);
  let simulator: Awaited<ReturnType<typeof startSimulator>> | undefined;
  before(async function () {
    simulator = await startSimulator('opcua', 'hardened');
  });
  after(async function () {
    await simulator?.cleanup();
  });

  it('is not applicable for want of evidence, naming what each role writes', async function () {
    const input = structuredClone(simulator!.running.profile);
    const admin = input.accounts!.find((account) => account.role === 'admin')!;
    input.accounts = input.accounts!.map((account) => (account.role === 'operator' ? { ...account, username: admin.username, password: admin.password } : account));
    const check = (await discoverChecks()).find(({ check }) => check.id === 'opcua.authorization.role-permission-mapping')!.check;
    const result = await executeCheck(check, parseProfile(input, 'hardened PLC, operator named as admin'), { disruptive: false });
    expect(result.status, result.observed ?? result.message).to.equal('not-applicable');
    expect(result.observed).to.match(/^cannot tell roles apart from observable write permissions: operator and admin may write the same variables \(viewer writes .*; operator writes .*PLC\.Setpoint.*; admin writes .*\); documentary evidence is needed/);
  });
});
