import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomLoopbackHost } from '../../core/net/loopback.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'iec62443-harness.js');

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function start(args: string[]): Running {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor(running: Running, text: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!running.output().includes(text)) {
    if (Date.now() > until) throw new Error(`"${text}" did not appear within ${timeoutMs} ms:\n${running.output()}`);
    if (running.child.exitCode !== null) throw new Error(`exited early:\n${running.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A long check (CR 2.6 waits out an idle session) against the OPC UA simulator in its own process. */
describe('stopping a run: Ctrl-C and --deadline', function () {
  this.timeout(180_000);
  const work = mkdtempSync(join(tmpdir(), 'interrupt-test-'));
  const profile = join(work, 'opcua.yaml');
  let simulator: Running;

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
