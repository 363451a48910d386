import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckResult } from '../../core/check.js';
import { randomLoopbackHost } from '../../core/net/loopback.js';
import { parseProfile } from '../../core/profile/load.js';
import type { ProfileInput } from '../../core/profile/schema.js';
import { runCampaign } from '../../harness/run/campaign.js';
import { mergeProfiles } from '../../harness/simulation/embedded.js';
import { findSimulator } from '../../simulators/registry.js';
import type { RunningSimulator } from '../../simulators/types.js';

interface AllureResult {
  name: string;
  start: number;
  stop: number;
  labels: Array<{ name: string; value: string }>;
}

const span = (result: CheckResult) => {
  const start = Date.parse(result.startedAt);
  return { start, stop: start + result.durationMs };
};

/** Pairs of results of different interfaces whose runs overlapped in time. */
const overlapping = (results: CheckResult[]) =>
  results.flatMap((a, i) => results.slice(i + 1).filter((b) => a.interface?.name !== b.interface?.name && span(a).start < span(b).stop && span(b).start < span(a).stop));

/**
 * One interface, one verdict; the requirement is the sum. A component with an OPC UA server and a web UI over TLS:
 * the OPC UA checks of CR 1.1 pass, but nothing logs in to the web UI, so CR 1.1 must not pass. Checks of the two
 * interfaces run at once, and each still ends as when every check runs alone.
 */
describe('requirement verdicts account for every interface of the component', function () {
  this.timeout(300_000);
  const workDir = mkdtempSync(join(tmpdir(), 'iec62443-interfaces-'));
  const host = randomLoopbackHost();
  const running: RunningSimulator[] = [];
  let component: ProfileInput;

  before(async function () {
    for (const kind of ['opcua', 'tls']) {
      const definition = (await findSimulator(kind))!;
      running.push(await definition.start({ profile: 'hardened', host, workDir: mkdtempSync(join(workDir, `${kind}-`)) }));
    }
    component = mergeProfiles(host, randomLoopbackHost(), running.map((simulator) => ({ kind: simulator.kind, profileName: 'hardened', profile: simulator.profile })));
  });

  after(async function () {
    await Promise.all(running.map((simulator) => simulator.stop()));
    rmSync(workDir, { recursive: true, force: true });
  });

  const cr11 = async (profile: ProfileInput) => {
    const outDir = mkdtempSync(join(workDir, 'run-'));
    const campaign = await runCampaign({ profile: parseProfile(profile, 'opcua + web UI'), outDir, only: ['CR 1.1'], signal: new AbortController().signal });
    return campaign.document.requirements.find((requirement) => requirement.id === 'CR 1.1')!;
  };

  it('CR 1.1 is not pass: OPC UA passes, the web UI needs evidence, named', async function () {
    const requirement = await cr11(component);
    const seen = requirement.interfaces.map((entry) => `${entry.name} (${entry.kind}): ${entry.verdict}`);
    expect(seen).to.include.members(['opcua (opcua): pass', 'web-ui (tls): manual']);
    expect(requirement.verdict).to.equal('manual');
    expect(requirement.rationale).to.match(/web-ui \(tls\): no automated check of CR 1\.1 exists for tls interfaces; documentary evidence is needed/);
    const opcua = requirement.interfaces.find((entry) => entry.name === 'opcua')!;
    expect(opcua.checks.map((check) => check.id)).to.include('opcua.authentication.anonymous-session-refused');
    expect(opcua.checks.every((check) => check.interface === 'opcua')).to.equal(true);
  });

  it('a declaration for the web UI alone makes CR 1.1 compensated, with its rationale', async function () {
    const rationale = 'The web UI is reachable only from the engineering VLAN through a jump host with its own MFA login.';
    const requirement = await cr11({ ...component, declarations: { ...component.declarations, 'CR 1.1': [{ interface: 'web-ui', verdict: 'compensated', rationale }] } });
    expect(requirement.verdict).to.equal('compensated');
    expect(requirement.rationale).to.equal(`web-ui (tls): ${rationale}`);
    expect(requirement.interfaces.find((entry) => entry.name === 'opcua')!.verdict).to.equal('pass');
    expect(requirement.interfaces.find((entry) => entry.name === 'web-ui')).to.include({ verdict: 'compensated', rationale });
  });

  const campaign = (interfacesAtOnce: number) =>
    runCampaign({ profile: parseProfile({ ...component, interfacesAtOnce }, 'opcua + web UI'), outDir: mkdtempSync(join(workDir, 'run-')), only: ['CR 4.3', 'CR 3.1', 'CR 1.2'], signal: new AbortController().signal });

  it('every check ends as when one runs at a time, and the Allure timeline shows each where and when it ran', async function () {
    const serial = await campaign(1);
    const parallel = await campaign(4);
    const verdicts = (results: CheckResult[]) => results.map((result) => `${result.checkId} on ${result.interface?.name ?? '-'}: ${result.status}`);
    expect(verdicts(parallel.results)).to.deep.equal(verdicts(serial.results));
    expect(new Set(parallel.results.map((result) => result.interface?.name)).size, 'interfaces with checks').to.be.greaterThan(1);
    expect(overlapping(serial.results), 'one at a time').to.deep.equal([]);
    expect(overlapping(parallel.results).length, 'checks of different interfaces ran at once').to.be.greaterThan(0);

    const allure = readdirSync(parallel.allureResultsDir)
      .filter((name) => name.endsWith('-result.json'))
      .map((name) => JSON.parse(readFileSync(join(parallel.allureResultsDir, name), 'utf8')) as AllureResult);
    const timeline = allure.map((result) => `${result.labels.find((label) => label.name === 'thread')?.value} ${result.start}-${result.stop}`).sort();
    const ran = parallel.results.map((result) => `${result.interface?.name ?? 'not run'} ${span(result).start}-${span(result).stop}`).sort();
    expect(timeline).to.deep.equal(ran);
  });

  it('a declaration that names an interface the component does not have is a profile error naming the field', function () {
    expect(() => parseProfile({ ...component, declarations: { 'CR 1.1': { interface: 'web', verdict: 'compensated', rationale: 'x' } } }, 'p')).to.throw(
      /declarations\.CR 1\.1\.interface: no interface is named "web" \(interfaces: opcua, network, web-ui;/,
    );
  });
});
