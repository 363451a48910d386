import { expect } from 'chai';
import { parseProfile } from '../../core/profile/load.js';
import { componentInterfaces } from '../../core/protocol.js';
import { discoverChecks } from '../../harness/run/discover.js';
import { executeCheck } from '../../harness/run/execute.js';
import { startEmbeddedComponent, type SimulatedComponent } from '../../harness/simulation/embedded.js';

/** The hardened SSH and SNMP simulators are parts of the embedded default, and their interfaces answer in it. */
describe('SSH and SNMP in the embedded default', function () {
  this.timeout(120_000);
  let component: SimulatedComponent | undefined;
  after(async () => component?.stop());

  it('has an ssh and an snmp interface, both hardened, whose inventory checks pass', async function () {
    component = await startEmbeddedComponent({ mode: 'inprocess' });
    expect(component.parts.filter((part) => part.kind === 'ssh' || part.kind === 'snmp').map((part) => `${part.kind}:${part.profileName}`)).to.have.members(['ssh:hardened', 'snmp:hardened']);
    const profile = parseProfile(component.profile, 'embedded default');
    const interfaces = componentInterfaces(profile);
    expect(interfaces.find((entry) => entry.name === 'ssh')?.ports).to.deep.equal([{ port: profile.endpoints.ssh!.port, transport: 'tcp' }]);
    expect(interfaces.find((entry) => entry.name === 'snmp')?.ports).to.deep.equal([{ port: profile.endpoints.snmp!.port, transport: 'udp' }]);
    const checks = await discoverChecks();
    for (const [checkId, reason] of [
      ['ssh.inventory.version', /SSH-2\.0-/],
      ['snmp.inventory.system-group', /sysDescr=/],
    ] as const) {
      const check = checks.find((entry) => entry.check.id === checkId)!.check;
      const result = await executeCheck(check, profile);
      expect(result.status, `${checkId}: ${result.observed ?? result.message}`).to.equal('pass');
      expect(result.observed).to.match(reason);
    }
  });
});
