import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type Server } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { freePort, randomLoopbackHost } from '../../core/net/loopback.js';
import { parseProfile } from '../../core/profile/load.js';
import { ensureSimulatorImage, startSimulatorContainer, type SimulatorContainer } from '../../harness/simulation/container.js';
import { harnessContainers, skipWithoutEngine } from './engine.js';

const HOLD_SIMULATOR = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'hold-simulator.ts');

/** Every string in the profile that names a file below the container's work folder. */
function pathsUnder(value: unknown, folder: string): string[] {
  if (typeof value === 'string') return value.startsWith(`${folder}/`) ? [value] : [];
  if (Array.isArray(value)) return value.flatMap((item) => pathsUnder(item, folder));
  if (value && typeof value === 'object') return Object.values(value).flatMap((item) => pathsUnder(item, folder));
  return [];
}

describe('simulator containers: the programmatic API', function () {
  this.timeout(180_000);
  let image: string;

  before(async function () {
    this.timeout(900_000);
    await skipWithoutEngine(this);
    image = await ensureSimulatorImage();
  });

  after(function () {
    if (image) expect(harnessContainers(process.pid), 'containers of this test process left behind').to.deep.equal([]);
  });

  describe('a Modbus/TCP Security simulator started with a chosen profile', function () {
    let simulator: SimulatorContainer;

    before(async function () {
      simulator = await startSimulatorContainer({ kind: 'modbus', profile: 'secure' });
    });
    after(async function () {
      await simulator?.stop();
    });

    it('reports its endpoint and a device profile the harness accepts', function () {
      const profile = parseProfile(simulator.profile, 'modbus/secure in a container');
      expect(profile.host).to.equal(simulator.host);
      expect(simulator.endpoints.modbus?.tls).to.equal(true);
      expect(simulator.ports).to.include(simulator.endpoints.modbus!.port);
      expect(simulator.profile.simulator).to.deep.include({ kind: 'modbus', profile: 'secure' });
    });

    it('names PKI files that exist on the host at the paths the container wrote them', function () {
      const paths = pathsUnder(simulator.profile, simulator.workDir);
      expect(paths, 'certificate and key paths in the profile').to.have.length.greaterThan(0);
      for (const path of paths) expect(existsSync(path), path).to.equal(true);
    });

    it('completes a mutual TLS handshake with the client certificate the profile names', async function () {
      const modbus = simulator.endpoints.modbus!;
      const peer = await new Promise<string>((resolve, reject) => {
        const socket = tlsConnect({
          host: simulator.host,
          port: modbus.port,
          ca: readFileSync(modbus.caCertificate!),
          cert: readFileSync(modbus.clientCertificate!),
          key: readFileSync(modbus.clientPrivateKey!),
          timeout: 10_000,
        });
        socket.once('secureConnect', () => {
          const subject = socket.getPeerCertificate().subject?.CN ?? '';
          socket.destroy();
          resolve(`${socket.authorized ? 'authorized' : `unauthorized (${String(socket.authorizationError)})`} ${subject}`);
        });
        socket.once('timeout', () => socket.destroy(new Error('no TLS handshake within 10 s')));
        socket.once('error', reject);
      });
      expect(peer).to.match(/^authorized /);
    });

    it('stop() removes the container and its work folder', async function () {
      const { containerId, workDir } = simulator;
      expect(harnessContainers(process.pid)).to.include(containerId);
      await simulator.stop();
      expect(harnessContainers(process.pid)).not.to.include(containerId);
      expect(existsSync(workDir)).to.equal(false);
      await simulator.stop();
    });
  });

  it('refuses an unknown kind or profile before starting anything, naming what exists', async function () {
    const kind = await startSimulatorContainer({ kind: 'profinet' }).then(() => undefined, (error: Error) => error.message);
    expect(kind).to.match(/unknown simulator "profinet"; built in: .*modbus/);
    const profile = await startSimulatorContainer({ kind: 'modbus', profile: 'paranoid' }).then(() => undefined, (error: Error) => error.message);
    expect(profile).to.match(/no profile "paranoid" \(it has .*hardened/);
    expect(harnessContainers(process.pid)).to.deep.equal([]);
  });

  describe('a simulator that cannot start', function () {
    const host = randomLoopbackHost();
    let blocker: Server;
    let port: number;

    before(async function () {
      port = await freePort(host);
      blocker = createServer((socket) => socket.destroy());
      await new Promise<void>((resolve) => blocker.listen(port, host, resolve));
    });
    after(() => blocker.close());

    it('gives an error with what the container printed, and leaves no container behind', async function () {
      const message = await startSimulatorContainer({ kind: 'modbus', profile: 'hardened', host, port }).then(
        (started) => started.stop().then(() => 'started although the port was taken'),
        (error: Error) => error.message,
      );
      expect(message).to.include('did not become ready').and.include('EADDRINUSE');
      expect(harnessContainers(process.pid)).to.deep.equal([]);
    });
  });

  it('Ctrl-C in a script that holds a simulator container removes it, and the script still ends by the signal', async function () {
    const script = spawn(process.execPath, ['--import', 'tsx', HOLD_SIMULATOR, 'modbus', 'weak'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    script.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    script.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => script.once('exit', (code, signal) => resolve({ code, signal })));
    for (let waited = 0; !output.includes('holding '); waited += 100) {
      if (waited > 120_000 || script.exitCode !== null) throw new Error(`the script did not start its container:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(harnessContainers(script.pid)).to.have.length(1);
    script.kill('SIGINT');
    expect(await ended, output).to.deep.equal({ code: null, signal: 'SIGINT' });
    expect(harnessContainers(script.pid), 'containers left after Ctrl-C').to.deep.equal([]);
  });

  it('an aborted start rejects and removes the container it had created', async function () {
    const controller = new AbortController();
    const starting = startSimulatorContainer({ kind: 'modbus', profile: 'weak', signal: controller.signal }).then(
      (started) => started.stop().then(() => 'started although aborted'),
      (error: Error) => error.message,
    );
    for (let waited = 0; harnessContainers(process.pid).length === 0; waited += 100) {
      if (waited > 60_000) throw new Error('no container was created within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    controller.abort(new Error('test abort'));
    expect(await starting).to.include('interrupted');
    expect(harnessContainers(process.pid)).to.deep.equal([]);
  });
});
