import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomLoopbackHost } from '../../core/net/loopback.js';
import { startCli as start, waitForOutput as waitFor, type CliProcess } from '../support/harness-cli.js';

/** A long check (CR 2.6 waits out an idle session) against the OPC UA simulator in its own process. */
describe('stopping a run: Ctrl-C and --deadline', function () {
  this.timeout(180_000);
  const work = mkdtempSync(join(tmpdir(), 'interrupt-test-'));
  const profile = join(work, 'opcua.yaml');
  let simulator: CliProcess;

  before(async function () {
    simulator = start(['simulate', 'opcua', '--profile', 'hardened', '--host', randomLoopbackHost(), '--write-profile', profile]);
    await waitFor(simulator, 'ready:', 90_000);
  });
  after(async function () {
    simulator?.child.kill('SIGTERM');
    await simulator?.exited;
  });

  it('Ctrl-C stops the running check, writes the report and exits 130', async function () {
    const out = join(work, 'sigint');
    const run = start(['run', '--profile', profile, '--only', 'CR 2.6', '--out', out, '--allure', 'none']);
    await waitFor(run, 'CR 2.6', 60_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const interruptedAt = Date.now();
    run.child.kill('SIGINT');
    const code = await run.exited;
    const stoppedAfterMs = Date.now() - interruptedAt;
    expect(code, run.output()).to.equal(130);
    // The idle-session check alone would take over ten seconds; stopping well before shows the signal reached it.
    expect(stoppedAfterMs, run.output()).to.be.lessThan(8_000);
    const document = JSON.parse(readFileSync(join(out, 'compliance.json'), 'utf8')) as { scope: { interrupted?: string }; requirements: Array<{ id: string; verdict: string }> };
    expect(document.scope.interrupted).to.equal('interrupted by the user');
    expect(document.requirements.find((requirement) => requirement.id === 'CR 2.6')!.verdict).to.equal('not-tested');
  });

  it('--deadline stops starting checks, writes the report and exits 3', async function () {
    const out = join(work, 'deadline');
    const run = start(['run', '--profile', profile, '--only', 'CR 2.6,CR 7.7', '--deadline', '3s', '--out', out, '--allure', 'none']);
    const code = await run.exited;
    expect(code, run.output()).to.equal(3);
    expect(run.output()).to.include('run deadline of 3s reached');
    const document = JSON.parse(readFileSync(join(out, 'compliance.json'), 'utf8')) as { scope: { interrupted?: string }; requirements: Array<{ id: string; verdict: string }> };
    expect(document.scope.interrupted).to.equal('run deadline reached');
    expect(document.requirements.find((requirement) => requirement.id === 'CR 7.7')!.verdict).to.equal('not-tested');
  });
});
