import { expect } from 'chai';
import { parseProfile } from '../../core/profile/load.js';
import type { ProfileInput } from '../../core/profile/schema.js';
import { discoverChecks } from '../../harness/run/discover.js';
import { executeCheck } from '../../harness/run/execute.js';
import { randomLoopbackHost } from '../../core/net/loopback.js';
import { findSimulator } from '../../simulators/registry.js';
import type { RunningSimulator } from '../../simulators/types.js';

/**
 * Declaring port 161 in openPorts, without endpoints.snmp, does not spare an agent that answers "public": the port
 * still makes an SNMP interface, and its SNMP checks run and fail.
 */
describe('SNMP on a port only listed in openPorts', function () {
  this.timeout(60_000);
  let agent: RunningSimulator | undefined;

  before(async function () {
    const definition = await findSimulator('snmp');
    try {
      agent = await definition!.start({ profile: 'weak-community', host: randomLoopbackHost(), port: 161, workDir: '/tmp' });
    } catch (error) {
      console.log(`      skipped: UDP port 161 cannot be bound here (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      this.skip();
    }
  });
  after(async function () {
    await agent?.stop();
  });

  it('the default-community check runs against it and fails naming "public"', async function () {
    const input = { component: { name: 'switch with 161 declared', type: 'network-device' }, targetSL: 2, host: agent!.host, openPorts: [161], timeouts: { connectMs: 1_000, requestMs: 1_000 } } as ProfileInput;
    const checks = await discoverChecks();
    for (const id of ['snmp.authenticators.default-communities-refused', 'snmp.identification.anonymous-access-refused']) {
      const check = checks.find((entry) => entry.check.id === id)!.check;
      const result = await executeCheck(check, parseProfile(input, 'declared 161'), {});
      expect(result.interface?.name).to.equal('snmp');
      expect(result.status, result.observed ?? result.message).to.equal('fail');
      expect(result.observed).to.match(/v1 "public", v2c "public"/);
    }
  });
});
