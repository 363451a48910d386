import { expect } from 'chai';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { ANONYMOUS_PASSWORD, probeFtp, takeReplies } from '../../adapters/cleartext/ftp.js';
import { probeTelnet, readTelnet } from '../../adapters/cleartext/telnet.js';
import { probeTftp } from '../../adapters/cleartext/tftp.js';
import { randomLoopbackHost } from '../../core/net/loopback.js';

/** The Telnet, FTP and TFTP probes against listeners made here, as old devices run them. */
describe('cleartext service probes', function () {
  this.timeout(20_000);
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const udp: UdpSocket[] = [];
  afterEach(async function () {
    for (const socket of sockets) socket.destroy();
    for (const socket of udp.splice(0)) socket.close();
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });
  async function tcp(handler: (socket: Socket) => void): Promise<{ host: string; port: number }> {
    const host = randomLoopbackHost();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      handler(socket);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, host, () => resolve()));
    return { host, port: (server.address() as { port: number }).port };
  }

  it('Telnet: recognises option negotiation and a login prompt, refusing each option', async function () {
    const replies: Buffer[] = [];
    const { host, port } = await tcp((socket) => {
      socket.write(Buffer.from([0xff, 0xfd, 0x18, 0xff, 0xfb, 0x01]));
      socket.once('data', (data: Buffer) => {
        replies.push(data);
        socket.write('\r\nPLC-7 maintenance\r\nlogin: ');
      });
    });
    const probe = await probeTelnet({ host, port, timeoutMs: 3_000 });
    expect(probe).to.include({ telnet: true, loginPrompt: true });
    expect(probe.negotiation).to.deep.equal(['DO TERMINAL-TYPE', 'WILL ECHO']);
    expect([...Buffer.concat(replies)]).to.deep.equal([0xff, 0xfc, 0x18, 0xff, 0xfe, 0x01]);
  });

  it('Telnet: a banner without negotiation or prompt is not taken for Telnet; a silent port is an observation', async function () {
    const chatty = await tcp((socket) => socket.write('220 mail.example ESMTP\r\n'));
    expect((await probeTelnet({ ...chatty, timeoutMs: 1_500 })).telnet).to.equal(false);
    const silent = await tcp((socket) => socket.resume());
    const probe = await probeTelnet({ ...silent, timeoutMs: 900 });
    expect(probe).to.include({ telnet: false });
    expect(probe.note).to.match(/silent for 900 ms/);
    expect(readTelnet(Buffer.from([0x41, 0xff, 0xfa, 0x18, 0x01, 0xff, 0xf0, 0x42])).text).to.equal('AB');
  });

  function ftpServer(allowAnonymous: boolean) {
    return tcp((socket) => {
      socket.write('220-Welcome to the PLC file service\r\n220 ready\r\n');
      let buffer = '';
      socket.on('data', (data: Buffer) => {
        buffer += data.toString('latin1');
        for (let end = buffer.indexOf('\r\n'); end >= 0; end = buffer.indexOf('\r\n')) {
          const line = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (line.startsWith('USER')) socket.write('331 Password required\r\n');
          else if (line.startsWith('PASS')) socket.write(allowAnonymous ? '230 Anonymous access granted\r\n' : '530 Login incorrect\r\n');
          else if (line === 'QUIT') socket.end('221 Bye\r\n');
        }
      });
    });
  }

  it('FTP: reads a multi-line greeting and sees anonymous login accepted or refused', async function () {
    const open = await ftpServer(true);
    const accepted = await probeFtp({ ...open, timeoutMs: 3_000, user: 'anonymous', password: ANONYMOUS_PASSWORD });
    expect(accepted).to.include({ ftp: true, login: 'accepted' });
    expect(accepted.greeting?.code).to.equal(220);
    expect(accepted.transcript).to.include('> USER anonymous');
    const closed = await ftpServer(false);
    expect(await probeFtp({ ...closed, timeoutMs: 3_000, user: 'anonymous', password: ANONYMOUS_PASSWORD })).to.include({ ftp: true, login: 'refused' });
    expect(await probeFtp({ ...closed, timeoutMs: 3_000, })).to.include({ ftp: true, login: 'not-tried' });
    expect(takeReplies('220-a\r\n220-b\r\n220 c\r\n331 x\r\n').replies.map((reply) => reply.code)).to.deep.equal([220, 331]);
  });

  it('FTP: a server that requires TLS first, and a port that is not FTP', async function () {
    const tlsFirst = await tcp((socket) => {
      socket.write('220 FTP server ready\r\n');
      socket.once('data', () => socket.write('530 Non-anonymous sessions must use encryption (TLS required)\r\n'));
    });
    expect((await probeFtp({ ...tlsFirst, timeoutMs: 3_000, user: 'anonymous', password: ANONYMOUS_PASSWORD })).login).to.equal('tls-required');
    const ssh = await tcp((socket) => socket.write('SSH-2.0-OpenSSH_9.2\r\n'));
    const error = await probeFtp({ ...ssh, timeoutMs: 800, user: 'anonymous', password: ANONYMOUS_PASSWORD }).then(
      () => undefined,
      (caught: Error) => caught,
    );
    expect(error?.message).to.match(/no answer within 800 ms/);
  });

  it('TFTP: an ERROR or a DATA answer shows a TFTP server; the DATA transfer is stopped; silence is not a finding', async function () {
    const host = randomLoopbackHost();
    const server = createSocket('udp4');
    udp.push(server);
    const stops: Buffer[] = [];
    const transfer = createSocket('udp4');
    udp.push(transfer);
    await new Promise<void>((resolve) => transfer.bind(0, host, () => resolve()));
    transfer.on('message', (packet) => stops.push(packet));
    let serveFiles = false;
    server.on('message', (request, peer) => {
      if (request.readUInt16BE(0) !== 1) return;
      // As RFC 1350 has it, the answer comes from a new port: the server's transfer id.
      const answer = serveFiles ? Buffer.concat([Buffer.from([0, 3, 0, 1]), Buffer.from('config=1\n')]) : Buffer.concat([Buffer.from([0, 5, 0, 1]), Buffer.from('File not found\0')]);
      transfer.send(answer, peer.port, peer.address);
    });
    await new Promise<void>((resolve) => server.bind(0, host, () => resolve()));
    const port = server.address().port;
    const error = await probeTftp({ host, port, timeoutMs: 2_000 });
    expect(error).to.deep.include({ tftp: true, answer: { opcode: 'ERROR', errorCode: 1, message: 'File not found' } });
    serveFiles = true;
    const data = await probeTftp({ host, port, timeoutMs: 2_000 });
    expect(data.answer).to.deep.include({ opcode: 'DATA', block: 1 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stops.map((packet) => packet.readUInt16BE(0))).to.deep.equal([5]);
    const nobody = createSocket('udp4');
    udp.push(nobody);
    await new Promise<void>((resolve) => nobody.bind(0, host, () => resolve()));
    const silent = await probeTftp({ host, port: nobody.address().port, timeoutMs: 500 });
    expect(silent).to.include({ tftp: false });
  });
});
