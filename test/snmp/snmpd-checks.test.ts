import { expect } from 'chai';
import { parseProfile } from '../../core/profile/load.js';
import type { ProfileInput } from '../../core/profile/schema.js';
import { discoverChecks } from '../../harness/run/discover.js';
import { executeCheck, type CheckResult } from '../../harness/run/execute.js';
import { snmpdUnavailable, startSnmpd, type RunningDaemon } from '../support/debian-daemons.js';

/**
 * The SNMP checks against net-snmp's snmpd from Debian, judged as its maintainers would: a v3-only authPriv
 * configuration passes, and its usmStats reports for an unknown user and a wrong key (RFC 3414) are an observation,
 * not a failure; the classic public/private configuration fails CR 1.1, CR 1.5, CR 2.1, CR 4.1 and CR 4.3.
 */
describe('SNMP checks against Debian snmpd', function () {
  this.timeout(120_000);
  const unavailable = snmpdUnavailable();
  const secure = { user: 'mon', authProtocol: 'sha256', authKey: 'auth-pass-phrase-1', privProtocol: 'aes', privKey: 'priv-pass-phrase-1', role: 'viewer' } as const;
  const legacy = { user: 'old', authProtocol: 'md5', authKey: 'auth-pass-phrase-2', privProtocol: 'aes', privKey: 'priv-pass-phrase-2' } as const;
  let v3only: RunningDaemon | undefined;
  let classic: RunningDaemon | undefined;

  before(async function () {
    if (unavailable) {
      console.log(`      skipped: ${unavailable}`);
      return this.skip();
    }
    v3only = await startSnmpd({ config: [`createUser mon SHA-256 ${secure.authKey} AES ${secure.privKey}`, 'rouser mon priv', 'sysDescr Debian snmpd 5.9, v3 only', 'sysName snmpd-v3'] });
    classic = await startSnmpd({ config: ['rocommunity public', 'rwcommunity private', `createUser old MD5 ${legacy.authKey} AES ${legacy.privKey}`, 'rouser old priv', 'sysDescr Debian snmpd 5.9, classic', 'sysName snmpd-classic'] });
  });
  after(async function () {
    await v3only?.stop();
    await classic?.stop();
  });

  const profileFor = (daemon: RunningDaemon, snmp: Record<string, unknown>): ProfileInput =>
    ({
      component: { name: 'Debian snmpd', type: 'host-device', firmware: '5.9' },
      targetSL: 2,
      host: daemon.host,
      endpoints: { snmp: { port: daemon.port, ...snmp } },
      timeouts: { connectMs: 1_000, requestMs: 1_000 },
    }) as unknown as ProfileInput;

  async function run(checkId: string, input: ProfileInput): Promise<CheckResult> {
    const found = (await discoverChecks()).find((entry) => entry.check.id === checkId);
    if (!found) throw new Error(`no check ${checkId}`);
    return executeCheck(found.check, parseProfile(input, 'snmpd test profile'), { disruptive: true });
  }

  for (const [checkId, reason] of [
    ['snmp.identification.anonymous-access-refused', /"public" and the empty community \(v1, v2c\) and an unknown v3 user were refused \(report usmStatsUnknownUserNames\)/],
    ['snmp.authenticators.default-communities-refused', /none of \d+ default communities was answered/],
    ['snmp.authorization.write-refused', /refused for v3 viewer "mon"/],
    ['snmp.confidentiality.v3-authpriv-only', /each served at authPriv only/],
    ['snmp.cryptography.v3-protocols', /"mon" sha256\/aes/],
    ['snmp.authenticator-feedback.usm-reports', /unknown user → report usmStatsUnknownUserNames; wrong key → report usmStatsWrongDigests; the agent tells them apart, as RFC 3414 requires/],
    ['snmp.inventory.system-group', /sysDescr="Debian snmpd 5\.9, v3 only", sysObjectID=1\.3\.6\.1\.4\.1\.8072\.[\d.]+, sysName="snmpd-v3"; sysDescr names the declared firmware/],
  ] as const) {
    it(`v3-only snmpd: ${checkId} passes`, async function () {
      const result = await run(checkId, profileFor(v3only!, { versions: ['3'], users: [secure] }));
      expect(result.status, `${result.observed ?? result.message}\n${v3only!.output().slice(-800)}`).to.equal('pass');
      expect(result.observed).to.match(reason);
    });
  }

  it('v3-only snmpd: the wrong key of the CR 1.10 check is one failed login of "mon" in the run\'s ledger', async function () {
    const result = await run('snmp.authenticator-feedback.usm-reports', profileFor(v3only!, { versions: ['3'], users: [secure] }));
    expect(result.status, result.observed ?? result.message).to.equal('pass');
    expect(result.failedLogins).to.deep.equal([{ interface: 'snmp', username: 'mon', sent: 1, mostInARow: 1 }]);
  });

  for (const [checkId, reason] of [
    ['snmp.identification.anonymous-access-refused', /served without identification .*v1 "public", v2c "public"/],
    ['snmp.authenticators.default-communities-refused', /v1 "public", v2c "public", v1 "private", v2c "private"/],
    ['snmp.authorization.write-refused', /was accepted for v1 "private", v2c "private"/],
    ['snmp.confidentiality.v3-authpriv-only', /at SL 2: v1\/v2c answered/],
    ['snmp.cryptography.v3-protocols', /"old" authenticates with HMAC-MD5 \(served so\)/],
  ] as const) {
    it(`classic snmpd: ${checkId} fails`, async function () {
      const result = await run(checkId, profileFor(classic!, { versions: ['1', '2c', '3'], users: [legacy] }));
      expect(result.status, `${result.observed ?? result.message}\n${classic!.output().slice(-800)}`).to.equal('fail');
      expect(result.observed).to.match(reason);
    });
  }
});
