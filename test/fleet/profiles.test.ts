import { expect } from 'chai';
import { createServer, type Server, type Socket } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, randomLoopbackHost } from '../../core/net/loopback.js';
import { listProfiles, parseShard, shardOf, worstExitCode, type ChildRun } from '../../harness/run/multi.js';
import { cli, startCli, waitForOutput } from './harness-cli.js';

describe('run --profiles: shards, exit codes and usage', function () {
  this.timeout(120_000);
  const work = mkdtempSync(join(tmpdir(), 'fleet-profiles-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  it('--shard k/n: the n slices of a sorted list are contiguous, differ in size by at most one, and cover each profile once', function () {
    expect(parseShard('2/5')).to.deep.equal({ index: 2, count: 5 });
    for (const bad of ['0/2', '3/2', '1/0', '1', 'a/b', '1/2/3', '-1/2']) expect(parseShard(bad), bad).to.equal(undefined);
    for (let size = 0; size <= 9; size++) {
      const items = Array.from({ length: size }, (_, index) => index);
      for (let count = 1; count <= 5; count++) {
        const slices = Array.from({ length: count }, (_, index) => shardOf(items, { index: index + 1, count }));
        expect(slices.flat(), `${size} items in ${count} shards`).to.deep.equal(items);
        const sizes = slices.map((slice) => slice.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).to.be.at.most(1);
      }
    }
    expect(shardOf(['a', 'b', 'c', 'd', 'e'], { index: 2, count: 2 })).to.deep.equal(['c', 'd', 'e']);
  });

  it('lists the profiles of a folder by name and refuses two that would share an output folder', function () {
    const dir = join(work, 'list');
    mkdirSync(dir);
    for (const name of ['plc-10.yaml', 'gw.yml', 'hmi.json', 'notes.txt', 'Plc-2.YAML']) writeFileSync(join(dir, name), '');
    mkdirSync(join(dir, 'sub.yaml'));
    expect(listProfiles(dir).map((entry) => entry.name)).to.deep.equal(['Plc-2', 'gw', 'hmi', 'plc-10']);
    writeFileSync(join(dir, 'gw.json'), '');
    expect(() => listProfiles(dir)).to.throw('two profiles in');
  });

  it('exits with the worst of its children: 3 for errors before 1 for failures, 130 when interrupted', function () {
    const run = (status: ChildRun['status']): ChildRun => ({ name: status, file: '', outDir: '', status });
    expect(worstExitCode([run('passed'), run('passed')], false)).to.equal(0);
    expect(worstExitCode([run('passed'), run('failed')], false)).to.equal(1);
    expect(worstExitCode([run('failed'), run('error')], false)).to.equal(3);
    expect(worstExitCode([run('failed'), run('not started')], true)).to.equal(130);
  });

  it('a profile a child cannot use is that child\'s error (exit 3 overall), with its message under its name', async function () {
    const dir = join(work, 'broken');
    mkdirSync(dir);
    writeFileSync(join(dir, 'broken.yaml'), stringify({ component: { name: 'x', type: 'toaster' }, targetSL: 2, host: '127.0.0.1' }));
    const { code, output } = await cli(['run', '--profiles', dir, '--out', join(work, 'broken-out'), '--allure', 'none']);
    expect(code, output).to.equal(3);
    expect(output).to.match(/^\[broken\] error: .*invalid device profile/m);
    expect(output).to.match(/^\[broken\] .*component\.type/m);
    expect(output).to.match(/broken\s+error\s+no report written/);
    expect(output).to.include('error broken (exit 2)');
  });

  it('usage errors exit 2 and name the flag', async function () {
    const dir = join(work, 'usage');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.yaml'), '');
    const empty = join(work, 'empty');
    mkdirSync(empty);
    const cases: Array<[string[], string]> = [
      [['run', '--profiles', dir, '--shard', '3/2'], '--shard must be K/N'],
      [['run', '--profiles', dir, '--concurrency', '0'], '--concurrency must be'],
      [['run', '--shard', '1/2'], '--shard goes with --profiles'],
      [['run', '--profiles', dir, '--profile', join(dir, 'a.yaml')], '--profile cannot go with --profiles'],
      [['run', '--profiles', empty], 'holds no device profile'],
      [['run', '--profiles', join(work, 'missing')], '--profiles: cannot read the folder'],
      [['fleet'], 'fleet needs at least one folder'],
      [['fleet', join(work, 'missing')], 'cannot read'],
      [['fleet', dir, '--as-of', 'last tuesday'], '--as-of must be'],
      [['catalog', '--format', 'pdf'], '--format must be text, json or md'],
    ];
    for (const [args, message] of cases) {
      const { code, output } = await cli(args);
      expect(code, `${args.join(' ')}\n${output}`).to.equal(2);
      expect(output, args.join(' ')).to.include(message);
    }
    expect(existsSync(join(process.cwd(), 'reports', 'latest', 'a'))).to.equal(false);
  });
});

describe('run --profiles: Ctrl-C reaches every running child once, and each still writes its report', function () {
  this.timeout(120_000);
  const work = mkdtempSync(join(tmpdir(), 'fleet-interrupt-'));
  const host = randomLoopbackHost();
  const sockets = new Set<Socket>();
  // A hostile target: accepts TCP connections and never answers, so a TLS check waits until it is stopped.
  const tarpit: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });

  before(async function () {
    const port = await freePort(host);
    await new Promise<void>((resolve) => tarpit.listen(port, host, resolve));
    mkdirSync(join(work, 'profiles'));
    for (const name of ['plc-a', 'plc-b', 'plc-c']) {
      writeFileSync(
        join(work, 'profiles', `${name}.yaml`),
        stringify({
          component: { name, vendor: 'Acme', type: 'embedded-device' },
          targetSL: 2,
          host,
          endpoints: { tls: [{ name: 'web', port }] },
          openPorts: [port],
          timeouts: { requestMs: 60_000, checkMs: 90_000 },
        }),
      );
    }
  });
  after(function () {
    for (const socket of sockets) socket.destroy();
    tarpit.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('stops starting profiles, forwards SIGINT, exits 130, and the running children leave interrupted reports', async function () {
    const out = join(work, 'out');
    const run = startCli(['run', '--profiles', join(work, 'profiles'), '--concurrency', '2', '--out', out, '--only', 'CR 4.3', '--allure', 'none']);
    await waitForOutput(run, /\[plc-a\] .*tls\.cryptography/, 60_000);
    await waitForOutput(run, /\[plc-b\] .*tls\.cryptography/, 60_000);
    run.child.kill('SIGINT');
    const code = await run.exited;
    const output = run.output();
    expect(code, output).to.equal(130);
    for (const name of ['plc-a', 'plc-b']) {
      const document = JSON.parse(readFileSync(join(out, name, 'compliance.json'), 'utf8')) as { scope: { interrupted?: string }; requirements: Array<{ id: string; verdict: string }> };
      expect(document.scope.interrupted, name).to.equal('interrupted by the user');
      expect(document.requirements.find((requirement) => requirement.id === 'CR 4.3')!.verdict, name).to.equal('not-tested');
      expect(output).to.include(`interrupted ${name} (exit 130)`);
    }
    // A second SIGINT would have made the children quit without a report; one reached each of them.
    expect(output.match(/interrupted: stopping the running check/g) ?? []).to.have.length(2);
    expect(existsSync(join(out, 'plc-c'))).to.equal(false);
    expect(output).to.match(/plc-c\s+not started/);
  });
});
