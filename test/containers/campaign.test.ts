import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSimulatorImage } from '../../harness/simulation/container.js';
import { harnessContainers, skipWithoutEngine } from './engine.js';
import { startCli as harness, type CliProcess } from '../support/harness-cli.js';

interface Compliance {
  requirements: Array<{ id: string; verdict: string; checks: Array<{ id: string; status: string; observed?: string; message?: string }> }>;
}

/** requirement id → verdict and check id → status, with what each check saw for the message of a mismatch. */
function verdicts(document: Compliance): Map<string, { verdict: string; seen?: string }> {
  const table = new Map<string, { verdict: string; seen?: string }>();
  for (const requirement of document.requirements) {
    table.set(requirement.id, { verdict: requirement.verdict });
    for (const check of requirement.checks) table.set(`${requirement.id} ${check.id}`, { verdict: check.status, seen: check.observed ?? check.message });
  }
  return table;
}

async function untilContainersOf(run: CliProcess, timeoutMs: number): Promise<string[]> {
  for (let waited = 0; waited < timeoutMs; waited += 250) {
    const containers = harnessContainers(run.child.pid);
    if (containers.length) return containers;
    if (run.child.exitCode !== null) throw new Error(`the run exited before any container started:\n${run.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no container started within ${timeoutMs / 1000} s:\n${run.output()}`);
}

async function untilOutput(run: CliProcess, text: string, timeoutMs: number): Promise<void> {
  for (let waited = 0; !run.output().includes(text); waited += 100) {
    if (waited > timeoutMs) throw new Error(`"${text}" did not appear within ${timeoutMs / 1000} s:\n${run.output()}`);
    if (run.child.exitCode !== null) throw new Error(`the run exited early:\n${run.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the embedded default in containers (run --simulators container)', function () {
  this.timeout(600_000);
  const work = mkdtempSync(join(tmpdir(), 'containers-campaign-'));

  before(async function () {
    this.timeout(900_000);
    await skipWithoutEngine(this);
    // Built once here, so the runs below measure the campaign, not the build.
    await ensureSimulatorImage();
  });

  it('gives the same verdict for every requirement and check as the in-process run, and leaves no container', async function () {
    const inContainers = harness(['run', '--simulators', 'container', '--out', join(work, 'container'), '--allure', 'none']);
    expect(await untilContainersOf(inContainers, 300_000), 'containers of the container run').not.to.be.empty;
    const containerCode = await inContainers.exited;
    expect(harnessContainers(inContainers.child.pid), 'containers left by the container run').to.deep.equal([]);
    const inProcess = harness(['run', '--simulators', 'inprocess', '--out', join(work, 'inprocess'), '--allure', 'none']);
    const processCode = await inProcess.exited;

    const container = verdicts(JSON.parse(readFileSync(join(work, 'container', 'compliance.json'), 'utf8')) as Compliance);
    const inprocess = verdicts(JSON.parse(readFileSync(join(work, 'inprocess', 'compliance.json'), 'utf8')) as Compliance);
    const differences = [...new Set([...container.keys(), ...inprocess.keys()])]
      .filter((key) => container.get(key)?.verdict !== inprocess.get(key)?.verdict)
      .map((key) => `${key}: container ${container.get(key)?.verdict} (${container.get(key)?.seen ?? ''}) vs in-process ${inprocess.get(key)?.verdict} (${inprocess.get(key)?.seen ?? ''})`);
    expect(differences, `verdicts that differ:\n${differences.join('\n')}`).to.deep.equal([]);
    expect([...container.values()].filter((row) => row.verdict === 'pass').length, 'checks and requirements that passed').to.be.greaterThan(0);
    expect(containerCode, inContainers.output()).to.equal(processCode);
    expect(harnessContainers(), 'docker ps -a shows harness containers').to.deep.equal([]);
  });

  it('Ctrl-C stops the run, writes the report and removes the containers', async function () {
    const run = harness(['run', '--simulators', 'container', '--out', join(work, 'sigint'), '--allure', 'none']);
    await untilContainersOf(run, 300_000);
    await untilOutput(run, '[1/', 300_000);
    run.child.kill('SIGINT');
    const code = await run.exited;
    expect(code, run.output()).to.equal(130);
    expect(existsSync(join(work, 'sigint', 'compliance.json')), 'report written').to.equal(true);
    expect(harnessContainers(run.child.pid), 'containers left after Ctrl-C').to.deep.equal([]);
  });

  it('a second Ctrl-C quits at once and still removes the containers', async function () {
    const run = harness(['run', '--simulators', 'container', '--out', join(work, 'sigint-twice'), '--allure', 'none']);
    await untilContainersOf(run, 300_000);
    await untilOutput(run, '[1/', 300_000);
    // The second arrives before the containers could have been stopped the orderly way (sent at once, the kernel
    // would merge the two into one).
    run.child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 100));
    run.child.kill('SIGINT');
    const code = await run.exited;
    expect(code, run.output()).to.equal(130);
    expect(harnessContainers(run.child.pid), 'containers left after two Ctrl-C').to.deep.equal([]);
  });
});
