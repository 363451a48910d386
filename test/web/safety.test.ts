import { expect } from 'chai';
import { parseProfile } from '../../core/profile/load.js';
import { FailedLoginLedger } from '../../core/safety/failed-logins.js';
import { discoverChecks } from '../../harness/run/discover.js';
import { executeCheck } from '../../harness/run/execute.js';
import { startWebSimulator } from '../../simulators/web/index.js';
import { randomLoopbackHost } from '../../core/net/loopback.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Safety on a device in operation: a run of every non-disruptive web check against the hardened UI changes no
 * setting, sends only the admin action the profile names as harmless, locks no account, and never sends one user name
 * more failed logins in a row than the documented threshold minus one, counted by the device itself.
 */
describe('web checks change nothing but sessions and lock only the lockout account', function () {
  this.timeout(180_000);

  it('settings untouched, only the declared harmless action, no lockout, failures within the budget on the device\'s own count', async function () {
    const workDir = mkdtempSync(join(tmpdir(), 'iec62443-web-safety-'));
    const simulator = await startWebSimulator({ profile: 'hardened', host: randomLoopbackHost(), workDir });
    try {
      const profile = parseProfile(simulator.profile, 'web/hardened');
      const checks = (await discoverChecks()).map((entry) => entry.check).filter((check) => check.protocol === 'http' || check.protocol === 'tls');
      const logins = new FailedLoginLedger();
      const statuses: Record<string, string> = {};
      for (const check of checks) {
        const result = await executeCheck(check, profile, { disruptive: false, logins });
        statuses[check.id] = result.status;
      }
      expect(statuses['http.login-attempts.lockout'], 'the lockout check waits for --disruptive').to.equal('not-tested');
      expect(Object.entries(statuses).filter(([, status]) => status === 'fail' || status === 'error'), JSON.stringify(statuses)).to.deep.equal([]);
      const { stats, parameters, device } = simulator.web;
      expect(stats.settingsChanges).to.equal(0);
      expect(device.settings).to.deep.equal({ deviceName: 'PLC-17 Line 3', ntpServer: 'ntp.plant.local' });
      expect(Object.keys(stats.stateChangingByPath), 'only the declared adminAction (safe: true) was sent').to.deep.equal(['/settings/identify']);
      expect(stats.lockouts).to.equal(0);
      const budget = parameters.lockoutThreshold - 1;
      for (const [username, most] of Object.entries(stats.maxConsecutiveFailures)) expect(most, `failures in a row for ${username} (budget ${budget})`).to.be.at.most(budget);
      const lockoutAccount = parameters.accounts.find((account) => account.profileRole === 'lockout')!;
      expect(stats.failedLogins[lockoutAccount.username], 'the lockout account is left alone').to.equal(undefined);
      // The run's ledger agrees with what the device counted.
      const ledger = Object.fromEntries(logins.report().map((entry) => [entry.username, entry.sent]));
      expect(ledger).to.deep.equal(stats.failedLogins);
    } finally {
      await simulator.stop();
      rmSync(workDir, { recursive: true, force: true });
    }
  });

  it('CR 1.11 with --disruptive locks only a "lockout" account: with none named it does not run and no login fails', async function () {
    const workDir = mkdtempSync(join(tmpdir(), 'iec62443-web-safety-'));
    const simulator = await startWebSimulator({ profile: 'hardened', host: randomLoopbackHost(), workDir });
    try {
      // The account set aside for the test is declared as a viewer: it must not be taken for the lockout account.
      const input = simulator.profile;
      const profile = parseProfile({ ...input, accounts: input.accounts!.map((account) => (account.role === 'lockout' ? { ...account, role: 'viewer' } : account)) }, 'web/hardened without a lockout account');
      const check = (await discoverChecks()).map((entry) => entry.check).find((candidate) => candidate.id === 'http.login-attempts.lockout')!;
      const result = await executeCheck(check, profile, { disruptive: true });
      expect(result.status, `${result.status}: ${result.message}`).to.equal('not-applicable');
      expect(result.message).to.match(/names no lockout account for a web interface/);
      const { stats } = simulator.web;
      expect(stats.failedLogins, 'no failed login reached the device').to.deep.equal({});
      expect(stats.lockouts).to.equal(0);
    } finally {
      await simulator.stop();
      rmSync(workDir, { recursive: true, force: true });
    }
  });

  it('with --disruptive: still no setting changed, and only the lockout account goes past the budget and is locked', async function () {
    const workDir = mkdtempSync(join(tmpdir(), 'iec62443-web-safety-'));
    const simulator = await startWebSimulator({ profile: 'hardened', host: randomLoopbackHost(), workDir });
    try {
      const profile = parseProfile(simulator.profile, 'web/hardened');
      const checks = (await discoverChecks()).map((entry) => entry.check).filter((check) => check.protocol === 'http' || check.protocol === 'tls');
      const logins = new FailedLoginLedger();
      const statuses: Record<string, string> = {};
      for (const check of checks) statuses[check.id] = (await executeCheck(check, profile, { disruptive: true, logins })).status;
      expect(statuses['http.login-attempts.lockout']).to.equal('pass');
      expect(Object.entries(statuses).filter(([, status]) => status === 'fail' || status === 'error'), JSON.stringify(statuses)).to.deep.equal([]);
      const { stats, parameters, device } = simulator.web;
      expect(stats.settingsChanges).to.equal(0);
      expect(device.settings).to.deep.equal({ deviceName: 'PLC-17 Line 3', ntpServer: 'ntp.plant.local' });
      expect(Object.keys(stats.stateChangingByPath)).to.deep.equal(['/settings/identify']);
      const lockoutAccount = parameters.accounts.find((account) => account.profileRole === 'lockout')!;
      const budget = parameters.lockoutThreshold - 1;
      for (const [username, most] of Object.entries(stats.maxConsecutiveFailures)) {
        if (username === lockoutAccount.username) expect(most, 'the lockout account reached the threshold').to.be.at.least(parameters.lockoutThreshold);
        else expect(most, `failures in a row for ${username} (budget ${budget})`).to.be.at.most(budget);
      }
      expect(stats.lockouts, 'one lock, of the lockout account').to.equal(1);
    } finally {
      await simulator.stop();
      rmSync(workDir, { recursive: true, force: true });
    }
  });

  it('a documented lockout threshold of 1 leaves no failed login: the plain-HTTP login probe is not sent', async function () {
    const workDir = mkdtempSync(join(tmpdir(), 'iec62443-web-safety-'));
    const simulator = await startWebSimulator({ profile: 'hardened', host: randomLoopbackHost(), workDir });
    try {
      const input = simulator.profile;
      const http = (input.endpoints as { http: Array<Record<string, unknown>> }).http.map((entry) => ({ ...entry, lockout: { threshold: 1, durationS: 60 } }));
      const profile = parseProfile({ ...input, endpoints: { ...input.endpoints, http } }, 'web/hardened, threshold 1');
      const check = (await discoverChecks()).map((entry) => entry.check).find((candidate) => candidate.id === 'http.transport.no-plaintext-credentials')!;
      const result = await executeCheck(check, profile, { disruptive: false });
      expect(result.status, `${result.status}: ${result.observed ?? result.message}`).to.equal('pass');
      expect(result.observed).to.match(/no login sent there \(not sent: the lockout threshold 1 leaves no failed login to spend\) and did not honour the HTTPS session cookie/);
      expect(simulator.web.stats.failedLogins).to.deep.equal({});
    } finally {
      await simulator.stop();
      rmSync(workDir, { recursive: true, force: true });
    }
  });
});
