import { expect } from 'chai';
import { OID, observeUsmReports, readSystemInfo, setSameValue, snmpGet } from '../../adapters/snmp/client.js';
import type { SnmpUser } from '../../adapters/snmp/endpoint.js';
import { snmpdUnavailable, startSnmpd, type RunningDaemon } from '../support/debian-daemons.js';

/**
 * The SNMP adapter against net-snmp's snmpd from Debian, which we did not write: a v3-only configuration and one with
 * the classic communities, as an administrator would write them.
 */
describe('SNMP adapter against Debian snmpd', function () {
  this.timeout(60_000);
  const unavailable = snmpdUnavailable();
  const secure: SnmpUser = { user: 'mon', authProtocol: 'sha256', authKey: 'auth-pass-phrase-1', privProtocol: 'aes', privKey: 'priv-pass-phrase-1' };
  const legacy: SnmpUser = { user: 'old', authProtocol: 'md5', authKey: 'auth-pass-phrase-2' };
  let v3only: RunningDaemon | undefined;
  let classic: RunningDaemon | undefined;

  before(async function () {
    if (unavailable) {
      console.log(`      skipped: ${unavailable}`);
      return this.skip();
    }
    v3only = await startSnmpd({ config: [`createUser mon SHA-256 ${secure.authKey} AES ${secure.privKey}`, 'rouser mon priv', 'sysDescr Debian snmpd, v3 only', 'sysName snmpd-v3'] });
    classic = await startSnmpd({ config: ['rocommunity public', 'rwcommunity private', `createUser old MD5 ${legacy.authKey}`, 'rouser old auth', 'sysDescr Debian snmpd, classic'] });
  });
  after(async function () {
    await v3only?.stop();
    await classic?.stop();
  });

  const target = (daemon: RunningDaemon) => ({ host: daemon.host, port: daemon.port, timeoutMs: 1_000 });

  it('v3 only: the authPriv user reads the system group; public is dropped; lower levels and writes are refused', async function () {
    const info = await readSystemInfo(target(v3only!), { version: '3', user: secure });
    expect(info, v3only!.output()).to.include({ sysDescr: 'Debian snmpd, v3 only', sysName: 'snmpd-v3' });
    expect(info.sysObjectID).to.match(/^1\.3\.6\.1\.4\.1\.8072\./);
    expect((await snmpGet(target(v3only!), { version: '2c', community: 'public' }, [OID.sysDescr])).kind).to.equal('silent');
    const lower = await snmpGet(target(v3only!), { version: '3', user: secure, level: 'authNoPriv' }, [OID.sysDescr]);
    expect(lower.kind).to.be.oneOf(['error-status', 'usm-report']);
    const set = await setSameValue(target(v3only!), { version: '3', user: secure }, OID.sysName, { kind: 'disruptive' });
    expect(set.write?.kind).to.equal('error-status');
  });

  it('v3 only: an unknown user and a wrong key raise different usmStats counters (RFC 3414)', async function () {
    const observed = await observeUsmReports(target(v3only!), secure);
    expect(observed.unknownUser).to.include({ kind: 'usm-report', counter: 'usmStatsUnknownUserNames' });
    expect(observed.wrongKey).to.include({ kind: 'usm-report', counter: 'usmStatsWrongDigests' });
    expect(observed.distinguishable).to.equal(true);
  });

  it('classic: public reads over v1 and v2c, private writes the value it read, and an MD5 user without privacy is served', async function () {
    expect((await snmpGet(target(classic!), { version: '1', community: 'public' }, [OID.sysDescr])).kind, classic!.output()).to.equal('answered');
    expect((await snmpGet(target(classic!), { version: '2c', community: 'public' }, [OID.sysDescr])).kind).to.equal('answered');
    const set = await setSameValue(target(classic!), { version: '2c', community: 'private' }, OID.sysContact, { kind: 'disruptive' });
    expect(set.write?.kind, JSON.stringify(set)).to.equal('answered');
    expect((await snmpGet(target(classic!), { version: '3', user: legacy }, [OID.sysDescr])).kind).to.equal('answered');
  });
});
