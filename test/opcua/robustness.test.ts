import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server as NetServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { OpcuaProbe } from '../../adapters/opcua/client.js';
import { OPCUA_CASE_IDS } from '../../adapters/opcua/fuzz.js';
import { flippedValue, flipVariantValue, TamperProxy } from '../../adapters/opcua/mitm.js';
import { credentialsFromFiles } from '../../adapters/opcua/pki.js';
import { helloExchange } from '../../adapters/opcua/raw.js';
import { parseProfile } from '../../core/profile/load.js';
import type { ProfileInput } from '../../core/profile/schema.js';
import { replayCase, UnknownCaseError } from '../../harness/replay/index.js';
import { discoverChecks } from '../../harness/run/discover.js';
import { executeCheck } from '../../harness/run/execute.js';
import { parseIdentification } from '../../reports/fleet/inventory.js';
import { randomLoopbackHost } from '../../core/net/loopback.js';
import { PLC_NODES, startOpcuaSimulator } from '../../simulators/opcua/index.js';
import { startSimulator } from '../support/both-ways.js';
import { cli } from '../support/harness-cli.js';

type Simulator = Awaited<ReturnType<typeof startSimulator>>;

const quick = { connectTimeoutMs: 2_000, requestTimeoutMs: 2_000 };
const replayOptions = (signal = new AbortController().signal) => ({ connectTimeoutMs: 2_000, requestTimeoutMs: 2_000, signal, log: () => undefined });

async function check(id: string) {
  const found = (await discoverChecks()).find((entry) => entry.check.id === id);
  if (!found) throw new Error(`no check ${id}`);
  return found.check;
}

function probeFor(simulator: Simulator, url?: string): OpcuaProbe {
  const endpoint = simulator.running.profile.endpoints!.opcua!;
  return new OpcuaProbe({ url: url ?? endpoint.url, credentials: credentialsFromFiles(endpoint.clientCertificate!, endpoint.clientPrivateKey!), timeoutMs: 5_000 });
}

const operator = (simulator: Simulator) => {
  const account = simulator.running.profile.accounts!.find((candidate) => candidate.role === 'operator')!;
  return { kind: 'username' as const, username: account.username, password: account.password };
};

/** New TCP connections the simulated PLC accepts from now on. */
function countConnections(simulator: Simulator): { count: () => number; stop: () => void } {
  const netServer = (simulator.running as unknown as { plc: { server: { endpoints: Array<{ _server: NetServer }> } } }).plc.server.endpoints[0]!._server;
  let count = 0;
  const onConnection = (_socket: Socket) => count++;
  netServer.on('connection', onConnection);
  return { count: () => count, stop: () => netServer.off('connection', onConnection) };
}

describe('OPC UA robustness, replay and evidence', function () {
  this.timeout(120_000);
  let hardened: Simulator;
  let weak: Simulator;
  before(async function () {
    [hardened, weak] = await Promise.all([startSimulator('opcua', 'hardened'), startSimulator('opcua', 'weak')]);
  });
  after(async function () {
    await Promise.all([hardened?.cleanup(), weak?.cleanup()]);
  });

  describe('run --replay with an OPC UA case id', function () {
    it('replays a Hello case on the hardened PLC: refused with an Error message and still answering', async function () {
      const outcome = await replayCase(parseProfile(hardened.running.profile), 'opcua:hello.zero-receive-buffer', replayOptions());
      expect(outcome.protocol).to.equal('opcua');
      expect(outcome.sent).to.match(/^48454c46/, 'the Hello bytes, as hex');
      expect(outcome.observed).to.match(/^Error Bad/);
      expect(outcome.handledCorrectly).to.equal(true);
      expect(outcome.aliveAfter).to.equal(true);
    });

    it('finds a bare case id in the OPC UA corpus and shows that the weak PLC stops answering after it', async function () {
      const outcome = await replayCase(parseProfile(weak.running.profile), 'hello.zero-receive-buffer', replayOptions());
      expect(outcome.caseId).to.equal('hello.zero-receive-buffer');
      expect(outcome.aliveAfter).to.equal(false);
      // The watchdog brings the weak stack back; wait for it so the next test finds it serving.
      const until = Date.now() + 10_000;
      while (Date.now() < until) {
        const answer = await helloExchange(weak.running.profile.endpoints!.opcua!.url, 1_000).catch(() => undefined);
        if (answer?.kind === 'ack') break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    });

    it('replays a write case: the weak PLC takes a value far outside the setpoint range, which is put back afterwards', async function () {
      const outcome = await replayCase(parseProfile(weak.running.profile), 'opcua:write.out-of-range', replayOptions());
      expect(outcome.handledCorrectly).to.equal(false);
      expect(outcome.observed).to.equal('Write answered Good (0x00000000)');
      expect(outcome.sent).to.include(PLC_NODES.setpoint).and.include('range 0..100');
      const after = await probeFor(weak).withSession(operator(weak), { securityPolicy: 'Basic256Sha256', securityMode: 'SignAndEncrypt' }, (session) => session.read(PLC_NODES.setpoint));
      expect(after.value).to.equal(60);
      const refused = await replayCase(parseProfile(hardened.running.profile), 'opcua:write.out-of-range', replayOptions());
      expect(refused.observed).to.equal('Write answered BadOutOfRange (0x803c0000)');
      expect(refused.handledCorrectly).to.equal(true);
    });

    it('refuses a case id no corpus holds, without touching the device', async function () {
      const error = await replayCase(parseProfile(hardened.running.profile), 'opcua:no.such-case', replayOptions()).catch((caught: unknown) => caught);
      expect(error).to.be.instanceOf(UnknownCaseError);
      expect(OPCUA_CASE_IDS).to.include.members(['hello.zero-receive-buffer', 'frame.above-negotiated-size', 'frame.truncated-chunk', 'service.truncated-request', 'write.wrong-type', 'write.out-of-range']);
    });

    it('the CLI prints the bytes, the expectation and the answer, and exits 0 for a case handled correctly', async function () {
      const work = mkdtempSync(join(tmpdir(), 'opcua-replay-'));
      try {
        const file = join(work, 'hardened.yaml');
        writeFileSync(file, stringify(hardened.running.profile));
        const result = await cli(['run', '--profile', file, '--replay', 'opcua:frame.above-negotiated-size', '--disruptive']);
        expect(result.code, result.output).to.equal(0);
        expect(result.stdout).to.include('opcua:frame.above-negotiated-size').and.include('sent:     4d534746').and.include('observed: Error BadTcpMessageTooLarge').and.include('handled correctly');
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    });
  });

  describe('CR 7.1 storm', function () {
    it('stops sending as soon as the run is interrupted, and the check ends without a verdict', async function () {
      // The ramp's first step runs at a quarter of the cap: 200/s, as before the ramp.
      const input: ProfileInput = { ...structuredClone(hardened.running.profile), load: { ratePerSecond: 800, durationMs: 60_000, sampleIntervalMs: 100, lossTolerance: 0.1 } };
      const controller = new AbortController();
      const connections = countConnections(hardened);
      try {
        const result = await executeCheck(await check('opcua.availability.handshake-storm'), parseProfile(input), {
          disruptive: true,
          settings: quick,
          signal: controller.signal,
          onLog: (line) => {
            // Interrupted once the storm is under way (the monitor's baseline is over).
            if (/Hello \+ OpenSecureChannel storm/.test(line)) setTimeout(() => controller.abort(), 1_500);
          },
        });
        expect(result.status, result.message).to.be.oneOf(['error', 'not-tested']);
        expect(result.message).to.match(/interrupted/);
        const atReturn = connections.count();
        expect(atReturn, 'the storm had started').to.be.greaterThan(50);
        // Connections already in flight at the abort may still land; after that, nothing new may start.
        await new Promise((resolve) => setTimeout(resolve, 500));
        const settled = connections.count();
        expect(settled - atReturn, 'connections that landed after the check returned').to.be.at.most(16);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        expect(connections.count(), 'connections once the storm had settled').to.equal(settled);
      } finally {
        connections.stop();
      }
    });
  });

  describe('CR 7.8 evidence for the fleet inventory', function () {
    it('states BuildInfo as labelled values that the fleet report reads as vendor, model and firmware', async function () {
      const result = await executeCheck(await check('opcua.inventory.build-info'), parseProfile(hardened.running.profile), { settings: quick });
      expect(result.status, result.observed ?? result.message).to.equal('pass');
      expect(result.observed).to.include('ManufacturerName="iec62443-harness"').and.include('BuildNumber="2024.11.3-17"').and.include('BuildDate="2024-11-03T10:00:00.000Z"');
      expect(parseIdentification(result.observed!)).to.deep.equal({ vendor: 'iec62443-harness', model: 'Simulated OPC UA PLC', firmware: '1.0.0-hardened' });
    });

    it('reads what the weak PLC does report, and leaves out what it reports empty', async function () {
      const result = await executeCheck(await check('opcua.inventory.build-info'), parseProfile(weak.running.profile), { settings: quick });
      expect(result.status).to.equal('fail');
      expect(parseIdentification(result.observed!)).to.deep.equal({ model: 'Simulated OPC UA PLC' });
    });
  });

  describe('CR 1.1 with anonymous access declared read-only', function () {
    it('passes a PLC whose anonymous sessions read but cannot write, where the plain CR 1.1 check would fail it', async function () {
      const workDir = mkdtempSync(join(tmpdir(), 'opcua-anonymous-'));
      const readOnly = await startOpcuaSimulator({ profile: 'hardened', host: randomLoopbackHost(), workDir, settings: { anonymousReadOnly: true } });
      try {
        const declared: ProfileInput = structuredClone(readOnly.profile);
        declared.endpoints!.opcua!.anonymousAccess = 'read-only';
        const allowed = await executeCheck(await check('opcua.authentication.anonymous-read-only'), parseProfile(declared), { settings: quick });
        expect(allowed.status, allowed.observed ?? allowed.message).to.equal('pass');
        expect(allowed.observed).to.match(/^an anonymous session reads and may write none of (\d+) variables \(\1 variables: \1 judged from UserAccessLevel; nothing written \(no writeProbes in the profile, run not disruptive\)\)/);
        const undeclared = await executeCheck(await check('opcua.authentication.anonymous-session-refused'), parseProfile(readOnly.profile), { settings: quick });
        expect(undeclared.status).to.equal('fail');
      } finally {
        await readOnly.stop();
        rmSync(workDir, { recursive: true, force: true });
      }
    });
  });

  describe('CR 3.5 with a lenient but harmless server', function () {
    it('passes a PLC that acknowledges an over-long Hello URL and stays well, naming the case and its replay command', async function () {
      const workDir = mkdtempSync(join(tmpdir(), 'opcua-lenient-'));
      const lenient = await startOpcuaSimulator({ profile: 'hardened', host: randomLoopbackHost(), workDir, settings: { lenientHelloUrl: true } });
      try {
        const result = await executeCheck(await check('opcua.robustness.malformed-messages'), parseProfile(lenient.profile), { disruptive: true, settings: quick });
        expect(result.status, result.observed ?? result.message).to.equal('pass');
        expect(result.observed).to.match(/came to no harm from any of the \d+ malformed messages: \d+ refused cleanly, 1 tolerated/);
        expect(result.observed).to.match(
          /observation: 1 lenient but harmless answers .*hello\.url-too-long: .*\(replay: iec62443-harness run --profile <profile> --disruptive --replay opcua:hello\.url-too-long\)/,
        );
        const deviations = (result.details as { deviations: Array<{ id: string; answer: string; aliveAfter: boolean }> }).deviations;
        expect(deviations.map((entry) => [entry.id, entry.answer, entry.aliveAfter])).to.deep.equal([['hello.url-too-long', 'response', true]]);
        // The same case replayed alone is an observation too, not a failure.
        const outcome = await replayCase(parseProfile(lenient.profile), 'opcua:hello.url-too-long', replayOptions());
        expect(outcome).to.include({ handledCorrectly: false, harmlessDeviation: true, aliveAfter: true });
      } finally {
        await lenient.stop();
        rmSync(workDir, { recursive: true, force: true });
      }
    });
  });

  describe('CR 3.1', function () {
    it('the tampering relay passes clean traffic unchanged and alters exactly the value bit it is armed for', async function () {
      const url = hardened.running.profile.endpoints!.opcua!.url;
      const proxy = await TamperProxy.start(url, { connectTimeoutMs: 2_000 });
      try {
        const relayed = probeFor(hardened, proxy.url(url));
        const channel = { securityPolicy: 'Basic256Sha256' as const, securityMode: 'Sign' as const };
        const read = await relayed.withSession(operator(hardened), channel, (session) => session.read(PLC_NODES.setpoint));
        expect(read.value).to.equal(60);
        expect(proxy.records).to.deep.equal([]);
        expect(proxy.relayedChunks).to.be.greaterThan(3);
        const tamper = flipVariantValue('Double', 60);
        const chunk = Buffer.concat([Buffer.from('MSGF'), Buffer.alloc(20), Buffer.from([0x0b]), Buffer.from(new Float64Array([60]).buffer), Buffer.alloc(32)]);
        const changed = tamper(chunk)!;
        expect(changed.chunk.length).to.equal(chunk.length);
        expect(changed.chunk.readDoubleLE(25)).to.equal(flippedValue('Double', 60)).and.not.equal(60);
        expect(tamper(Buffer.concat([Buffer.from('OPNF'), chunk.subarray(4)]))).to.equal(undefined);
      } finally {
        await proxy.close();
      }
    });

    it('a None endpoint declared for discovery only still fails when it serves sessions', async function () {
      const input: ProfileInput = structuredClone(weak.running.profile);
      input.endpoints!.opcua!.discoveryOnlyNone = true;
      const result = await executeCheck(await check('opcua.integrity.signed-endpoints-only'), parseProfile(input), { settings: quick });
      expect(result.status).to.equal('fail');
      expect(result.observed).to.match(/declared for discovery only serves sessions/);
    });
  });
});
