import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../core/net/loopback.js';
import { parseProfile } from '../../core/profile/load.js';
import { issueCertificate } from '../../adapters/pki/certificates.js';
import { describeCertificate } from '../../adapters/pki/inspect.js';
import { OpcuaProbe, type ChannelOptions } from '../../adapters/opcua/client.js';
import { OpcuaUnreachableError } from '../../adapters/opcua/deadline.js';
import { credentialsFromFiles, ensureHarnessPki } from '../../adapters/opcua/pki.js';
import { testKeyPem } from '../../adapters/pki/store.js';
import { helloExchange, RawUaSession } from '../../adapters/opcua/raw.js';
import { isConnectionLevel, statusFromError } from '../../adapters/opcua/status.js';
import { clientCredentialsFor } from '../../adapters/opcua/target.js';
import { startSimulator } from '../support/both-ways.js';

type Simulator = Awaited<ReturnType<typeof startSimulator>>;

function probeFor(simulator: Simulator): OpcuaProbe {
  const endpoint = simulator.running.profile.endpoints!.opcua!;
  return new OpcuaProbe({ url: endpoint.url, credentials: credentialsFromFiles(endpoint.clientCertificate!, endpoint.clientPrivateKey!), timeoutMs: 5_000 });
}

const account = (simulator: Simulator, role: string) => simulator.running.profile.accounts!.find((candidate) => candidate.role === role)!;
const SECURE: ChannelOptions = { securityPolicy: 'Basic256Sha256', securityMode: 'SignAndEncrypt' };

describe('OPC UA adapter', function () {
  this.timeout(60_000);

  describe('status values', function () {
    it('reads the status of a node-opcua error from its statusCode or its message, as a value', function () {
      expect(statusFromError(new Error('BadUserAccessDenied (0x801f0000)'))).to.deep.equal({ name: 'BadUserAccessDenied', code: 0x801f0000 });
      expect(statusFromError(new Error('The connection has been rejected by server: BadSecurityChecksFailed (0x80130000)'))?.code).to.equal(0x80130000);
      expect(statusFromError(new Error('connect ECONNREFUSED 127.0.0.1:4840'))).to.equal(undefined);
      expect(isConnectionLevel({ name: 'BadConnectionClosed', code: 0x80ae0000 })).to.equal(true);
      expect(isConnectionLevel({ name: 'BadUserAccessDenied', code: 0x801f0000 })).to.equal(false);
    });
  });

  describe('against the hardened PLC', function () {
    let simulator: Simulator;
    before(async function () {
      simulator = await startSimulator('opcua', 'hardened');
    });
    after(async function () {
      await simulator?.cleanup();
    });

    it('takes the endpoint inventory: policies, modes, token policies, certificate and applicationUri', async function () {
      const inventory = await probeFor(simulator).inventory();
      const policies = new Set(inventory.endpoints.map((endpoint) => endpoint.securityPolicy));
      expect([...policies].sort()).to.deep.equal(['Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss', 'Basic256Sha256']);
      expect(inventory.endpoints.map((endpoint) => endpoint.securityMode)).to.not.include('None');
      expect(inventory.endpoints.flatMap((endpoint) => endpoint.userTokens.map((token) => token.tokenType))).to.not.include('Anonymous');
      const [first] = inventory.endpoints;
      expect(first!.applicationUri).to.equal('urn:iec62443-harness:simulated-plc:hardened');
      const facts = describeCertificate(first!.serverCertificateDer!);
      expect(facts.san.uris).to.deep.equal([first!.applicationUri]);
      expect(facts.keyBits).to.equal(2048);
      expect(facts.signatureHash).to.equal('SHA-256');
    });

    it('sends an anonymous token the endpoint does not list, so that the device itself refuses it', async function () {
      const attempt = await probeFor(simulator).attemptSession({ kind: 'anonymous' }, SECURE);
      expect(attempt.accepted).to.equal(false);
      expect(attempt.stage).to.equal('activateSession');
      expect(attempt.status?.name).to.equal('BadIdentityTokenInvalid');
    });

    it('observes the revised session timeout and the device dropping an idle session', async function () {
      this.timeout(40_000);
      const probe = probeFor(simulator);
      const viewer = account(simulator, 'viewer');
      const channel = await probe.openChannel(SECURE);
      try {
        const { attempt, session } = await channel.attemptSession({ kind: 'username', username: viewer.username, password: viewer.password }, 3_600_000);
        // The simulator draws its bound at every start and documents it in its profile.
        const documentedMs = simulator.running.profile.endpoints!.opcua!.idleTimeoutS! * 1000;
        expect(attempt.revisedSessionTimeoutMs).to.equal(documentedMs);
        expect((await session!.read('i=2258')).status.name).to.equal('Good');
        await channel.idleSessionsFor(documentedMs + 2_000);
        expect((await session!.read('i=2258')).status.name).to.equal('BadSessionIdInvalid');
      } finally {
        await channel.close();
      }
    });

    it('reports a refused client certificate at the channel stage, with the device status', async function () {
      const dir = mkdtempSync(join(tmpdir(), 'opcua-adapter-'));
      try {
        const stranger = issueCertificate({ commonName: 'stranger', san: { uris: ['urn:stranger'] } });
        writeFileSync(join(dir, 'cert.pem'), stranger.certPem);
        writeFileSync(join(dir, 'key.pem'), stranger.keyPem);
        const attempt = await probeFor(simulator).attemptSession({ kind: 'anonymous' }, { ...SECURE, credentials: credentialsFromFiles(join(dir, 'cert.pem'), join(dir, 'key.pem')) });
        expect(attempt).to.include({ accepted: false, stage: 'channel' });
        expect(attempt.status?.name).to.equal('BadSecurityChecksFailed');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('exchanges Hello/Acknowledge on a raw connection', async function () {
      const outcome = await helloExchange(simulator.running.profile.endpoints!.opcua!.url, 3_000);
      expect(outcome.kind).to.equal('ack');
      if (outcome.kind === 'ack') expect(outcome.ack.receiveBufferSize).to.be.greaterThan(8191);
    });

    it('opens a None secure channel by hand and calls GetEndpoints on it, byte by byte', async function () {
      const url = simulator.running.profile.endpoints!.opcua!.url;
      const raw = await RawUaSession.open(url, 3_000);
      try {
        expect(raw.channel!.channelId).to.be.greaterThan(0);
        const endpoints = await raw.getEndpoints();
        const viaClient = await probeFor(simulator).inventory();
        expect(endpoints.map((endpoint) => `${endpoint.securityMode}/${endpoint.securityPolicyUri}`)).to.deep.equal(viaClient.endpoints.map((endpoint) => `${endpoint.securityMode}/${endpoint.securityPolicyUri}`));
      } finally {
        raw.close();
      }
    });
  });

  describe('against the weak PLC', function () {
    let simulator: Simulator;
    before(async function () {
      simulator = await startSimulator('opcua', 'weak');
    });
    after(async function () {
      await simulator?.cleanup();
    });

    it('lists the None endpoint with a clear-text UserName policy and the deprecated policies', async function () {
      const inventory = await probeFor(simulator).inventory();
      const none = inventory.endpoints.find((endpoint) => endpoint.securityMode === 'None')!;
      expect(none.userTokens.some((token) => token.tokenType === 'UserName' && !token.securityPolicyUri)).to.equal(true);
      expect(inventory.endpoints.map((endpoint) => endpoint.securityPolicy)).to.include.members(['Basic128Rsa15', 'Basic256']);
      expect(describeCertificate(none.serverCertificateDer!).signatureHash).to.equal('SHA-1');
    });

    it('reads, writes and tells an unknown user from a wrong password by status', async function () {
      const probe = probeFor(simulator);
      const unknown = await probe.attemptSession({ kind: 'username', username: 'nobody', password: 'x' }, SECURE);
      const wrong = await probe.attemptSession({ kind: 'username', username: 'admin', password: 'x' }, SECURE);
      expect([unknown.status?.name, wrong.status?.name]).to.deep.equal(['BadIdentityTokenRejected', 'BadUserAccessDenied']);
      await probe.withSession({ kind: 'anonymous' }, SECURE, async (session) => {
        expect((await session.write('ns=1;s=PLC.Setpoint', 'Double', 61)).name).to.equal('Good');
        expect((await session.read('ns=1;s=PLC.Setpoint')).value).to.equal(61);
      });
    });
  });

  describe('dead targets and the harness PKI', function () {
    it('rejects a closed port as unreachable within the step timeout', async function () {
      const host = '127.0.0.1';
      const probe = new OpcuaProbe({ url: `opc.tcp://${host}:${await freePort(host)}`, credentials: ensureHarnessPki(mkdtempSync(join(tmpdir(), 'opcua-pki-'))).client, timeoutMs: 2_000 });
      const started = Date.now();
      let caught: unknown;
      try {
        await probe.inventory();
      } catch (error) {
        caught = error;
      }
      expect(caught).to.be.instanceOf(OpcuaUnreachableError);
      expect(Date.now() - started).to.be.below(2_000);
      await helloExchange(probe.url, 1_000).then(
        () => expect.fail('a closed port answered Hello'),
        (error: unknown) => expect(error).to.be.instanceOf(OpcuaUnreachableError),
      );
    });

    it('creates its PKI once, reuses it, and names its own certificate on stderr when the profile has none', function () {
      const dir = mkdtempSync(join(tmpdir(), 'opcua-pki-'));
      try {
        const first = ensureHarnessPki(dir);
        const second = ensureHarnessPki(dir);
        expect(first.created).to.equal(true);
        expect(second.created).to.equal(false);
        expect(second.client.thumbprint).to.equal(first.client.thumbprint);
        expect(describeCertificate(new X509Certificate(readFileSync(first.client.certificateFile)).raw).issuer, 'the client certificate is issued by the test CA').to.include('test CA');

        const lines: string[] = [];
        const write = process.stderr.write.bind(process.stderr);
        process.stderr.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
        try {
          const profile = parseProfile({ component: { name: 'x', type: 'embedded-device' }, targetSL: 1, host: '127.0.0.1', endpoints: { opcua: { url: 'opc.tcp://127.0.0.1:4840', pkiDir: dir } } });
          const credentials = clientCredentialsFor(profile);
          expect(credentials.thumbprint).to.equal(first.client.thumbprint);
        } finally {
          process.stderr.write = write;
        }
        // Announced once per process; an earlier test in this process may already have done it.
        expect(lines.length).to.be.at.most(1);
        if (lines.length === 1) expect(lines[0]).to.include(first.client.certificateFile).and.include(first.client.thumbprint);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('keeps the keys of test identities between runs, but issues their certificates afresh each time', function () {
      const dir = mkdtempSync(join(tmpdir(), 'test-keys-'));
      try {
        const key = testKeyPem('self-signed-client', dir);
        const file = join(dir, 'self-signed-client-rsa2048.pem');
        expect(readFileSync(file, 'utf8')).to.equal(key);
        expect(statSync(file).mode & 0o777, 'a private key only its owner reads').to.equal(0o600);
        expect(testKeyPem('self-signed-client', dir)).to.equal(key);
        expect(testKeyPem('unknown-ca', dir), 'each kind of identity has a key of its own').to.not.equal(key);
        const first = issueCertificate({ commonName: 'a', keyPem: key });
        const second = issueCertificate({ commonName: 'a', keyPem: key });
        expect(second.thumbprint, 'a device has never seen the certificate').to.not.equal(first.thumbprint);

        const damaged = mkdtempSync(join(tmpdir(), 'test-keys-'));
        writeFileSync(join(damaged, 'unknown-ca-rsa2048.pem'), '-----BEGIN PRIVATE KEY-----\nhalf a key\n');
        expect(testKeyPem('unknown-ca', damaged), 'a damaged file is replaced').to.include('PRIVATE KEY');
        expect(readFileSync(join(damaged, 'unknown-ca-rsa2048.pem'), 'utf8')).to.include('PRIVATE KEY');
        rmSync(damaged, { recursive: true, force: true });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
