import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseProfile } from '../../core/profile/load.js';
import { runCampaign } from '../../harness/run/campaign.js';
import { writeReports } from '../../reports/write.js';
import { HOSTILE_BEHAVIOURS } from '../../simulators/hostile/index.js';
import { startSimulator } from '../support/both-ways.js';
import { collectEscapedErrors } from '../support/escaped-errors.js';

/**
 * The hostile-target matrix: every check, disruptive ones included, against devices that never answer, drip, reset,
 * babble, flood or die. Each check must end within its timeout as error (or not run at all); none may pass or fail on
 * such evidence, the run must complete and write its report, and nothing may escape as an unhandled exception.
 * The TCP port scan is the one check that may pass: the hostile device's ports are open, as its profile declares.
 */
const MAY_PASS = new Set(['tcp.least-functionality.open-ports']);

describe('hostile targets', function () {
  this.timeout(600_000);
  const escaped = collectEscapedErrors();

  for (const behaviour of HOSTILE_BEHAVIOURS) {
    it(`${behaviour}: every check ends as error within its timeout and the report is written`, async function () {
      const simulator = await startSimulator('hostile', behaviour);
      const outDir = mkdtempSync(join(tmpdir(), `hostile-${behaviour}-`));
      try {
        const profile = parseProfile(simulator.running.profile, `hostile ${behaviour}`);
        const campaign = await runCampaign({ profile, outDir, disruptive: true, signal: new AbortController().signal });
        const written = await writeReports(campaign.document, { outDir, allureResultsDir: campaign.allureResultsDir, engine: 'none', reportName: behaviour });
        expect(written.files.map((file) => file.slice(outDir.length + 1))).to.include.members(['compliance.json', 'compliance.md', 'junit.xml', 'compliance.html']);
        const checkMs = profile.timeouts!.checkMs!;
        const wrong = campaign.results.filter((result) => {
          if (result.durationMs > checkMs + 1_500) return true;
          if (result.status === 'error' || result.status === 'not-applicable' || result.status === 'not-tested') return false;
          return !(MAY_PASS.has(result.checkId) && result.status === 'pass');
        });
        expect(
          wrong.map((result) => `${result.checkId}: ${result.status} in ${result.durationMs} ms: ${result.observed ?? result.message}`),
          `checks that did not end as error within ${checkMs} ms against ${behaviour}`,
        ).to.deep.equal([]);
        expect(campaign.results.filter((result) => result.status === 'error').length).to.be.greaterThan(0);
        // The device's SSH service and SNMP agent are among the hostile ones: their checks ran and ended as error.
        for (const protocol of ['ssh', 'snmp']) {
          const ran = campaign.results.filter((result) => result.checkId.startsWith(`${protocol}.`) && result.status !== 'not-applicable' && result.status !== 'not-tested');
          expect(ran.length, `${protocol} checks that ran against ${behaviour}`).to.be.greaterThan(0);
          expect(ran.every((result) => result.status === 'error')).to.equal(true);
        }
        expect(escaped.map(String), 'unhandled errors escaped the harness').to.deep.equal([]);
      } finally {
        await simulator.cleanup();
      }
    });
  }
});
