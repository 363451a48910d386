import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseProfile } from '../../core/profile/load.js';
import type { ProfileInput } from '../../core/profile/schema.js';
import { startSimulator } from '../support/both-ways.js';
import { BIN } from '../support/harness-cli.js';

/** Asynchronous: the simulator runs in this process and must go on answering while the CLI talks to it. */
function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('init --host finds an EtherNet/IP adapter by ListIdentity', function () {
  this.timeout(180_000);
  const work = mkdtempSync(join(tmpdir(), 'enip-init-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  it('on an unregistered port, with its CIP Security port found inside TLS and not taken for a web service', async function () {
    const simulator = await startSimulator('enip', 'hardened');
    try {
      const own = simulator.running.profile.endpoints!.enip!;
      const out = join(work, 'device.yaml');
      const run = await cli(['init', '--host', simulator.running.host, '--ports', simulator.running.ports.join(','), '--out', out]);
      expect(run.status, run.stderr).to.equal(0);
      const input = parse(readFileSync(out, 'utf8')) as ProfileInput;
      const profile = parseProfile(input, out, {});
      expect(profile.endpoints.enip).to.deep.include({ port: own.port, cipSecurityPort: own.cipSecurityPort, identity: own.identity });
      expect(profile.endpoints.tls ?? []).to.deep.equal([]);
      expect(profile.component).to.deep.include({ model: own.identity!.productName });
      expect(run.stdout + run.stderr).to.match(new RegExp(`EtherNet/IP on ${own.port}/tcp: "${own.identity!.productName}", vendor ${own.identity!.vendorId}.*CIP Security on ${own.cipSecurityPort}/tcp \\(ListIdentity answered inside TLS\\)`));
      // Only the vendor can name a point that is safe to write, and what the unsecured port allows.
      expect(profile.endpoints.enip?.writeProbes).to.equal(undefined);
      expect(profile.endpoints.enip?.unsecured).to.equal(undefined);
    } finally {
      await simulator.cleanup();
    }
  });
});
