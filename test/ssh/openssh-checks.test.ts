import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { parseProfile } from '../../core/profile/load.js';
import type { ProfileInput } from '../../core/profile/schema.js';
import { discoverChecks } from '../../harness/run/discover.js';
import { executeCheck, type CheckResult } from '../../harness/run/execute.js';
import { sshdUnavailable, startSshd, testUsername, type RunningDaemon } from '../support/debian-daemons.js';

/**
 * The SSH checks against OpenSSH's sshd from Debian, judged as its maintainers would: a hardened configuration passes
 * every non-disruptive check (hmac-sha1 is legacy, not weak); OpenSSH 9.2 leaves lockout to PAM (pam_faillock), so
 * without it the lockout check finds none; a configuration with SHA-1, CBC and a 1024-bit RSA key fails CR 4.3 and
 * CR 1.9.
 */
describe('SSH checks against Debian sshd', function () {
  this.timeout(120_000);
  const unavailable = sshdUnavailable();
  const admin = { username: testUsername('iecadm'), password: `Pw-${randomBytes(9).toString('base64url')}` };
  const locker = { username: testUsername('ieclck'), password: `Pw-${randomBytes(9).toString('base64url')}` };
  const banner = 'Authorised use only. Activity is logged.';
  let hardened: RunningDaemon | undefined;
  let weak: RunningDaemon | undefined;

  before(async function () {
    if (unavailable) {
      console.log(`      skipped: ${unavailable}`);
      return this.skip();
    }
    hardened = await startSshd({
      hostKeys: ['ed25519', 'rsa:3072'],
      banner,
      users: [admin, locker],
      config: ['PasswordAuthentication yes', 'KbdInteractiveAuthentication no', 'PermitRootLogin no', 'ChannelTimeout session:*=3s', 'UnusedConnectionTimeout 3s'],
    });
    weak = await startSshd({
      hostKeys: ['rsa:1024'],
      config: ['Ciphers aes128-cbc,aes128-ctr', 'KexAlgorithms +diffie-hellman-group14-sha1', 'HostKeyAlgorithms +ssh-rsa', 'MACs +hmac-md5', 'RequiredRSASize 1024'],
    });
  });
  after(async function () {
    await hardened?.stop();
    await weak?.stop();
  });

  function profileFor(daemon: RunningDaemon, extra: Partial<{ banner: string; idleTimeoutS: number }> = {}): ProfileInput {
    return {
      component: { name: 'Debian sshd', type: 'host-device' },
      targetSL: 2,
      host: daemon.host,
      endpoints: { ssh: { port: daemon.port, ...extra } },
      openPorts: [daemon.port],
      accounts: [
        { role: 'admin', ...admin, interfaces: ['ssh'] },
        { role: 'lockout', ...locker, interfaces: ['ssh'] },
      ],
      timeouts: { connectMs: 3_000, requestMs: 5_000 },
    } as unknown as ProfileInput;
  }

  async function run(checkId: string, input: ProfileInput): Promise<CheckResult> {
    const found = (await discoverChecks()).find((entry) => entry.check.id === checkId);
    if (!found) throw new Error(`no check ${checkId}`);
    return executeCheck(found.check, parseProfile(input, 'sshd test profile'), { disruptive: true });
  }

  for (const [checkId, reason] of [
    ['ssh.cryptography.algorithms', /none weak; legacy, recorded as an observation: .*hmac-sha1/],
    ['ssh.host-key.strength', /ssh-ed25519 256 bits, ssh-rsa 3072 bits, each strong/],
    ['ssh.authenticators.default-credentials-refused', /logged in with its password; all \d+ factory-default pairs were refused/],
    ['ssh.identification.shared-accounts-refused', /none of \d+ shared account names did/],
    ['ssh.identification.root-login-refused', /root was refused with 2 usual password/],
    ['ssh.use-notification.banner', /banner before login: "Authorised use only\. Activity is logged\." \(the declared text\)/],
    ['ssh.session.idle-timeout', /idle session was ended \(channel closed\)/],
    ['ssh.inventory.version', /SSH software="OpenSSH_9\.\d+p\d+" comment="Debian/],
  ] as const) {
    it(`hardened sshd: ${checkId} passes`, async function () {
      const result = await run(checkId, profileFor(hardened!, { banner, idleTimeoutS: 3 }));
      expect(result.status, `${result.observed ?? result.message}\n${hardened!.output().slice(-1500)}`).to.equal('pass');
      expect(result.observed).to.match(reason);
    });
  }

  it('hardened sshd without pam_faillock: the lockout check finds no lockout, as OpenSSH 9.2 has none of its own', async function () {
    const result = await run('ssh.login-attempts.lockout', profileFor(hardened!));
    expect(result.status, result.observed ?? result.message).to.equal('fail');
    expect(result.observed).to.match(/accepted at once .* after 10 consecutive failed logins: no lockout or slowdown \(no documented lockout/);
  });

  it('weak sshd: SHA-1 key exchange, CBC, hmac-md5 and ssh-rsa fail CR 4.3; its 1024-bit RSA key fails CR 1.9', async function () {
    const algorithms = await run('ssh.cryptography.algorithms', profileFor(weak!));
    expect(algorithms.status, algorithms.observed ?? algorithms.message).to.equal('fail');
    expect(algorithms.observed).to.match(/diffie-hellman-group14-sha1.*ssh-rsa.*aes128-cbc.*hmac-md5/);
    const hostKey = await run('ssh.host-key.strength', profileFor(weak!));
    expect(hostKey.status, hostKey.observed ?? hostKey.message).to.equal('fail');
    expect(hostKey.observed).to.match(/RSA host key of 1024 bits, below 2048/);
  });
});
