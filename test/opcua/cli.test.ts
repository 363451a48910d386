import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { parseProfile } from '../../core/profile/load.js';
import { randomLoopbackHost } from '../../core/net/loopback.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'iec62443-harness.js');
const REQUIREMENTS = [
  'CR 1.1', 'CR 1.1 RE(1)', 'CR 1.2', 'CR 1.5', 'CR 1.9', 'CR 1.10', 'CR 1.11', 'CR 2.1', 'CR 2.1 RE(1)', 'CR 2.1 RE(2)', 'CR 2.6', 'CR 2.7', 'CR 4.1', 'CR 4.3',
  'CR 2.8', 'CR 2.11', 'CR 3.1', 'CR 3.1 RE(1)', 'CR 3.5', 'CR 3.7', 'CR 3.8', 'CR 6.2', 'CR 7.1', 'CR 7.1 RE(1)', 'CR 7.2', 'CR 7.8',
];

function run(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`iec62443-harness ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `simulate opcua` as a user starts it: one ready line on stdout, then a profile file describing itself. */
function simulate(profileName: string, profileFile: string): Promise<{ child: ChildProcess; ready: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'simulate', 'opcua', '--profile', profileName, '--host', randomLoopbackHost(), '--write-profile', profileFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`simulate opcua --profile ${profileName} was not ready within 60 s\n${stderr}`));
    }, 60_000);
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((candidate) => candidate.startsWith('ready:'));
      if (line) {
        clearTimeout(timer);
        resolve({ child, ready: line });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`simulate opcua exited with ${code} before it was ready\n${stderr}`));
    });
  });
}

function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', (code) => {
      clearTimeout(force);
      resolve(code);
    });
    child.kill(signal);
  });
}

describe('iec62443-harness with the simulated OPC UA PLC', function () {
  this.timeout(240_000);
  const work = mkdtempSync(join(tmpdir(), 'opcua-cli-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  // The weak PLC documents no session cap: only a load long enough to reach the harness's bound of 500 sessions shows
  // that it has none (the default 5 s may end short of it, which decides nothing). The user's knob: load.durationMs.
  for (const [profileName, exitCode, verdict, signal, loadDurationMs] of [
    ['hardened', 0, 'pass', 'SIGTERM', undefined],
    ['weak', 1, 'fail', 'SIGINT', 12_000],
  ] as const) {
    it(`run --profile <written by simulate opcua --profile ${profileName}> --disruptive exits ${exitCode} with every OPC UA requirement ${verdict}`, async function () {
      const profileFile = join(work, `${profileName}.yaml`);
      const { child, ready } = await simulate(profileName, profileFile);
      try {
        expect(ready).to.match(/^ready: opcua simulator \(\w+\) on 127\.\d+\.\d+\.\d+ ports \d+/);
        const profile = parseProfile(parse(readFileSync(profileFile, 'utf8')));
        expect(profile.endpoints.opcua?.clientCertificate, 'the profile names the client certificate the PLC trusts').to.be.a('string');
        expect(existsSync(profile.endpoints.opcua!.clientCertificate!)).to.equal(true);
        expect(profile.accounts.map((account) => account.role).sort()).to.deep.equal(['admin', 'lockout', 'operator', 'viewer']);
        if (loadDurationMs) writeFileSync(profileFile, stringify({ ...parse(readFileSync(profileFile, 'utf8')), load: { durationMs: loadDurationMs } }));

        const out = join(work, `out-${profileName}`);
        const result = await run(['run', '--profile', profileFile, '--disruptive', '--out', out], 200_000);
        const compliance = JSON.parse(readFileSync(join(out, 'compliance.json'), 'utf8')) as { requirements: Array<{ id: string; verdict: string; checks: Array<{ id: string; status: string; message?: string }> }> };
        const verdicts = Object.fromEntries(compliance.requirements.filter((requirement) => REQUIREMENTS.includes(requirement.id)).map((requirement) => [requirement.id, requirement.verdict]));
        expect(verdicts, result.stderr.slice(-3000)).to.deep.equal(Object.fromEntries(REQUIREMENTS.map((id) => [id, verdict])));
        const others = compliance.requirements.flatMap((requirement) => requirement.checks.filter((entry) => entry.status !== verdict && entry.status !== 'not-applicable').map((entry) => `${requirement.id} ${entry.id}: ${entry.status} ${entry.message ?? ''}`));
        expect(result.code, `checks not ${verdict}:\n${others.join('\n')}\n${result.stdout.slice(-3000)}`).to.equal(exitCode);
      } finally {
        expect(await stop(child, signal), `simulate exits cleanly on ${signal}`).to.equal(0);
      }
    });
  }
});
