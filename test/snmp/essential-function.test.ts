import { expect } from 'chai';
import { snmpEssentialProbes } from '../../adapters/snmp/availability.js';
import { parseProfile } from '../../core/profile/load.js';
import type { ProfileInput } from '../../core/profile/schema.js';
import { protocolDefinitions } from '../../core/protocol.js';
import { startSimulator } from '../support/both-ways.js';

/** The essential function kind `snmp: {oid}`: a GET with the profile's strongest credential, watched under load. */
describe('SNMP essential functions', function () {
  this.timeout(30_000);

  it('a readable object samples fine, a missing one and a silent agent fail the sample; a malformed oid is a profile error', async function () {
    const { running, cleanup } = await startSimulator('snmp', 'hardened');
    try {
      const input = running.profile as ProfileInput & { essentialFunctions: unknown[] };
      const profile = parseProfile({ ...input, essentialFunctions: [...input.essentialFunctions, { name: 'read a missing object', snmp: { oid: '1.3.6.1.2.1.1.99.0' }, maxLatencyMs: 500 }] } as ProfileInput, 'snmp hardened');
      const snmp = protocolDefinitions().find((definition) => definition.name === 'snmp')!;
      expect(snmp.watches?.(profile)).to.deep.equal(['read uptime', 'read a missing object']);
      const endpoint = profile.endpoints.snmp!;
      const signal = new AbortController().signal;
      const monitor = snmpEssentialProbes(profile, endpoint, { host: running.host, port: endpoint.port, timeoutMs: 800 });
      const [uptime, missing] = monitor.probes;
      await uptime!.sample(signal);
      const error = await missing!.sample(signal).then(() => undefined, (caught: Error) => caught);
      expect(error?.message).to.match(/GET 1\.3\.6\.1\.2\.1\.1\.99\.0: (NoSuchObject|NoSuchInstance|error-status)/);
      await cleanup();
      const silent = await uptime!.sample(signal).then(() => undefined, (caught: Error) => caught);
      expect(silent?.message).to.match(/GET 1\.3\.6\.1\.2\.1\.1\.3\.0: silent/);
      expect(() => parseProfile({ ...input, essentialFunctions: [{ name: 'bad', snmp: { oid: 'sysUpTime' }, maxLatencyMs: 500 }] } as ProfileInput, 'bad oid')).to.throw(/essentialFunctions\[0\]\.snmp\.oid: must be a dotted OID/);
    } finally {
      await cleanup();
    }
  });
});
