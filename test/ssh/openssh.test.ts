import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { collectHostKeys } from '../../adapters/ssh/host-keys.js';
import { attemptPasswordLogin, observeIdleSession } from '../../adapters/ssh/login.js';
import { gradeHostKey, gradeOffer } from '../../adapters/ssh/policy.js';
import { readServerHello } from '../../adapters/ssh/wire.js';
import { sshdUnavailable, startSshd, testUsername, type RunningDaemon } from '../support/debian-daemons.js';

/**
 * The SSH adapter against OpenSSH's sshd from Debian, which we did not write: what it offers by default passes the
 * policy (hmac-sha1 and umac-64 are recorded as legacy), its keys are read, its password logins, banner and
 * ChannelTimeout are seen as its maintainers configured them.
 */
describe('SSH adapter against Debian sshd', function () {
  this.timeout(60_000);
  const unavailable = sshdUnavailable();
  let sshd: RunningDaemon | undefined;
  const user = { username: testUsername('iect'), password: `Pw-${randomBytes(9).toString('base64url')}` };

  before(async function () {
    if (unavailable) {
      console.log(`      skipped: ${unavailable}`);
      return this.skip();
    }
    sshd = await startSshd({
      hostKeys: ['ed25519', 'rsa:3072'],
      banner: 'Authorised use only. Activity is logged.',
      users: [user],
      config: ['PasswordAuthentication yes', 'KbdInteractiveAuthentication no', 'PermitRootLogin no', 'ChannelTimeout session:*=2s', 'UnusedConnectionTimeout 2s'],
    });
  });
  after(async function () {
    await sshd?.stop();
  });

  it('reads its identification and offer; its defaults have no weak algorithm', async function () {
    const hello = await readServerHello({ host: sshd!.host, port: sshd!.port, timeoutMs: 5_000 });
    expect(hello.software).to.match(/^OpenSSH_\d/);
    const graded = gradeOffer(hello.kexInit);
    expect(graded.filter((verdict) => verdict.grade === 'weak'), sshd!.output()).to.deep.equal([]);
    expect(graded.filter((verdict) => verdict.grade === 'legacy').map((verdict) => verdict.name)).to.include('hmac-sha1');
    const keys = await collectHostKeys(hello.kexInit, { host: sshd!.host, port: sshd!.port, timeoutMs: 5_000 });
    expect(keys.map((entry) => `${entry.key?.type}:${entry.key?.bits}`)).to.have.members(['ssh-ed25519:256', 'ssh-rsa:3072']);
    expect(keys.every((entry) => entry.key && gradeHostKey(entry.key).grade === 'ok')).to.equal(true);
  });

  it('accepts the test account, refuses a wrong password and root, and shows its banner before authentication', async function () {
    const target = { host: sshd!.host, port: sshd!.port, timeoutMs: 10_000 };
    const accepted = await attemptPasswordLogin({ ...target, ...user });
    expect(accepted, sshd!.output()).to.include({ outcome: 'accepted', method: 'password' });
    expect(accepted.banner?.trim()).to.equal('Authorised use only. Activity is logged.');
    expect((await attemptPasswordLogin({ ...target, username: user.username, password: 'wrong' })).outcome).to.equal('refused');
    expect((await attemptPasswordLogin({ ...target, username: 'root', password: 'root' })).outcome).to.equal('refused');
  });

  it('ends an idle shell session after its ChannelTimeout', async function () {
    const observed = await observeIdleSession({ host: sshd!.host, port: sshd!.port, timeoutMs: 10_000, ...user, maxIdleMs: 6_000 });
    expect(observed.ended, JSON.stringify(observed)).to.equal(true);
    expect(observed.idleMs).to.be.below(4_000);
  });

  it('with PasswordAuthentication off, no password is sent', async function () {
    const keysOnly = await startSshd({ config: ['PasswordAuthentication no', 'KbdInteractiveAuthentication no'] });
    try {
      const attempt = await attemptPasswordLogin({ host: keysOnly.host, port: keysOnly.port, username: 'admin', password: 'admin', timeoutMs: 10_000 });
      expect(attempt).to.include({ outcome: 'no-password-method', failedLogin: false });
      expect(attempt.methodsOffered).to.deep.equal(['publickey']);
    } finally {
      await keysOnly.stop();
    }
  });
});
