import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect as connectNet } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { promisify } from 'node:util';
import { issueCertificate } from '../../adapters/pki/certificates.js';
import { CollectorBindError, SyslogCollector, type CollectorTransport } from '../../adapters/syslog/collector.js';
import { eventFields } from '../../adapters/syslog/parse.js';
import { matchEvents, type CausedEvent } from '../../adapters/syslog/target.js';
import { freePort, randomLoopbackHost } from '../../core/net/loopback.js';

const run = promisify(execFile);

async function collectorOn(transport: CollectorTransport, extra: { acceptFrom?: string } = {}): Promise<SyslogCollector> {
  const host = randomLoopbackHost();
  const port = await freePort(host);
  const tls = transport === 'tls' ? (() => {
    const certificate = issueCertificate({ commonName: host, san: { ips: [host] } });
    return { key: certificate.keyPem, cert: certificate.certPem };
  })() : undefined;
  return SyslogCollector.open({ host, port, transport, idleTimeoutMs: 5_000, ...(tls ? { tls } : {}), ...extra });
}

describe('syslog collector over real sockets', function () {
  this.timeout(20_000);
  const open: SyslogCollector[] = [];
  afterEach(async function () {
    await Promise.all(open.splice(0).map((collector) => collector.close()));
  });
  const track = async (collector: Promise<SyslogCollector>) => {
    const value = await collector;
    open.push(value);
    return value;
  };

  it('receives UDP datagrams, one record each', async function () {
    const collector = await track(collectorOn('udp'));
    const socket = createSocket('udp4');
    socket.send('<13>1 2026-12-01T01:30:12Z plc app - - - one', collector.options.port, collector.options.host);
    socket.send('<13>1 2026-12-01T01:30:12Z plc app - - - two', collector.options.port, collector.options.host);
    expect(await collector.waitFor((records) => records.length === 2, 3_000)).to.equal(true);
    socket.close();
    expect(collector.records.map((entry) => entry.record.message).sort()).to.deep.equal(['one', 'two']);
  });

  it('splits TCP streams by octet count and by newline, across chunk boundaries', async function () {
    const collector = await track(collectorOn('tcp'));
    const socket = connectNet({ host: collector.options.host, port: collector.options.port });
    await new Promise((resolve) => socket.once('connect', resolve));
    const first = '<13>1 2026-12-01T01:30:12Z plc app - - - counted';
    socket.write(`${Buffer.byteLength(first)} ${first.slice(0, 10)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.write(`${first.slice(10)}<13>Dec  1 01:30:12 plc app: lined\n`);
    expect(await collector.waitFor((records) => records.length === 2, 3_000)).to.equal(true);
    socket.destroy();
    expect(collector.records.map((entry) => [entry.framing, entry.record.message])).to.deep.equal([
      ['octet-counting', 'counted'],
      ['newline', 'lined'],
    ]);
  });

  it('receives over TLS (RFC 5425) with octet counting', async function () {
    const collector = await track(collectorOn('tls'));
    const socket = connectTls({ host: collector.options.host, port: collector.options.port, rejectUnauthorized: false });
    await new Promise((resolve) => socket.once('secureConnect', resolve));
    const record = '<13>1 2026-12-01T01:30:12Z plc app - - [a@32473 user="bob"] over tls';
    socket.write(`${Buffer.byteLength(record)} ${record}`);
    expect(await collector.waitFor((records) => records.length === 1, 3_000)).to.equal(true);
    socket.destroy();
    expect(collector.records[0]!.record.structuredData[0]!.params).to.deep.equal({ user: 'bob' });
  });

  it('keeps only records from the device address and refuses connections once stopped', async function () {
    const device = randomLoopbackHost();
    const collector = await track(collectorOn('udp', { acceptFrom: device }));
    const stranger = createSocket('udp4');
    stranger.send('<13>1 - stranger app - - - not the device', collector.options.port, collector.options.host);
    const own = createSocket('udp4');
    await new Promise<void>((resolve) => own.bind(0, device, () => resolve()));
    own.send('<13>1 - plc app - - - from the device', collector.options.port, collector.options.host);
    expect(await collector.waitFor((records) => records.length === 1, 3_000)).to.equal(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    stranger.close();
    own.close();
    expect(collector.records.map((entry) => entry.record.message)).to.deep.equal(['from the device']);
    expect(collector.foreign).to.equal(1);

    const tcp = await track(collectorOn('tcp'));
    await tcp.stop();
    const refused = await new Promise<string>((resolve) => connectNet({ host: tcp.options.host, port: tcp.options.port }).once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? '')));
    expect(refused).to.equal('ECONNREFUSED');
  });

  it('closes a connection that sends an impossible frame, and keeps non-syslog text as unparsed', async function () {
    const collector = await track(collectorOn('tcp'));
    const garbage = connectNet({ host: collector.options.host, port: collector.options.port });
    await new Promise((resolve) => garbage.once('connect', resolve));
    const closed = new Promise((resolve) => garbage.once('close', resolve));
    garbage.on('error', () => undefined);
    garbage.write('hello, not syslog\n99999999 ');
    await closed;
    expect(collector.framingErrors).to.equal(1);
    expect(collector.records.map((entry) => [entry.record.format, entry.record.message])).to.deep.equal([['unparsed', 'hello, not syslog']]);
  });

  it('says which address it could not bind', async function () {
    const collector = await track(collectorOn('tcp'));
    const error = await SyslogCollector.open({ host: collector.options.host, port: collector.options.port, transport: 'tcp', idleTimeoutMs: 1_000 }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).to.be.instanceOf(CollectorBindError);
    expect((error as Error).message).to.equal(`cannot listen on tcp://${collector.options.host}:${collector.options.port}: EADDRINUSE`);
  });
});

describe('syslog collector: records sent by util-linux logger (an independent implementation)', function () {
  this.timeout(20_000);
  const cases: Array<{ transport: 'udp' | 'tcp'; args: string[]; format: string; framing?: string }> = [
    { transport: 'udp', args: ['--udp', '--rfc5424'], format: 'rfc5424' },
    { transport: 'tcp', args: ['--tcp', '--rfc5424', '--octet-count'], format: 'rfc5424', framing: 'octet-counting' },
    { transport: 'tcp', args: ['--tcp', '--rfc3164'], format: 'rfc3164', framing: 'newline' },
  ];
  for (const entry of cases) {
    it(`logger ${entry.args.join(' ')}`, async function () {
      const collector = await collectorOn(entry.transport);
      try {
        // Structured data exists in RFC 5424 only.
        const structured = entry.format === 'rfc5424' ? ['--sd-id', 'audit@32473', '--sd-param', 'user="bob"', '--sd-param', 'outcome="failure"'] : [];
        await run('logger', ['--server', collector.options.host, '--port', String(collector.options.port), ...entry.args, '--tag', 'plc-web', ...structured, 'login failed for bob'], { timeout: 5_000 });
        expect(await collector.waitFor((records) => records.length === 1, 3_000)).to.equal(true);
        const { record } = collector.records[0]!;
        expect(record.format).to.equal(entry.format);
        expect(record.appName).to.equal('plc-web');
        expect(record.message).to.equal('login failed for bob');
        if (entry.framing) expect(collector.records[0]!.framing).to.equal(entry.framing);
        if (entry.format === 'rfc5424') {
          expect(record.zone).to.be.oneOf(['utc', 'offset']);
          expect(eventFields(record)).to.include({ user: 'bob', outcome: 'failure' });
          expect(Math.abs(record.timestamp!.getTime() - Date.now())).to.be.below(5_000);
        } else {
          expect(record.zone).to.equal('none');
        }
      } finally {
        await collector.close();
      }
    });
  }
});

describe('records sent by util-linux logger, judged as the checks judge them', function () {
  this.timeout(20_000);

  async function send(args: string[], message: string) {
    const collector = await collectorOn('tcp');
    try {
      const startedAt = new Date();
      await run('logger', ['--server', collector.options.host, '--port', String(collector.options.port), '--tcp', '--tag', 'plc-web', ...args, message], { timeout: 5_000 });
      expect(await collector.waitFor((records) => records.length === 1, 3_000)).to.equal(true);
      const event: CausedEvent = { interface: 'web-ui', kind: 'failed-login', action: 'failed login as unknown user "nouser-0a1b2c3d"', user: 'nouser-0a1b2c3d', answer: 'refused', startedAt, endedAt: new Date() };
      return { match: matchEvents([event], collector.records, 5_000)[0]!, record: collector.records[0]!.record };
    } finally {
      await collector.close();
    }
  }

  it('an RFC 5424 record with structured data has every field CR 2.8 asks for, a UTC or offset time and fields for CR 6.1', async function () {
    const { match, record } = await send(['--rfc5424', '--octet-count', '--sd-id', 'audit@32473', '--sd-param', 'user="nouser-0a1b2c3d"', '--sd-param', 'outcome="failure"'], 'login failed');
    expect(match.missing).to.deep.equal([]);
    expect(record.zone).to.be.oneOf(['utc', 'offset']);
    expect(eventFields(record)).to.include({ user: 'nouser-0a1b2c3d', outcome: 'failure' });
  });

  it('an RFC 3164 free-text record is matched by its user, but has no zone and no fields', async function () {
    const { match, record } = await send(['--rfc3164'], 'login failed for user nouser-0a1b2c3d');
    expect(match.record).to.not.equal(undefined);
    expect(match.missing).to.deep.equal([]);
    expect(record.zone).to.equal('none');
    expect(eventFields(record)).to.deep.equal({});
  });
});
