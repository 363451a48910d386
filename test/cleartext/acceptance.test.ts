import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomLoopbackHost } from '../../core/net/loopback.js';
import { parseProfile } from '../../core/profile/load.js';
import type { ProfileInput } from '../../core/profile/schema.js';
import { runCampaign } from '../../harness/run/campaign.js';

/**
 * The acceptance for cleartext services: a Telnet console and an anonymous FTP service, made here, fail
 * CR 4.1 and CR 1.1 on interfaces named after port and protocol, unless the profile declares a countermeasure for
 * that interface.
 */
describe('cleartext management services in a run', function () {
  this.timeout(120_000);
  const host = randomLoopbackHost();
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  let telnetPort = 0;
  let ftpPort = 0;
  let refusingFtpPort = 0;
  const work = mkdtempSync(join(tmpdir(), 'cleartext-run-'));

  async function listen(session: (socket: Socket) => void): Promise<number> {
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      session(socket);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, host, () => resolve()));
    return (server.address() as { port: number }).port;
  }

  before(async function () {
    telnetPort = await listen((socket) => {
      socket.write(Buffer.from([0xff, 0xfb, 0x01, 0xff, 0xfb, 0x03]));
      socket.once('data', () => socket.write('\r\nRTU-40 console\r\nlogin: '));
    });
    ftpPort = await listen((socket) => {
      socket.write('220 RTU-40 FTP\r\n');
      socket.on('data', (data: Buffer) => {
        const line = data.toString('latin1');
        if (line.startsWith('USER')) socket.write('331 Send password\r\n');
        else if (line.startsWith('PASS')) socket.write('230 Logged in\r\n');
        else if (line.startsWith('QUIT')) socket.end('221 Bye\r\n');
      });
    });
    refusingFtpPort = await listen((socket) => {
      socket.write('220 RTU-40 FTP\r\n');
      socket.on('data', (data: Buffer) => {
        const line = data.toString('latin1');
        if (line.startsWith('USER')) socket.write('331 Send password\r\n');
        else if (line.startsWith('PASS')) socket.write('530 Login incorrect\r\n');
        else if (line.startsWith('QUIT')) socket.end('221 Bye\r\n');
      });
    });
  });
  after(async function () {
    for (const socket of sockets) socket.destroy();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    rmSync(work, { recursive: true, force: true });
  });

  const profile = (declarations: Record<string, unknown> = {}): ProfileInput =>
    ({
      component: { name: 'RTU-40', type: 'embedded-device' },
      targetSL: 2,
      host,
      endpoints: { cleartext: [{ service: 'telnet', port: telnetPort }, { service: 'ftp', port: ftpPort }] },
      openPorts: [telnetPort, ftpPort],
      declarations,
      timeouts: { connectMs: 1_000, requestMs: 2_000 },
    }) as unknown as ProfileInput;

  async function verdicts(input: ProfileInput, outDir: string) {
    const campaign = await runCampaign({ profile: parseProfile(input, 'cleartext test'), outDir, only: ['CR 1.1', 'CR 4.1'], protocol: 'cleartext', signal: new AbortController().signal });
    const requirement = (id: string) => campaign.document.requirements.find((entry) => entry.id === id)!;
    return { requirement, results: campaign.results };
  }

  it('Telnet fails CR 4.1 and anonymous FTP fails CR 1.1 and CR 4.1, each naming its port and protocol', async function () {
    const { requirement } = await verdicts(profile(), join(work, 'plain'));
    const confidentiality = requirement('CR 4.1');
    expect(confidentiality.verdict).to.equal('fail');
    const telnet = confidentiality.interfaces.find((entry) => entry.name === `telnet:${telnetPort}`);
    expect(telnet?.verdict).to.equal('fail');
    expect(telnet?.checks[0]?.observed).to.match(new RegExp(`TELNET on ${host.replace(/\./g, '\\.')}:${telnetPort}/tcp answers as Telnet`));
    const ftp = confidentiality.interfaces.find((entry) => entry.name === `ftp:${ftpPort}`);
    expect(ftp?.checks[0]?.observed).to.match(new RegExp(`FTP on ${host.replace(/\./g, '\\.')}:${ftpPort}/tcp takes a login in clear`));
    const identification = requirement('CR 1.1');
    expect(identification.verdict).to.equal('fail');
    const anonymous = identification.interfaces.find((entry) => entry.name === `ftp:${ftpPort}`);
    expect(anonymous?.verdict).to.equal('fail');
    expect(anonymous?.checks[0]?.observed).to.match(new RegExp(`FTP on ${host.replace(/\./g, '\\.')}:${ftpPort}/tcp let "anonymous" log in`));
  });

  it('a countermeasure declared for the Telnet interface compensates its CR 4.1 failure, and only its', async function () {
    const declarations = { 'CR 4.1': [{ interface: `telnet:${telnetPort}`, verdict: 'compensated', rationale: 'console reachable only through the maintenance VPN of the cabinet' }] };
    const { requirement } = await verdicts(profile(declarations), join(work, 'declared'));
    const confidentiality = requirement('CR 4.1');
    expect(confidentiality.interfaces.find((entry) => entry.name === `telnet:${telnetPort}`)?.verdict).to.equal('compensated');
    expect(confidentiality.interfaces.find((entry) => entry.name === `ftp:${ftpPort}`)?.verdict).to.equal('fail');
    expect(confidentiality.verdict).to.equal('fail');
  });

  it('a refused anonymous FTP login passes CR 1.1 and is counted in the failed-login ledger', async function () {
    const input = { ...profile(), endpoints: { cleartext: [{ service: 'ftp', port: refusingFtpPort }] }, openPorts: [refusingFtpPort] } as unknown as ProfileInput;
    const campaign = await runCampaign({ profile: parseProfile(input, 'cleartext test'), outDir: join(work, 'refusing'), only: ['CR 1.1'], protocol: 'cleartext', signal: new AbortController().signal });
    const result = campaign.results.find((entry) => entry.checkId === 'cleartext.authentication.anonymous-ftp-refused')!;
    expect(result.status, result.observed ?? result.message).to.equal('pass');
    expect(result.observed).to.match(/refused "anonymous" \(< 530 Login incorrect\)/);
    expect(result.failedLogins).to.deep.equal([{ interface: `ftp:${refusingFtpPort}`, username: 'anonymous', sent: 1, mostInARow: 1 }]);
  });
});
