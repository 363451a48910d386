import { expect } from 'chai';
import { createServer, type Server, type Socket } from 'node:net';
import ssh2 from 'ssh2';
import { collectHostKeys, parseHostKeyBlob } from '../../adapters/ssh/host-keys.js';
import { attemptPasswordLogin, observeIdleSession } from '../../adapters/ssh/login.js';
import { gradeHostKey, gradeOffer } from '../../adapters/ssh/policy.js';
import { readServerHello, type KexInit } from '../../adapters/ssh/wire.js';
import { randomLoopbackHost } from '../../core/net/loopback.js';
import { ed25519HostKey } from '../../simulators/ssh/keys.js';
import { startSimulator } from '../support/both-ways.js';

/** The SSH adapter over real sockets: against the simulator's profiles, hand-made servers and hostile peers. */

interface SshDescription {
  endpoints: { ssh: { port: number; banner?: string; idleTimeoutS: number; lockout: { threshold: number; durationS: number } } };
  accounts: Array<{ role: string; username: string; password: string }>;
}

const describeOf = (profile: unknown) => profile as SshDescription;

function listen(server: Server, host: string): Promise<number> {
  return new Promise((resolve) => server.listen(0, host, () => resolve((server.address() as { port: number }).port)));
}

const emptyOffer: KexInit = {
  kex: [],
  hostKey: [],
  ciphersClientToServer: [],
  ciphersServerToClient: [],
  macsClientToServer: [],
  macsServerToClient: [],
  compressionClientToServer: [],
  compressionServerToClient: [],
  firstKexPacketFollows: false,
};

describe('SSH adapter: algorithm policy', function () {
  it('grades SHA-1 key exchange, SHA-1 and DSA signatures, CBC, 3DES, arcfour, hmac-md5 and hmac-sha1-96 as weak, and leaves signalling names out', function () {
    const verdicts = gradeOffer({
      ...emptyOffer,
      kex: ['curve25519-sha256', 'diffie-hellman-group14-sha1', 'diffie-hellman-group1-sha1', 'kex-strict-s-v00@openssh.com', 'ext-info-s'],
      hostKey: ['ssh-ed25519', 'rsa-sha2-256', 'ssh-rsa', 'ssh-dss'],
      ciphersClientToServer: ['aes128-gcm@openssh.com', 'aes128-cbc', '3des-cbc', 'arcfour256', 'aes256-ctr'],
      ciphersServerToClient: ['aes128-gcm@openssh.com', 'blowfish-cbc'],
      macsClientToServer: ['hmac-sha2-256-etm@openssh.com', 'hmac-md5', 'hmac-sha1-96', 'hmac-sha1'],
      macsServerToClient: ['hmac-sha2-256-etm@openssh.com'],
    });
    const weak = verdicts.filter((verdict) => verdict.grade === 'weak').map((verdict) => verdict.name);
    expect(weak).to.have.members(['diffie-hellman-group14-sha1', 'diffie-hellman-group1-sha1', 'ssh-rsa', 'ssh-dss', 'aes128-cbc', '3des-cbc', 'arcfour256', 'blowfish-cbc', 'hmac-md5', 'hmac-sha1-96']);
    expect(verdicts.find((verdict) => verdict.name === 'hmac-sha1')?.grade).to.equal('legacy');
    expect(verdicts.map((verdict) => verdict.name)).not.to.include.members(['kex-strict-s-v00@openssh.com', 'ext-info-s']);
  });

  it('grades DSA and RSA below 2048 bits as weak host keys, RSA 2048, ECDSA and Ed25519 as sound', function () {
    expect(gradeHostKey({ type: 'ssh-dss', bits: 1024, fingerprint: '' }).grade).to.equal('weak');
    expect(gradeHostKey({ type: 'ssh-rsa', bits: 1024, fingerprint: '' }).grade).to.equal('weak');
    expect(gradeHostKey({ type: 'ssh-rsa', bits: 2048, fingerprint: '' }).grade).to.equal('ok');
    expect(gradeHostKey({ type: 'ecdsa-sha2-nistp256', bits: 256, fingerprint: '' }).grade).to.equal('ok');
    expect(gradeHostKey({ type: 'ssh-ed25519', bits: 256, fingerprint: '' }).grade).to.equal('ok');
  });

  it('reads the type and size of a host key blob', function () {
    const parsed = ssh2.utils.parseKey(ed25519HostKey());
    const key = Array.isArray(parsed) ? parsed[0]! : parsed;
    if (key instanceof Error) throw key;
    expect(parseHostKeyBlob(key.getPublicSSH())).to.include({ type: 'ssh-ed25519', bits: 256 });
  });
});

describe('SSH adapter against the simulator', function () {
  this.timeout(60_000);

  it('hardened: offers only sound algorithms, Ed25519 and ECDSA host keys, a versioned identification and the declared banner', async function () {
    const { running, cleanup } = await startSimulator('ssh', 'hardened');
    try {
      const profile = describeOf(running.profile);
      const target = { host: running.host, port: profile.endpoints.ssh.port, timeoutMs: 5_000 };
      const hello = await readServerHello(target);
      expect(hello.identification).to.match(/^SSH-2\.0-FieldDeviceSSH_\d+\.\d+\.\d+$/);
      expect(gradeOffer(hello.kexInit).filter((verdict) => verdict.grade !== 'ok')).to.deep.equal([]);
      const keys = await collectHostKeys(hello.kexInit, target);
      expect(keys.map((entry) => entry.key?.type)).to.include('ssh-ed25519');
      expect(keys.every((entry) => entry.key && gradeHostKey(entry.key).grade === 'ok'), JSON.stringify(keys)).to.equal(true);
      const account = profile.accounts.find((entry) => entry.role === 'admin')!;
      const accepted = await attemptPasswordLogin({ ...target, username: account.username, password: account.password });
      expect(accepted).to.include({ outcome: 'accepted', method: 'password', failedLogin: false });
      expect(accepted.banner?.trim()).to.equal(profile.endpoints.ssh.banner);
      const refused = await attemptPasswordLogin({ ...target, username: account.username, password: 'not-the-password' });
      expect(refused).to.include({ outcome: 'refused', failedLogin: true });
    } finally {
      await cleanup();
    }
  });

  it('weak: names each weak algorithm the server offers, and fetches its 1024-bit RSA and DSA host keys', async function () {
    const { running, cleanup } = await startSimulator('ssh', 'weak');
    try {
      const target = { host: running.host, port: describeOf(running.profile).endpoints.ssh.port, timeoutMs: 5_000 };
      const hello = await readServerHello(target);
      expect(hello.software).to.equal('Server');
      const weak = gradeOffer(hello.kexInit).filter((verdict) => verdict.grade === 'weak').map((verdict) => verdict.name);
      expect(weak).to.include.members(['diffie-hellman-group1-sha1', 'aes128-cbc', '3des-cbc', 'hmac-md5', 'hmac-sha1-96', 'ssh-rsa', 'ssh-dss']);
      const keys = await collectHostKeys(hello.kexInit, target);
      expect(keys.map((entry) => `${entry.key?.type}:${entry.key?.bits}`)).to.have.members(['ssh-rsa:1024', 'ssh-dss:1024']);
      const defaults = await attemptPasswordLogin({ ...target, username: 'admin', password: 'admin' });
      expect(defaults.outcome).to.equal('accepted');
      expect(defaults.banner).to.equal(undefined);
    } finally {
      await cleanup();
    }
  });

  it('hardened: locks an account after the declared threshold of consecutive failures, for the declared duration', async function () {
    const { running, cleanup } = await startSimulator('ssh', 'hardened');
    try {
      const profile = describeOf(running.profile);
      const { threshold, durationS } = profile.endpoints.ssh.lockout;
      const account = profile.accounts.find((entry) => entry.role === 'lockout')!;
      const target = { host: running.host, port: profile.endpoints.ssh.port, timeoutMs: 5_000 };
      for (let index = 0; index < threshold; index++) {
        expect((await attemptPasswordLogin({ ...target, username: account.username, password: `wrong-${index}` })).outcome).to.equal('refused');
      }
      const locked = await attemptPasswordLogin({ ...target, ...account });
      expect(locked.outcome, 'the correct password during the lockout').to.equal('refused');
      await new Promise((resolve) => setTimeout(resolve, durationS * 1000 + 300));
      expect((await attemptPasswordLogin({ ...target, ...account })).outcome, 'the correct password after the lockout').to.equal('accepted');
    } finally {
      await cleanup();
    }
  });

  it('ends an idle session within the declared timeout (hardened) and not at all (weak-idle-timeout)', async function () {
    for (const [profileName, expectEnded] of [['hardened', true], ['weak-idle-timeout', false]] as const) {
      const { running, cleanup } = await startSimulator('ssh', profileName);
      try {
        const profile = describeOf(running.profile);
        const account = profile.accounts.find((entry) => entry.role === 'admin')!;
        const idleTimeoutMs = profile.endpoints.ssh.idleTimeoutS * 1000;
        const observed = await observeIdleSession({ host: running.host, port: profile.endpoints.ssh.port, timeoutMs: 5_000, ...account, maxIdleMs: idleTimeoutMs + 1_500 });
        expect(observed.ended, `${profileName}: ${JSON.stringify(observed)}`).to.equal(expectEnded);
        if (expectEnded) expect(observed.idleMs).to.be.within(idleTimeoutMs - 500, idleTimeoutMs + 1_500);
      } finally {
        await cleanup();
      }
    }
  });
});

describe('SSH adapter: servers that do not take passwords, and hostile peers', function () {
  this.timeout(30_000);
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const tracked = (server: Server) => {
    servers.push(server);
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    });
    return server;
  };
  afterEach(async function () {
    for (const socket of sockets) socket.destroy();
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  it('reports "no-password-method" and sends no password when the server offers public keys only', async function () {
    const host = randomLoopbackHost();
    let passwordsSeen = 0;
    const server = new ssh2.Server({ hostKeys: [ed25519HostKey()] }, (connection) => {
      connection.on('error', () => undefined);
      connection.on('authentication', (context) => {
        if (context.method === 'password') passwordsSeen += 1;
        context.reject(['publickey']);
      });
    });
    servers.push(server as unknown as Server);
    const port = await listen(server as unknown as Server, host);
    const attempt = await attemptPasswordLogin({ host, port, username: 'admin', password: 'admin', timeoutMs: 5_000 });
    expect(attempt).to.include({ outcome: 'no-password-method', failedLogin: false });
    expect(attempt.methodsOffered).to.deep.equal(['publickey']);
    expect(passwordsSeen).to.equal(0);
  });

  it('a server that closes during the handshake gives an error naming it, at once', async function () {
    const host = randomLoopbackHost();
    // An identification and the first bytes of a packet, then the connection is closed.
    const port = await listen(tracked(createServer((socket) => socket.end('SSH-2.0-Broken_1.0\r\n\x00\x00\x01'))), host);
    const started = Date.now();
    let error: Error | undefined;
    await readServerHello({ host, port, timeoutMs: 5_000 }).catch((caught: Error) => (error = caught));
    expect(error?.message).to.match(/closed the connection during the SSH handshake/);
    expect(Date.now() - started).to.be.below(2_000);
    const login = await attemptPasswordLogin({ host, port, username: 'admin', password: 'x', timeoutMs: 5_000 }).then(
      () => undefined,
      (caught: Error) => caught,
    );
    expect(login?.message).to.match(/before|closed/);
  });

  it('a server that never answers gives an error within the timeout, and an abort ends a step at once', async function () {
    const host = randomLoopbackHost();
    const port = await listen(tracked(createServer((socket) => socket.resume())), host);
    for (const step of [
      () => readServerHello({ host, port, timeoutMs: 800 }),
      () => attemptPasswordLogin({ host, port, username: 'admin', password: 'x', timeoutMs: 800 }),
      () => collectHostKeys({ ...emptyOffer, kex: ['curve25519-sha256'], hostKey: ['ssh-ed25519'], ciphersClientToServer: ['aes128-ctr'], macsClientToServer: ['hmac-sha2-256'] }, { host, port, timeoutMs: 800 }),
    ]) {
      const started = Date.now();
      const error = await step().then(
        () => undefined,
        (caught: Error) => caught,
      );
      expect(error?.message).to.match(/no answer within 800 ms|timed out/i);
      expect(Date.now() - started).to.be.below(1_800);
    }
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stopped by the test')), 100);
    const started = Date.now();
    const aborted = await readServerHello({ host, port, timeoutMs: 10_000, signal: controller.signal }).then(
      () => undefined,
      (caught: Error) => caught,
    );
    expect(aborted?.message).to.equal('stopped by the test');
    expect(Date.now() - started).to.be.below(1_000);
  });

  it('a peer that is not SSH is named as such', async function () {
    const host = randomLoopbackHost();
    const port = await listen(tracked(createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'))), host);
    const error = await readServerHello({ host, port, timeoutMs: 2_000 }).then(
      () => undefined,
      (caught: Error) => caught,
    );
    expect(error?.message).to.match(/closed the connection during the SSH handshake|not speaking SSH/);
  });
});
