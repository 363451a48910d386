import { spawn, type ChildProcess } from 'node:child_process';
import { randomLoopbackHost } from '../../core/net/loopback.js';
import { BIN } from './harness-cli.js';

/** `simulate <kind>` as a user starts it: one ready line on stdout, then a profile file describing the simulator. */
export function simulate(kind: string, profileName: string, profileFile: string): Promise<{ child: ChildProcess; ready: string; stderr: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'simulate', kind, '--profile', profileName, '--host', randomLoopbackHost(), '--write-profile', profileFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`simulate ${kind} --profile ${profileName} was not ready within 60 s\n${stderr}`));
    }, 60_000);
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((candidate) => candidate.startsWith('ready:'));
      if (line) {
        clearTimeout(timer);
        resolve({ child, ready: line, stderr: () => stderr });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`simulate ${kind} exited with ${code} before it was ready\n${stderr}`));
    });
  });
}

export function stopSimulator(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
