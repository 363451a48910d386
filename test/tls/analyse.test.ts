import { expect } from 'chai';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions, type Server as TlsServer } from 'node:tls';
import { issueCertificate, type IssuedCertificate } from '../../adapters/pki/certificates.js';
import { issueEcCertificate } from '../../adapters/pki/ec-certificates.js';
import { analyseTls, assessCryptography, type TlsAnalysis } from '../../adapters/tls/index.js';
import { freePort, randomLoopbackHost } from '../../core/net/loopback.js';

/** The analysis against real Node TLS servers on loopback, each configured to show one property. */

const host = randomLoopbackHost();
const servers: Array<NetServer | TlsServer> = [];
const sockets = new Set<Socket>();

async function serveTls(options: TlsOptions): Promise<number> {
  const server = createTlsServer(options, (socket) => socket.on('error', () => undefined));
  server.on('tlsClientError', () => undefined);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as { port: number }).port;
}

async function servePlain(onConnection: (socket: Socket) => void): Promise<number> {
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as { port: number }).port;
}

const analyse = (port: number, extra: Partial<Parameters<typeof analyseTls>[0]> = {}): Promise<TlsAnalysis> =>
  analyseTls({ host, port, signal: AbortSignal.timeout(60_000), connectTimeoutMs: 2_000, timeoutMs: 3_000, ...extra });

const names = (analysis: TlsAnalysis, version: string) =>
  analysis.suites
    .filter((suite) => suite.version === version)
    .map((suite) => suite.name)
    .sort();

describe('TLS analysis against loopback servers', function () {
  this.timeout(60_000);
  let modern: IssuedCertificate;
  let old: IssuedCertificate;

  before(function () {
    modern = issueCertificate({ commonName: 'modern', san: { ips: [host] } });
    old = issueCertificate({ commonName: 'old', keyBits: 1024, hash: 'sha1' });
  });
  after(async function () {
    for (const socket of sockets) socket.destroy();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  });

  it('names TLS 1.0, the 1024-bit key and sha1WithRSAEncryption of an old server', async function () {
    const port = await serveTls({ key: old.keyPem, cert: old.certPem, minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'AES128-SHA:@SECLEVEL=0' });
    const analysis = await analyse(port);
    expect(analysis.acceptedVersions).to.deep.equal(['TLSv1']);
    expect(names(analysis, 'TLSv1')).to.deep.equal(['TLS_RSA_WITH_AES_128_CBC_SHA']);
    expect(analysis.certificates[0]).to.include({ keyType: 'RSA', keyBits: 1024, signatureAlgorithm: 'sha1WithRSAEncryption', signatureHash: 'SHA-1' });
    const findings = assessCryptography(analysis);
    expect(findings.deprecatedVersions).to.deep.equal(['TLSv1']);
    expect(findings.forwardSecrecyOffered).to.equal(false);
    expect(findings.problems.join(' ')).to.include('TLS 1.0');
  });

  it('enumerates exactly the suites a modern server is configured with, per version', async function () {
    const port = await serveTls({
      key: modern.keyPem,
      cert: modern.certPem,
      minVersion: 'TLSv1.2',
      ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384',
    });
    const analysis = await analyse(port);
    expect(analysis.acceptedVersions).to.deep.equal(['TLSv1.2', 'TLSv1.3']);
    expect(names(analysis, 'TLSv1.2')).to.deep.equal(['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384']);
    expect(names(analysis, 'TLSv1.3')).to.deep.equal(['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384']);
    expect(analysis.forwardSecrecy).to.deep.equal({ offered: true, only: true });
    expect(analysis.versions.find((probe) => probe.version === 'TLSv1')!.answer).to.match(/protocol_version/);
    expect(assessCryptography(analysis).problems).to.deep.equal([]);
  });

  it('finds a NULL suite, static RSA key exchange and a 1024-bit DH group', async function () {
    const port = await serveTls({ key: old.keyPem, cert: old.certPem, maxVersion: 'TLSv1.2', ciphers: 'NULL-SHA:AES128-SHA:DHE-RSA-AES128-SHA:@SECLEVEL=0', dhparam: 'auto' });
    const findings = assessCryptography(await analyse(port));
    expect(findings.weakSuites.map((suite) => suite.name)).to.deep.equal(['TLS_RSA_WITH_NULL_SHA']);
    expect(findings.weakSuites[0]!.reasons).to.deep.equal(['NULL cipher (no encryption)']);
    expect(findings.staticKeyExchangeSuites).to.include.members(['TLS_RSA_WITH_NULL_SHA', 'TLS_RSA_WITH_AES_128_CBC_SHA']);
    expect(findings.weakEphemeralKeys).to.deep.equal(['DH 1024-bit']);
    expect(findings.forwardSecrecyOffered).to.equal(true);
  });

  for (const suite of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_CCM_SHA256', 'TLS_AES_128_CCM_8_SHA256']) {
    it(`reads the EC certificate from the encrypted TLS 1.3 flight under ${suite}`, async function () {
      const ec = issueEcCertificate({ commonName: 'ec device', san: { ips: [host] } });
      const port = await serveTls({ key: ec.keyPem, cert: ec.certPem, minVersion: 'TLSv1.3', ciphers: suite });
      const analysis = await analyse(port);
      expect(analysis.suites.map((accepted) => accepted.name)).to.deep.equal([suite]);
      expect(analysis.certificates).to.have.length(1);
      expect(analysis.certificates[0]).to.include({ keyType: 'EC', keyBits: 256, curve: 'prime256v1', signatureAlgorithm: 'ecdsa-with-SHA256' });
    });
  }

  it('follows a HelloRetryRequest to the group the server wants', async function () {
    const port = await serveTls({ key: modern.keyPem, cert: modern.certPem, minVersion: 'TLSv1.3', ecdhCurve: 'secp384r1' });
    const lines: string[] = [];
    const analysis = await analyse(port, { log: (line) => lines.push(line) });
    expect(lines[0]).to.match(/HelloRetryRequest/);
    expect(analysis.certificates[0]!.subject).to.equal('CN=modern');
    expect(new Set(analysis.suites.map((suite) => suite.ephemeralKey))).to.deep.equal(new Set(['secp384r1']));
  });

  it('lists the whole chain a server presents, leaf first', async function () {
    const ca = issueCertificate({ commonName: 'Vendor CA', isCA: true });
    const leaf = issueCertificate({ commonName: 'leaf', issuer: ca, san: { ips: [host] } });
    const port = await serveTls({ key: leaf.keyPem, cert: leaf.certPem + ca.certPem, maxVersion: 'TLSv1.2' });
    const analysis = await analyse(port, { enumerateSuites: false });
    expect(analysis.certificates.map((facts) => [facts.subject, facts.selfSigned])).to.deep.equal([
      ['CN=leaf', false],
      ['CN=Vendor CA', true],
    ]);
    expect(analysis.suites).to.have.length(1);
  });

  describe('client certificates', function () {
    it('not requested', async function () {
      const port = await serveTls({ key: modern.keyPem, cert: modern.certPem });
      expect((await analyse(port, { enumerateSuites: false })).clientCertificate).to.include({ requested: false });
    });

    it('requested and required under TLS 1.3, with the trusted CA named', async function () {
      const port = await serveTls({ key: modern.keyPem, cert: modern.certPem, minVersion: 'TLSv1.3', requestCert: true, rejectUnauthorized: true, ca: [modern.certPem] });
      const policy = (await analyse(port, { enumerateSuites: false })).clientCertificate;
      expect(policy).to.include({ requested: true, required: true });
      expect(policy.authorities).to.deep.equal(['CN=modern']);
      expect(policy.detail).to.match(/certificate required/);
    });

    it('requested and required under TLS 1.2', async function () {
      const port = await serveTls({ key: modern.keyPem, cert: modern.certPem, maxVersion: 'TLSv1.2', requestCert: true, rejectUnauthorized: true });
      expect((await analyse(port, { enumerateSuites: false })).clientCertificate).to.include({ requested: true, required: true });
    });

    it('requested but optional', async function () {
      const port = await serveTls({ key: modern.keyPem, cert: modern.certPem, maxVersion: 'TLSv1.2', requestCert: true, rejectUnauthorized: false });
      expect((await analyse(port, { enumerateSuites: false })).clientCertificate).to.include({ requested: true, required: false });
    });
  });

  describe('dead and hostile targets give a clear error, never a hang', function () {
    it('a closed port', async function () {
      const port = await freePort(host);
      await expectRejection(analyse(port), /connection refused/);
    });

    it('a plain HTTP server', async function () {
      const port = await servePlain((socket) => socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n')));
      await expectRejection(analyse(port), /does not speak TLS: it answered a ClientHello with "HTTP\/1\.1 400 Bad Request/);
    });

    it('a server that accepts and never answers', async function () {
      const port = await servePlain(() => undefined);
      await expectRejection(analyse(port, { timeoutMs: 200 }), /answered no ClientHello within 200 ms/);
    });

    it('a server that closes every connection at once', async function () {
      const port = await servePlain((socket) => socket.destroy());
      await expectRejection(analyse(port), /accepted no TLS version/);
    });

    it('an aborted signal stops the analysis of a silent server', async function () {
      const port = await servePlain(() => undefined);
      const controller = new AbortController();
      const running = analyseTls({ host, port, signal: controller.signal, connectTimeoutMs: 2_000, timeoutMs: 600_000 });
      setTimeout(() => controller.abort(new Error('stopped by the test')), 50);
      await expectRejection(running, /stopped by the test/);
    });
  });
});

async function expectRejection(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect((error as Error).message).to.match(pattern);
    return;
  }
  expect.fail(`expected a rejection matching ${pattern}`);
}
