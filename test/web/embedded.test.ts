import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../support/harness-cli.js';

interface Compliance {
  component: { name: string; model?: string };
  requirements: Array<{ id: string; interfaces: Array<{ name: string; kind: string; verdict: string; checks?: Array<{ id: string; status: string }> }> }>;
}

/** Requirements the web checks evidence without --disruptive, and CR 1.11, which waits for it. */
const WEB_VERDICTS: Record<string, string> = {
  'CR 1.1': 'pass',
  'CR 1.1 RE(1)': 'pass',
  'CR 1.5': 'pass',
  'CR 1.10': 'pass',
  'CR 1.11': 'not-tested',
  'CR 1.12': 'pass',
  'CR 2.1': 'pass',
  'CR 2.6': 'pass',
  'CR 3.1': 'pass',
  'CR 3.7': 'pass',
  'CR 3.8': 'pass',
  'CR 4.1': 'pass',
  'CR 7.7': 'pass',
};

/**
 * The embedded default (`npm start`, no profile) is a PLC with OPC UA, Modbus, a TLS page and the web management UI.
 * Its report must judge the web UI in every requirement a web interface answers for: wherever the TLS simulator's page
 * (a TLS service, with the concerns of a web UI) is listed, the web UI is too, with the verdict of its own checks.
 */
describe('the embedded default includes the simulated web UI', function () {
  this.timeout(180_000);
  const work = mkdtempSync(join(tmpdir(), 'web-embedded-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  it('run without a profile: the web-management interface in each requirement it concerns, judged by the web checks', async function () {
    const out = join(work, 'out');
    // The web checks only, to keep the run short; the interfaces listed come from the profile, not from what ran.
    const run = await cli(['run', '--simulators', 'inprocess', '--protocol', 'http', '--out', out, '--allure', 'none'], { timeoutMs: 150_000 });
    expect(run.code, run.output.slice(-3000)).to.equal(0);
    const compliance = JSON.parse(readFileSync(join(out, 'compliance.json'), 'utf8')) as Compliance;
    expect(compliance.component.name).to.match(/embedded default: .*\bweb hardened\b/);
    const listsWeb = (id: string) => compliance.requirements.find((entry) => entry.id === id)!.interfaces.find((entry) => entry.name === 'web-management');
    const missing = compliance.requirements
      .filter((requirement) => requirement.interfaces.some((entry) => entry.kind === 'tls') && !listsWeb(requirement.id))
      .map((requirement) => requirement.id);
    expect(missing, 'requirements that list the TLS page but not the web UI').to.deep.equal([]);
    const seen = Object.fromEntries(Object.keys(WEB_VERDICTS).map((id) => [id, `${listsWeb(id)?.kind}:${listsWeb(id)?.verdict}`]));
    expect(seen).to.deep.equal(Object.fromEntries(Object.entries(WEB_VERDICTS).map(([id, verdict]) => [id, `http:${verdict}`])));
  });
});
