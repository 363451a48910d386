import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startSimulator } from '../support/both-ways.js';
import { BIN, cli } from '../support/harness-cli.js';

const SCRIPT = '/usr/bin/script';

/** Runs a command in a pseudo-terminal (util-linux `script`), the way a person at a terminal sees it. */
function inTerminal(command: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(SCRIPT, ['--quiet', '--return', '--command', command, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', () => {
      clearTimeout(timer);
      resolve(output);
    });
    child.once('error', reject);
  });
}

/**
 * Long checks show how far they have come on a terminal and stay quiet in CI logs: a disruptive TCP storm against the
 * hardened web UI, once in a pseudo-terminal and once as CI runs it (CI=true, output to a pipe).
 */
describe('progress of long checks', function () {
  this.timeout(180_000);
  const work = mkdtempSync(join(tmpdir(), 'progress-test-'));
  let simulator: Awaited<ReturnType<typeof startSimulator>>;
  let profileFile: string;
  const args = (out: string) => ['run', '--profile', profileFile, '--only', 'CR 7.1', '--protocol', 'tcp', '--disruptive', '--allure', 'none', '--out', out];

  before(async function () {
    simulator = await startSimulator('tls', 'hardened');
    profileFile = join(work, 'web-ui.yaml');
    // What is shown is under test here, not the verdict: a loss tolerance a busy shared machine cannot trip in any of the ramp's steps.
    writeFileSync(profileFile, stringify({ ...simulator.running.profile, load: { ratePerSecond: 50, durationMs: 3_000, lossTolerance: 0.2 } }));
  });

  after(async function () {
    await simulator?.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  it('a terminal shows the storm progressing (window, samples lost, time left) and the line is cleared before the result', async function () {
    if (!existsSync(SCRIPT)) {
      console.log(`      skipped: ${SCRIPT} is not installed (util-linux), so no pseudo-terminal can be recorded`);
      this.skip();
    }
    const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color', COLUMNS: '200' };
    delete env.CI;
    delete env.NO_COLOR;
    const output = await inTerminal([process.execPath, BIN, ...args(join(work, 'tty'))].map((part) => `'${part.replace(/'/g, `'\\''`)}'`).join(' '), env, 120_000);
    const redraws = output.split('\r\u001b[2K');
    // The load ramps in steps: the line names the step, its rate and what the whole ramp still needs.
    const live = redraws.filter((line) => /load step [1-4] of 4 at \d+\/s: \d+ of \d+ monitor samples lost · \d+\/s · \d+ s left/.test(line));
    expect(live.length, 'live status lines of the load window').to.be.greaterThan(0);
    expect(redraws.some((line) => /recovery: \d+ of \d+ monitor samples lost/.test(line)), 'the recovery window shows too').to.equal(true);
    // The result line of the storm comes right after a cleared line, so no status text is left on screen.
    const result = output.indexOf('Essential functions stay available during a TCP connection storm');
    const resultLine = output.lastIndexOf('\n', result);
    expect(output.lastIndexOf('\r\u001b[2K', result), 'cleared just before the result line').to.be.greaterThan(resultLine - 40);
  });

  it('CI logs (CI=true, a pipe) get one line per check and no control characters', async function () {
    const result = await cli(args(join(work, 'ci')), { env: { CI: 'true' } });
    expect(result.code, result.output).to.equal(0);
    expect(result.output).to.match(/✔ pass +\[\d+\/\d+\] CR 7.1 Essential functions stay available during a TCP connection storm/);
    // eslint-disable-next-line no-control-regex
    expect(result.output.match(/[\u0000-\u0008\u000b-\u001f\u007f]/g) ?? [], 'control characters in a CI log').to.deep.equal([]);
  });
});
