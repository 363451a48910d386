import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { randomLoopbackHost } from '../../core/net/loopback.js';
import { cli } from '../support/harness-cli.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const core = (path: string) => pathToFileURL(join(ROOT, 'core', path)).href;

/**
 * Adding a protocol means new files only: a protocol and its check written in a folder outside the repository are
 * found through IEC62443_PLUGINS, its endpoint section is part of the profile, its check runs on its interface, and
 * the requirement lists that interface. No file of the repository changes.
 */
describe('a protocol defined only in a temporary folder', function () {
  this.timeout(120_000);
  const plugin = mkdtempSync(join(tmpdir(), 'iec62443-plugin-'));
  const host = randomLoopbackHost();
  let server: Server;
  let port: number;
  let statusBefore: string;

  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(plugin, path)), { recursive: true });
    writeFileSync(join(plugin, path), text);
  };

  before(async function () {
    statusBefore = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' });
    // A lab's plugin folder has its own dependencies; this one borrows the harness's.
    symlinkSync(join(ROOT, 'node_modules'), join(plugin, 'node_modules'), 'dir');
    write('package.json', '{ "name": "acme-echo-plugin", "private": true, "type": "module" }\n');
    write(
      'adapters/echo/protocol.ts',
      `import { z } from 'zod';
import { defineProtocol } from '${core('protocol.ts')}';

export default defineProtocol({
  name: 'echo',
  title: 'Echo service',
  checkProtocols: { echo: 'the profile declares no echo endpoint (endpoints.echo)' },
  endpoint: { key: 'echo', schema: z.strictObject({ port: z.number().int().min(1).max(65535).describe('TCP port of the echo service') }) },
  concerns: ['CR 3.7'],
  interfaces(profile) {
    const endpoint = (profile.endpoints as Record<string, { port: number } | undefined>).echo;
    if (!endpoint) return [];
    return [{ name: 'echo', kind: 'echo', protocols: ['echo'], ports: [{ port: endpoint.port, transport: 'tcp' }], label: 'echo://' + profile.host + ':' + endpoint.port, concerns: ['CR 3.7'], endpoint }];
  },
});
`,
    );
    write(
      'suites/fr3/echo-answers-what-it-was-sent.check.ts',
      `import { connect } from 'node:net';
import { defineCheck, fail, pass } from '${core('check.ts')}';

export default defineCheck({
  id: 'echo.errors.answers-what-it-was-sent',
  requirement: 'CR 3.7',
  sl: [1, 2, 3, 4],
  protocol: 'echo',
  disruptive: false,
  title: 'The echo service answers with what it was sent',
  expectation: 'A line sent to the echo port comes back unchanged',
  timeoutMs: 10_000,
  async run(ctx) {
    const { port } = ctx.interface.endpoint as { port: number };
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: ctx.host, port, signal: ctx.signal });
      socket.setTimeout(ctx.settings.requestTimeoutMs, () => socket.destroy(new Error('no answer')));
      socket.once('connect', () => socket.write('ping\\n'));
      socket.once('data', (data) => { resolve(data.toString()); socket.destroy(); });
      socket.once('error', reject);
    });
    return answer === 'ping\\n' ? pass('ping came back on ' + ctx.interface.name) : fail('answered ' + JSON.stringify(answer));
  },
});
`,
    );
    server = createServer((socket) => socket.on('data', (data) => socket.write(data)));
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    port = (server.address() as { port: number }).port;
    write('device.yaml', `component: {name: Echo box, type: embedded-device}\ntargetSL: 1\nhost: ${host}\nendpoints:\n  echo: {port: ${port}}\nopenPorts: [${port}]\n`);
  });

  after(async function () {
    await new Promise((resolve) => server.close(resolve));
    rmSync(plugin, { recursive: true, force: true });
  });

  it('runs its check on its interface and reports the interface under the requirement', async function () {
    const out = join(plugin, 'out');
    const result = await cli(['run', '--profile', join(plugin, 'device.yaml'), '--only', 'CR 3.7', '--allure', 'none', '--out', out], { env: { IEC62443_PLUGINS: plugin } });
    expect(result.code, result.output).to.equal(0);
    const document = JSON.parse(readFileSync(join(out, 'compliance.json'), 'utf8')) as {
      interfaces: Array<{ name: string; kind: string }>;
      requirements: Array<{ id: string; verdict: string; interfaces: Array<{ name: string; verdict: string; checks: Array<{ id: string; observed?: string }> }> }>;
    };
    expect(document.interfaces.map((entry) => `${entry.name}:${entry.kind}`)).to.include('echo:echo');
    const requirement = document.requirements.find((entry) => entry.id === 'CR 3.7')!;
    expect(requirement.verdict).to.equal('pass');
    const echo = requirement.interfaces.find((entry) => entry.name === 'echo')!;
    expect(echo.verdict).to.equal('pass');
    expect(echo.checks.map((check) => `${check.id}: ${check.observed}`)).to.deep.equal(['echo.errors.answers-what-it-was-sent: ping came back on echo']);
  });

  it('its endpoint section is part of the profile: a misspelt field there exits 2 naming it', async function () {
    write('typo.yaml', `component: {name: Echo box, type: embedded-device}\ntargetSL: 1\nhost: ${host}\nendpoints:\n  echo: {prot: ${port}}\n`);
    const result = await cli(['run', '--profile', join(plugin, 'typo.yaml'), '--out', join(plugin, 'typo-out')], { env: { IEC62443_PLUGINS: plugin } });
    expect(result.code).to.equal(2);
    expect(result.stderr).to.include('endpoints.echo.prot: unknown field');
    const without = await cli(['run', '--profile', join(plugin, 'device.yaml'), '--out', join(plugin, 'no-plugin-out')]);
    expect(without.code, 'without the plugin folder the section is unknown').to.equal(2);
    expect(without.stderr).to.include('endpoints.echo: unknown field');
  });

  it('changed no file of the repository', function () {
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' })).to.equal(statusBefore);
  });
});
