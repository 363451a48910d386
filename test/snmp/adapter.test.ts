import { expect } from 'chai';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { OID, observeUsmReports, readSystemInfo, setSameValue, snmpGet } from '../../adapters/snmp/client.js';
import { snmpEndpointSchema, snmpSecrets, type SnmpEndpoint } from '../../adapters/snmp/endpoint.js';
import { randomLoopbackHost } from '../../core/net/loopback.js';
import type { RunningSnmpSimulator } from '../../simulators/snmp/index.js';
import { startSimulator } from '../support/both-ways.js';

/** The SNMP adapter over real UDP sockets: against the simulator's profiles and against hostile agents. */

const endpointOf = (running: { profile: unknown }) => snmpEndpointSchema.parse((running.profile as { endpoints: { snmp: unknown } }).endpoints.snmp) as SnmpEndpoint;

describe('SNMP adapter against the simulator', function () {
  this.timeout(30_000);

  it('hardened: v3 authPriv reads the system group; communities, lower security levels and writes are refused', async function () {
    const { running, cleanup } = await startSimulator('snmp', 'hardened');
    try {
      const endpoint = endpointOf(running);
      const target = { host: running.host, port: endpoint.port, timeoutMs: 800 };
      const user = endpoint.users[0]!;
      const info = await readSystemInfo(target, { version: '3', user });
      expect(info.sysDescr).to.match(/firmware \d+\.\d+\.\d+/);
      expect(info.sysObjectID).to.match(/^1\.3\.6\.1\.4\.1\./);
      expect(info.sysName).to.match(/^device-/);
      expect((await snmpGet(target, { version: '2c', community: 'public' }, [OID.sysDescr])).kind).to.equal('silent');
      expect(await snmpGet(target, { version: '3', user, level: 'noAuthNoPriv' }, [OID.sysDescr])).to.include({ kind: 'usm-report' });
      expect(await snmpGet(target, { version: '3', user, level: 'authNoPriv' }, [OID.sysDescr])).to.include({ kind: 'usm-report' });
      const set = await setSameValue(target, { version: '3', user }, OID.sysName, { kind: 'disruptive' });
      expect(set.write).to.include({ kind: 'error-status', status: 'NoAccess' });
      expect((running as RunningSnmpSimulator).counters).to.deep.equal({ setRequests: 1, setsApplied: 0 });
    } finally {
      await cleanup();
    }
  });

  it('weak: "public" answers, a documented read-write community writes, and a user without privacy is served', async function () {
    const { running, cleanup } = await startSimulator('snmp', 'weak');
    try {
      const endpoint = endpointOf(running);
      const target = { host: running.host, port: endpoint.port, timeoutMs: 800 };
      expect((await snmpGet(target, { version: '1', community: 'public' }, [OID.sysDescr])).kind).to.equal('answered');
      const written = await setSameValue(target, { version: '2c', community: endpoint.community! }, OID.sysLocation, { kind: 'write-probe', oid: OID.sysLocation });
      expect(written.write?.kind).to.equal('answered');
      expect((running as RunningSnmpSimulator).counters.setsApplied).to.equal(1);
      const noPrivacy = endpoint.users.find((user) => user.level === 'authNoPriv')!;
      expect((await snmpGet(target, { version: '3', user: noPrivacy }, [OID.sysDescr])).kind).to.equal('answered');
      expect(endpoint.users.map((user) => user.authProtocol)).to.include('md5');
      expect((await readSystemInfo(target, { version: '3', user: endpoint.users[0]! })).sysDescr).to.equal('');
    } finally {
      await cleanup();
    }
  });

  it('tells an unknown user (usmStatsUnknownUserNames report) from a wrong key (no answer from net-snmp\'s agent)', async function () {
    const { running, cleanup } = await startSimulator('snmp', 'hardened');
    try {
      const endpoint = endpointOf(running);
      const observed = await observeUsmReports({ host: running.host, port: endpoint.port, timeoutMs: 800 }, endpoint.users[0]);
      expect(observed.unknownUser).to.include({ kind: 'usm-report', counter: 'usmStatsUnknownUserNames' });
      expect(observed.wrongKey?.kind).to.equal('silent');
      expect(observed.distinguishable).to.equal(true);
    } finally {
      await cleanup();
    }
  });

  it('refuses to write an object the write probe does not name', async function () {
    const error = await setSameValue({ host: '127.0.0.2', port: 1, timeoutMs: 100 }, { version: '2c', community: 'x' }, OID.sysName, { kind: 'write-probe', oid: OID.sysLocation }).then(
      () => undefined,
      (caught: Error) => caught,
    );
    expect(error?.message).to.match(/no permission to write 1\.3\.6\.1\.2\.1\.1\.5\.0/);
  });

  it('lists communities and keys as secrets', function () {
    const endpoint = snmpEndpointSchema.parse({ versions: ['2c', '3'], community: 'c0mm', users: [{ user: 'u', authProtocol: 'sha', authKey: 'authkey1', privProtocol: 'aes', privKey: 'privkey1' }] });
    expect(endpoint.port).to.equal(161);
    expect(snmpSecrets(endpoint)).to.have.members(['c0mm', 'authkey1', 'privkey1']);
    expect(() => snmpEndpointSchema.parse({ versions: ['3'], users: [{ user: 'u', privProtocol: 'aes', privKey: 'k' }] })).to.throw(/privacy needs authentication/);
  });
});

describe('SNMP adapter against hostile agents', function () {
  this.timeout(20_000);
  let socket: UdpSocket | undefined;
  afterEach(() => {
    socket?.close();
    socket = undefined;
  });

  async function agent(answer: (request: Buffer) => Buffer | undefined): Promise<{ host: string; port: number }> {
    const host = randomLoopbackHost();
    socket = createSocket('udp4');
    const bound = socket;
    bound.on('message', (request, peer) => {
      const reply = answer(request);
      if (reply) bound.send(reply, peer.port, peer.address);
    });
    await new Promise<void>((resolve) => bound.bind(0, host, () => resolve()));
    return { host, port: bound.address().port };
  }

  it('an agent that answers with garbage gives an error at once, for v2c and v3', async function () {
    const { host, port } = await agent(() => randomBytes(48));
    for (const credentials of [{ version: '2c', community: 'public' }, { version: '3', user: { user: 'u', authProtocol: 'sha', authKey: 'authkey12' } }] as const) {
      const started = Date.now();
      const error = await snmpGet({ host, port, timeoutMs: 2_000 }, credentials, [OID.sysDescr]).then(
        () => undefined,
        (caught: Error) => caught,
      );
      expect(error?.message).to.match(/not SNMP/);
      expect(Date.now() - started).to.be.below(1_000);
    }
  });

  it('an agent that never answers is silent within the timeout; an abort ends the request at once', async function () {
    const { host, port } = await agent(() => undefined);
    const started = Date.now();
    const answer = await snmpGet({ host, port, timeoutMs: 500 }, { version: '3', user: { user: 'u' } }, [OID.sysDescr]);
    expect(answer.kind).to.equal('silent');
    expect(Date.now() - started).to.be.below(1_700);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stopped by the test')), 100);
    const abortedAt = Date.now();
    const error = await snmpGet({ host, port, timeoutMs: 10_000, signal: controller.signal }, { version: '2c', community: 'public' }, [OID.sysDescr]).then(
      () => undefined,
      (caught: Error) => caught,
    );
    expect(error?.message).to.equal('stopped by the test');
    expect(Date.now() - abortedAt).to.be.below(1_000);
  });
});
