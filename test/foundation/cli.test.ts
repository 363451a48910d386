import { expect } from 'chai';
import { createServer, type Server } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { freePort, randomLoopbackHost } from '../../core/net/loopback.js';
import { cli } from '../support/harness-cli.js';

function filesUnder(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as Array<{ isFile(): boolean; parentPath?: string; path?: string; name: string }>)
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path ?? dir, entry.name));
}

describe('iec62443-harness CLI', function () {
  this.timeout(90_000);
  const work = mkdtempSync(join(tmpdir(), 'cli-test-'));
  const host = randomLoopbackHost();
  let server: Server;
  let port: number;

  before(async function () {
    port = await freePort(host);
    server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(port, host, resolve));
  });
  after(() => server.close());

  const writeProfile = (name: string, text: string) => {
    const path = join(work, name);
    writeFileSync(path, text);
    return path;
  };

  it('catalog --json lists 73 base requirements and 49 enhancements with their checks', async function () {
    const { code, stdout } = await cli(['catalog', '--json']);
    expect(code).to.equal(0);
    const { requirements } = JSON.parse(stdout) as { requirements: Array<{ id: string; kind: string; checks: Array<{ id: string }> }> };
    expect(requirements.filter((item) => item.kind === 'base')).to.have.length(73);
    expect(requirements.filter((item) => item.kind === 'enhancement')).to.have.length(49);
    expect(requirements.find((item) => item.id === 'CR 7.7')!.checks.map((check) => check.id)).to.include('tcp.least-functionality.open-ports');
  });

  it('exits 2 naming the field for a misspelt profile field, and writes nothing', async function () {
    const profile = writeProfile('misspelt.yaml', `component: {name: x, type: embedded-device}\ntargetSL: 2\nhost: ${host}\nopenPort: [${port}]\n`);
    const out = join(work, 'never-written');
    const { code, stderr } = await cli(['run', '--profile', profile, '--out', out]);
    expect(code).to.equal(2);
    expect(stderr).to.include('openPort: unknown field');
    expect(existsSync(out)).to.equal(false);
  });

  it('exits 2 naming the field for a wrong type, without printing the password', async function () {
    const profile = writeProfile('wrongtype.yaml', `component: {name: x, type: plc}\ntargetSL: 2\nhost: ${host}\naccounts: [{role: admin, username: a, password: Sup3rSecret!}]\ndisruptive: maybe\n`);
    const { code, stderr } = await cli(['run', '--profile', profile]);
    expect(code).to.equal(2);
    expect(stderr).to.include('component.type').and.include('disruptive');
    expect(stderr).not.to.include('Sup3rSecret!');
  });

  it('exits 2 on unknown flags and bad flag values, naming them', async function () {
    expect((await cli(['run', '--proflie', 'x.yaml'])).stderr).to.include("'--proflie'");
    const sl = await cli(['run', '--sl', '7']);
    expect(sl.code).to.equal(2);
    expect(sl.stderr).to.include('--sl');
    const only = await cli(['run', '--only', 'CR 1.99']);
    expect(only.code).to.equal(2);
    expect(only.stderr).to.include('"CR 1.99"');
  });

  it('exits 2 naming the field when host is not one literal address or name, and writes nothing', async function () {
    const out = join(work, 'never-written-host');
    for (const [name, value] of [['list', `${host},${host}`], ['range', '127.0.0.0/8'], ['url', `https://${host}`], ['port', `${host}:502`], ['wildcard', '127.0.0.*']] as const) {
      const profile = writeProfile(`host-${name}.yaml`, `component: {name: x, type: embedded-device}\ntargetSL: 1\nhost: "${value}"\n`);
      const { code, stderr } = await cli(['run', '--profile', profile, '--out', out]);
      expect(code, `${name}: ${stderr}`).to.equal(2);
      expect(stderr, name).to.match(/ - host: must/);
    }
    expect(existsSync(out)).to.equal(false);
  });

  it('exits 2 naming scan.controlHost when it is not a loopback address, unless --allow-control-host is given', async function () {
    const closed = await freePort(host);
    // Nothing answers on the component, so the control address is never sent anything, even when allowed.
    const profile = writeProfile('control-host.yaml', `component: {name: x, type: embedded-device}\ntargetSL: 1\nhost: ${host}\nscan: {ports: "${closed}", controlHost: 192.0.2.7}\n`);
    const out = join(work, 'control-host');
    const refused = await cli(['run', '--profile', profile, '--out', out, '--only', 'CR 7.7', '--allure', 'none']);
    expect(refused.code, refused.stderr).to.equal(2);
    expect(refused.stderr).to.include('scan.controlHost').and.include('--allow-control-host');
    expect(existsSync(out)).to.equal(false);
    const allowed = await cli(['run', '--profile', profile, '--out', out, '--only', 'CR 7.7', '--allure', 'none', '--allow-control-host']);
    expect(allowed.code, allowed.stderr).to.equal(0);
  });

  it('exits 2 naming --disruptive for --replay without it, before touching the device', async function () {
    const profile = writeProfile('replay.yaml', `component: {name: x, type: embedded-device}\ntargetSL: 1\nhost: ${host}\nendpoints: {modbus: {port: ${port}}}\n`);
    const { code, stderr } = await cli(['run', '--profile', profile, '--replay', 'modbus:function.unknown-0x19']);
    expect(code, stderr).to.equal(2);
    expect(stderr).to.include('--replay').and.include('--disruptive');
  });

  it('runs a profile, writes every report, and keeps its passwords out of them', async function () {
    const profile = writeProfile(
      'listener.yaml',
      `component: {name: Listener, type: embedded-device}\ntargetSL: 2\nhost: ${host}\nopenPorts: [${port}]\naccounts: [{role: admin, username: admin, password: "\${CLI_TEST_PASSWORD}"}]\nscan: {ports: "1-1024,${port}"}\n`,
    );
    const out = join(work, 'out');
    const { code, stdout, stderr } = await cli(['run', '--profile', profile, '--out', out, '--bundle'], { env: { CLI_TEST_PASSWORD: 'Corr3ct-H0rse-Battery' } });
    expect(code, stderr).to.equal(0);
    expect(stdout).to.include(join(out, 'compliance.md'));
    expect(stderr).to.match(/✔ pass +\[\d+\/\d+\] CR 7\.7 .*\(tcp\.least-functionality\.open-ports on network, /);
    for (const name of ['compliance.json', 'compliance.md', 'compliance.html', 'junit.xml', 'results.sarif', join('allure-report', 'index.html'), 'evidence-bundle.tar.gz']) {
      expect(existsSync(join(out, name)), name).to.equal(true);
    }
    const document = JSON.parse(readFileSync(join(out, 'compliance.json'), 'utf8')) as { requirements: Array<{ id: string; verdict: string }>; harness: { name: string } };
    expect(document.harness.name).to.equal('iec62443-harness');
    expect(document.requirements.find((requirement) => requirement.id === 'CR 7.7')!.verdict).to.equal('pass');
    const files = filesUnder(out);
    expect(files.length).to.be.greaterThan(8);
    for (const file of files) {
      const bytes = readFileSync(file);
      const plain = file.endsWith('.gz') ? gunzipSync(bytes) : bytes;
      expect(plain.includes('Corr3ct-H0rse-Battery'), `${file} holds the password`).to.equal(false);
    }
    const verified = await cli(['verify', join(out, 'evidence-bundle.tar.gz')]);
    expect(verified.code, verified.stdout).to.equal(0);
    // A second run into the same folder extends the Allure history, which the report turns into trend charts.
    const again = await cli(['run', '--profile', profile, '--out', out], { env: { CLI_TEST_PASSWORD: 'Corr3ct-H0rse-Battery' } });
    expect(again.code, again.stderr).to.equal(0);
    expect(readFileSync(join(out, 'history.jsonl'), 'utf8').trim().split('\n')).to.have.length(2);
  });

  it('exits 3 quickly and still writes the report when the declared ports are closed', async function () {
    const closed = await freePort(host);
    const profile = writeProfile('closed.yaml', `component: {name: Dead, type: embedded-device}\ntargetSL: 1\nhost: ${host}\nopenPorts: [${closed}]\nendpoints: {opcua: {url: "opc.tcp://${host}:${closed}"}, modbus: {port: ${closed}}}\n`);
    const out = join(work, 'dead');
    const { code, stderr } = await cli(['run', '--profile', profile, '--out', out, '--allure', 'none'], { timeoutMs: 60_000 });
    expect(code, stderr).to.equal(3);
    expect(stderr).to.include('target unreachable');
    const document = JSON.parse(readFileSync(join(out, 'compliance.json'), 'utf8')) as { scope: { unreachable?: string } };
    expect(document.scope.unreachable).to.include(`${closed} closed`);
  });
});
