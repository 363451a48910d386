import { expect } from 'chai';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, Socket, type Server as NetServer } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { issueCertificate } from '../../adapters/pki/certificates.js';
import type { Check } from '../../core/check.js';
import { freePort, randomLoopbackHost } from '../../core/net/loopback.js';
import { parseProfile } from '../../core/profile/load.js';
import type { ProfileInput } from '../../core/profile/schema.js';
import { executeCheck } from '../../harness/run/execute.js';
import identity from '../../suites/fr1/tls-certificate-identifies-host.check.js';
import keyStrength from '../../suites/fr1/tls-certificate-key-strength.check.js';
import integrityTwin from '../../suites/fr3/tls-cleartext-twin-integrity.check.js';
import confidentialityTwin from '../../suites/fr4/tls-cleartext-twin-confidentiality.check.js';
import cryptography from '../../suites/fr4/tls-cryptography-versions-and-suites.check.js';
import { startSimulator } from '../support/both-ways.js';

const CHECKS = new Map<string, Check>([cryptography, keyStrength, identity, integrityTwin, confidentialityTwin].map((check) => [check.id, check]));
const TLS_CHECKS = [...CHECKS.keys()];

function checkById(id: string): Check {
  const check = CHECKS.get(id);
  if (!check) throw new Error(`no check ${id}`);
  return check;
}

function listen(server: NetServer | HttpServer, host: string): Promise<number> {
  return new Promise((resolve) => server.listen(0, host, () => resolve((server.address() as { port: number }).port)));
}

const profileFor = (host: string, tls: ProfileInput['endpoints'] extends infer E ? (E extends { tls?: infer T } ? T : never) : never, scanPorts: string): ProfileInput => ({
  component: { name: 'test peer', type: 'embedded-device' },
  targetSL: 3,
  host,
  endpoints: { tls },
  openPorts: (tls ?? []).map((service) => service.port),
  scan: { ports: scanPorts },
});

describe('TLS checks beyond the simulator', function () {
  this.timeout(60_000);
  const host = randomLoopbackHost();
  const servers: Array<NetServer | HttpServer> = [];
  const cert = issueCertificate({ commonName: host, san: { ips: [host] } });

  after(async function () {
    for (const server of servers) (server as HttpServer).closeAllConnections?.();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  });

  it('a plain-HTTP port that only redirects to https:// is not a twin', async function () {
    const https = createHttpsServer({ key: cert.keyPem, cert: cert.certPem }, (_request, response) => response.end('<title>Panel</title>'));
    const redirect = createHttpServer((request, response) => response.writeHead(301, { location: `https://${host}:${httpsPort}${request.url}` }).end());
    servers.push(https, redirect);
    const httpsPort = await listen(https, host);
    const redirectPort = await listen(redirect, host);
    for (const id of ['tls.cleartext-twin.integrity', 'tls.cleartext-twin.confidentiality']) {
      const result = await executeCheck(checkById(id), parseProfile(profileFor(host, [{ name: 'panel', port: httpsPort }], `${redirectPort}`)));
      expect(result.status, result.observed ?? result.message).to.equal('pass');
      expect(result.observed).to.include(`redirects to HTTPS only: ${redirectPort} → https://${host}:${httpsPort}/`);
    }
  });

  it('a declared cleartext port of a TLS service that is not HTTP is reported when it accepts plain connections', async function () {
    const tlsEcho = createTlsServer({ key: cert.keyPem, cert: cert.certPem }, (socket) => socket.pipe(socket));
    const plainEcho = createNetServer((socket) => {
      socket.on('error', () => undefined);
      socket.pipe(socket);
    });
    servers.push(tlsEcho, plainEcho);
    const tlsPort = await listen(tlsEcho, host);
    const plainPort = await listen(plainEcho, host);
    const result = await executeCheck(
      checkById('tls.cleartext-twin.confidentiality'),
      parseProfile(profileFor(host, [{ name: 'telemetry', port: tlsPort, cleartextPort: plainPort }], `${tlsPort}`)),
      { settings: { requestTimeoutMs: 300 } },
    );
    expect(result.status, result.observed ?? result.message).to.equal('fail');
    expect(result.observed).to.include(`declared cleartext port ${plainPort} of telemetry accepts plain-text connections`);
  });

  it('every TLS check gives error with the reason when the service is down', async function () {
    const closed = await freePort(host);
    for (const id of TLS_CHECKS) {
      const result = await executeCheck(checkById(id), parseProfile(profileFor(host, [{ name: 'gone', port: closed }], `${closed}`)));
      expect(result.status, `${id}: ${result.observed ?? result.message}`).to.equal('error');
      expect(result.message).to.match(/connection refused/);
    }
  });

  it('every TLS check gives error, not a hang, when the service accepts and stays silent', async function () {
    // It reads (so it notices when the harness hangs up) but never answers.
    const silent = createNetServer((socket) => socket.on('error', () => undefined).resume());
    servers.push(silent);
    const port = await listen(silent, host);
    for (const id of TLS_CHECKS) {
      const result = await executeCheck(checkById(id), parseProfile(profileFor(host, [{ name: 'silent', port }], `${port}`)), { settings: { connectTimeoutMs: 500, requestTimeoutMs: 300 } });
      expect(result.status, `${id}: ${result.observed ?? result.message}`).to.equal('error');
      expect(result.message).to.match(/within (300|500) ms/);
    }
  });
});

describe('tls simulator', function () {
  this.timeout(60_000);

  it('the weak web page: the report names TLS 1.0, the 1024-bit key and sha1WithRSAEncryption', async function () {
    const simulator = await startSimulator('tls', 'weak');
    try {
      const profile = parseProfile(simulator.running.profile);
      const observed: string[] = [];
      for (const id of TLS_CHECKS) {
        const result = await executeCheck(checkById(id), profile);
        expect(result.status, `${id}: ${result.observed ?? result.message}`).to.equal('fail');
        observed.push(result.observed!);
      }
      const cryptographyLine = observed[0]!;
      expect(cryptographyLine).to.include('TLS 1.0');
      expect(observed[1]).to.include('RSA 1024-bit').and.to.include('sha1WithRSAEncryption');
      // The version, key size and signature algorithm also appear together on the CR 4.3 line.
      expect(cryptographyLine).to.include('RSA 1024-bit').and.to.include('sha1WithRSAEncryption');
    } finally {
      await simulator.cleanup();
    }
  });

  it('describes only its declared port, yet listens on the undeclared ones too', async function () {
    const simulator = await startSimulator('tls', 'weak');
    try {
      const { profile, ports } = simulator.running;
      expect(profile.openPorts).to.deep.equal([ports[0]]);
      expect(profile.endpoints?.tls).to.deep.equal([{ name: 'web-ui', port: ports[0] }]);
      expect(ports).to.have.length(3);
    } finally {
      await simulator.cleanup();
    }
  });

  it('stop() closes every listener and open connection', async function () {
    const simulator = await startSimulator('tls', 'weak');
    const { host, ports } = simulator.running;
    const idle = new Socket();
    await new Promise<void>((resolve, reject) => idle.connect({ host, port: ports[2]! }, resolve).once('error', reject));
    idle.resume();
    const closed = new Promise<void>((resolve) => idle.once('close', () => resolve()));
    await simulator.cleanup();
    await closed;
    for (const port of ports) {
      const error = await new Promise<NodeJS.ErrnoException>((resolve) => new Socket().once('error', resolve).connect({ host, port }));
      expect(error.code).to.equal('ECONNREFUSED');
    }
  });
});
