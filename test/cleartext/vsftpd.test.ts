import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueEcCertificate } from '../../adapters/pki/ec-certificates.js';
import { parseProfile } from '../../core/profile/load.js';
import type { ProfileInput } from '../../core/profile/schema.js';
import { discoverChecks } from '../../harness/run/discover.js';
import { executeCheck, type CheckResult } from '../../harness/run/execute.js';
import { startVsftpd, vsftpdUnavailable, type RunningDaemon } from '../support/debian-daemons.js';

/**
 * The FTP checks against Debian's vsftpd, judged as its maintainers would: anonymous access fails CR 1.1 and CR 4.1;
 * local logins without TLS fail CR 4.1 while the refused anonymous login passes CR 1.1 (one failed login, counted);
 * local logins forced onto TLS pass CR 4.1, although vsftpd answers 331 to USER anonymous even then.
 */
describe('FTP checks against Debian vsftpd', function () {
  this.timeout(60_000);
  const unavailable = vsftpdUnavailable();
  let work = '';
  const daemons: Record<string, RunningDaemon> = {};

  before(async function () {
    if (unavailable) {
      console.log(`      skipped: ${unavailable}`);
      return this.skip();
    }
    work = mkdtempSync(join(tmpdir(), 'vsftpd-test-'));
    const key = join(work, 'key.pem');
    const cert = join(work, 'cert.pem');
    const issued = issueEcCertificate({ commonName: 'vsftpd test' });
    writeFileSync(key, issued.keyPem, { mode: 0o600 });
    writeFileSync(cert, issued.certPem);
    daemons.anonymous = await startVsftpd({ config: ['anonymous_enable=YES', 'no_anon_password=NO', 'local_enable=NO'] });
    daemons.plain = await startVsftpd({ config: ['anonymous_enable=NO', 'local_enable=YES'] });
    daemons.tls = await startVsftpd({ config: ['anonymous_enable=NO', 'local_enable=YES', 'ssl_enable=YES', 'force_local_logins_ssl=YES', 'force_local_data_ssl=YES', `rsa_cert_file=${cert}`, `rsa_private_key_file=${key}`] });
  });
  after(async function () {
    await Promise.all(Object.values(daemons).map((daemon) => daemon.stop()));
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function run(checkId: string, daemon: RunningDaemon): Promise<CheckResult> {
    const input = {
      component: { name: 'Debian vsftpd', type: 'host-device' },
      targetSL: 2,
      host: daemon.host,
      endpoints: { cleartext: [{ service: 'ftp', port: daemon.port }] },
      openPorts: [daemon.port],
      // vsftpd answers a refused login only after PAM's delay (about 3.5 s here).
      timeouts: { connectMs: 1_000, requestMs: 8_000 },
    } as unknown as ProfileInput;
    const found = (await discoverChecks()).find((entry) => entry.check.id === checkId);
    if (!found) throw new Error(`no check ${checkId}`);
    return executeCheck(found.check, parseProfile(input, 'vsftpd test profile'));
  }
  const inClear = 'cleartext.confidentiality.service-in-clear';
  const anonymous = 'cleartext.authentication.anonymous-ftp-refused';

  it('anonymous vsftpd: anonymous login fails CR 1.1, and the login in clear fails CR 4.1', async function () {
    const login = await run(anonymous, daemons.anonymous!);
    expect(login.status, login.observed ?? login.message).to.equal('fail');
    expect(login.observed).to.match(/FTP on .*\/tcp let "anonymous" log in \(< 230 Login successful/);
    const clear = await run(inClear, daemons.anonymous!);
    expect(clear.status, clear.observed ?? clear.message).to.equal('fail');
    expect(clear.observed).to.match(/takes a login in clear \(USER anonymous: 331/);
  });

  it('vsftpd with local logins in clear: CR 4.1 fails on a named account; the refused anonymous login passes CR 1.1 and is counted', async function () {
    const clear = await run(inClear, daemons.plain!);
    expect(clear.status, clear.observed ?? clear.message).to.equal('fail');
    expect(clear.observed).to.match(/takes a login in clear \(USER iec62443-[0-9a-f]+: 331, the password would follow in clear\)/);
    const login = await run(anonymous, daemons.plain!);
    expect(login.status, login.observed ?? login.message).to.equal('pass');
    expect(login.observed).to.match(/refused "anonymous" \(< 530 Login incorrect/);
    expect(login.failedLogins).to.deep.equal([{ interface: `ftp:${daemons.plain!.port}`, username: 'anonymous', sent: 1, mostInARow: 1 }]);
  });

  it('vsftpd forcing TLS for local logins: CR 4.1 passes on the refusal of a named USER in clear', async function () {
    const clear = await run(inClear, daemons.tls!);
    expect(clear.status, clear.observed ?? clear.message).to.equal('pass');
    expect(clear.observed).to.match(/demands TLS before a login \(USER iec62443-[0-9a-f]+: "< 530 Non-anonymous sessions must use encryption\."\)/);
  });
});
