import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snmpSecrets } from '../../adapters/snmp/endpoint.js';
import { parseProfile, secretsOf } from '../../core/profile/load.js';
import { runCampaign } from '../../harness/run/campaign.js';
import { writeReports } from '../../reports/write.js';
import { startSimulator } from '../support/both-ways.js';

function filesBelow(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesBelow(path) : [path];
  });
}

/** Communities and v3 keys from the profile are secrets: no report, transcript or attachment shows them. */
describe('SNMP secrets', function () {
  this.timeout(120_000);

  it('the weak agent\'s documented community and v3 keys appear in no file of the run', async function () {
    const simulator = await startSimulator('snmp', 'weak');
    const outDir = mkdtempSync(join(tmpdir(), 'snmp-secrets-'));
    try {
      const profile = parseProfile(simulator.running.profile, 'snmp weak');
      const secrets = snmpSecrets(profile.endpoints.snmp);
      expect(secrets.length).to.be.greaterThan(2);
      expect(secretsOf(profile)).to.include.members(secrets);
      const campaign = await runCampaign({ profile, outDir, protocol: 'snmp', disruptive: true, signal: new AbortController().signal });
      await writeReports(campaign.document, { outDir, allureResultsDir: campaign.allureResultsDir, engine: 'none', reportName: 'snmp secrets' });
      expect(campaign.results.some((result) => result.status === 'fail')).to.equal(true);
      for (const file of filesBelow(outDir)) {
        const text = readFileSync(file, 'latin1');
        for (const secret of secrets) expect(text.includes(secret), `${file} holds a secret`).to.equal(false);
      }
    } finally {
      await simulator.cleanup();
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});
