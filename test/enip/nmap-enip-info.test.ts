import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseProfile } from '../../core/profile/load.js';
import { discoverChecks } from '../../harness/run/discover.js';
import { executeCheck } from '../../harness/run/execute.js';
import { startSimulator } from '../support/both-ways.js';

const NMAP = '/usr/bin/nmap';

function nmapEnipInfo(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // "+" runs the script whatever its port rule says: the simulator does not listen on 44818.
    execFile(NMAP, ['-Pn', '-sT', '-n', '-p', String(port), '--script', '+enip-info', host], { timeout: 60_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
}

/**
 * No EtherNet/IP adapter is packaged for Debian or npm (the npm packages ethernet-ip and st-ethernet-ip are scanners, not
 * adapters), so the independent implementation here is on the other side: nmap's enip-info script, an EtherNet/IP
 * scanner written apart from this project, decodes the simulated adapter's ListIdentity. It must read the same
 * identity as the CR 7.8 check, which shows that the simulator's frames and the adapter's decoding follow the public
 * description and not only each other.
 */
describe('nmap enip-info and the CR 7.8 check read the same identity', function () {
  this.timeout(120_000);
  before(function () {
    if (!existsSync(NMAP)) {
      console.log(`      skipped: ${NMAP} is not installed (Debian package nmap), so there is no independent reader to compare with`);
      this.skip();
    }
  });

  it('vendor, device type, product name, product code, serial number and revision agree', async function () {
    const simulator = await startSimulator('enip', 'hardened');
    try {
      const profile = parseProfile(simulator.running.profile, 'enip hardened');
      const check = (await discoverChecks()).find((entry) => entry.check.id === 'enip.inventory.identity-object')!.check;
      const result = await executeCheck(check, profile);
      expect(result.status, result.observed ?? result.message).to.equal('pass');
      const identity = (result.details as { identityObject: { vendorId: number; deviceType: number; productCode: number; serialNumber: number; productName: string; revision: { major: number; minor: number } } }).identityObject;
      const output = await nmapEnipInfo(profile.host, profile.endpoints.enip!.port);
      const field = (name: string) => new RegExp(`\\|[ _]+${name}: ([^\\n]+)`).exec(output)?.[1]?.trim();
      expect(field('vendor'), output).to.match(new RegExp(`\\(${identity.vendorId}\\)$`));
      expect(field('type')).to.match(new RegExp(`\\(${identity.deviceType}\\)$`));
      expect(field('productName')).to.equal(identity.productName);
      expect(field('productCode')).to.equal(String(identity.productCode));
      expect(Number(field('serialNumber'))).to.equal(identity.serialNumber);
      expect(field('revision')).to.equal(`${identity.revision.major}.${identity.revision.minor}`);
      expect(field('deviceIp')).to.equal(profile.host);
    } finally {
      await simulator.cleanup();
    }
  });
});
