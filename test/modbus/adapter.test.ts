import { expect } from 'chai';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replayFuzzCase } from '../../core/fuzz/replay.js';
import { randomLoopbackHost } from '../../core/net/loopback.js';
import { parseProfile } from '../../core/profile/load.js';
import { issueCertificate } from '../../adapters/pki/certificates.js';
import { readUtf8Extension } from '../../adapters/pki/extensions.js';
import {
  caKeyFromProfile,
  decodeHeader,
  encodeFrame,
  issueRoleCertificate,
  ModbusChannel,
  ModbusConnectError,
  ModbusRequestError,
  ModbusSession,
  MODBUS_ROLE_OID,
  Pdu,
  readReply,
  modbusFuzzing,
  targetFromProfile,
  tryRequest,
  withCredentials,
  type ModbusTarget,
} from '../../adapters/modbus/index.js';
import simulator from '../../simulators/modbus/index.js';
import type { RunningSimulator } from '../../simulators/types.js';

const quick = { connectTimeoutMs: 1000, requestTimeoutMs: 500 };

/** A test-owned peer on its own loopback address that misbehaves as told. */
async function hostilePeer(onConnection: (socket: net.Socket) => void): Promise<{ target: ModbusTarget; close: () => Promise<void> }> {
  const host = randomLoopbackHost();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    target: { host, port, unitId: 1 },
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function startModbus(profile: string): Promise<{ running: RunningSimulator; target: ModbusTarget; stop: () => Promise<void> }> {
  const workDir = mkdtempSync(join(tmpdir(), `modbus-test-${profile}-`));
  const running = await simulator.start({ profile, host: randomLoopbackHost(), workDir });
  const target = targetFromProfile(parseProfile(running.profile), running.host);
  return {
    running,
    target,
    stop: async () => {
      await running.stop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

describe('modbus adapter: framing', function () {
  it('encodes an MBAP header and reads it back, with a lying length when asked', function () {
    const frame = encodeFrame({ transactionId: 0x1234, unitId: 7, pdu: Pdu.read('holding', 10, 2) });
    expect(frame.toString('hex')).to.equal('123400000006070300' + '0a0002');
    expect(decodeHeader(frame)).to.deep.equal({ transactionId: 0x1234, protocolId: 0, length: 6, unitId: 7 });
    expect(decodeHeader(encodeFrame({ transactionId: 1, unitId: 1, pdu: Pdu.raw(3), length: 200, protocolId: 9 }))).to.include({ length: 200, protocolId: 9 });
  });

  it('tells exceptions, well-formed responses and malformed replies apart', function () {
    const request = Pdu.read('holding', 0, 2);
    expect(readReply(request, Buffer.from([0x83, 0x02]))).to.deep.equal({ kind: 'exception', functionCode: 3, code: 2 });
    expect(readReply(request, Buffer.from([0x03, 0x04, 0, 1, 0, 2])).kind).to.equal('response');
    expect(readReply(request, Buffer.from([0x03, 0x04, 0, 1]))).to.deep.include({ kind: 'malformed', reason: 'byte count 4 but 2 data bytes' });
    expect(readReply(request, Buffer.from([0x03, 0x02, 0, 1])).kind).to.equal('malformed');
    expect(readReply(request, Buffer.from([0x04, 0x04, 0, 1, 0, 2])).kind).to.equal('malformed');
    expect(readReply(request, Buffer.from([0x83, 0x02, 0x00])).kind).to.equal('malformed');
    const write = Pdu.writeSingleRegister(5, 42);
    expect(readReply(write, Buffer.from(write)).kind).to.equal('response');
    expect(readReply(write, Pdu.writeSingleRegister(5, 43)).kind).to.equal('malformed');
  });

  it('reads the Modbus role from a certificate extension as a UTF8String', function () {
    const ca = issueCertificate({ commonName: 'test CA', isCA: true });
    const leaf = issueCertificate({ commonName: 'op', issuer: ca, utf8Extensions: [{ oid: MODBUS_ROLE_OID, value: 'Opérateur' }] });
    expect(readUtf8Extension(leaf.certDer, MODBUS_ROLE_OID)).to.equal('Opérateur');
    expect(readUtf8Extension(ca.certDer, MODBUS_ROLE_OID)).to.equal(undefined);
    expect(readUtf8Extension(Buffer.from('not a certificate'), MODBUS_ROLE_OID)).to.equal(undefined);
  });
});

describe('modbus adapter: dead and hostile peers', function () {
  it('reports a closed port as a connect error, not a hang', async function () {
    const peer = await hostilePeer(() => undefined);
    await peer.close();
    const error = await ModbusChannel.open(peer.target, quick).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).to.be.instanceOf(ModbusConnectError);
    expect((error as ModbusConnectError).message).to.match(/ECONNREFUSED/);
  });

  it('gives a timeout outcome when the peer accepts and never answers', async function () {
    const peer = await hostilePeer(() => undefined);
    try {
      const channel = await ModbusChannel.open(peer.target, quick);
      const { outcome } = await channel.request(Pdu.read('holding', 0, 1), { timeoutMs: 100 });
      channel.destroy();
      expect(outcome.kind).to.equal('timeout');
      const session = await ModbusSession.connect(peer.target, { ...quick, requestTimeoutMs: 100 });
      const failure = await session.read('holding', 0, 1).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      session.destroy();
      expect(failure).to.be.instanceOf(ModbusRequestError);
      expect((failure as ModbusRequestError).reason).to.equal('timeout');
    } finally {
      await peer.close();
    }
  });

  it('records garbage with an impossible MBAP length instead of waiting for it', async function () {
    const peer = await hostilePeer((socket) => socket.on('data', () => socket.write(Buffer.from('00010000ffff01ffffffffffff', 'hex'))));
    try {
      const channel = await ModbusChannel.open(peer.target, quick);
      const { outcome } = await channel.request(Pdu.read('holding', 0, 1), { timeoutMs: 100 });
      channel.destroy();
      expect(outcome.kind).to.equal('timeout');
      expect(channel.garbage[0]?.reason).to.match(/impossible MBAP length 65535/);
    } finally {
      await peer.close();
    }
  });

  it('gives up a pending request when the signal aborts', async function () {
    const peer = await hostilePeer(() => undefined);
    try {
      const channel = await ModbusChannel.open(peer.target, quick);
      const controller = new AbortController();
      const pending = channel.request(Pdu.read('holding', 0, 1), { timeoutMs: 60_000, signal: controller.signal });
      controller.abort(new Error('stop now'));
      const error = await pending.then(
        () => undefined,
        (caught: unknown) => caught,
      );
      channel.destroy();
      expect((error as Error).message).to.equal('stop now');
    } finally {
      await peer.close();
    }
  });
});

describe('modbus simulator: hardened and weak stacks', function () {
  let hardened: Awaited<ReturnType<typeof startModbus>>;
  let weak: Awaited<ReturnType<typeof startModbus>>;
  before(async function () {
    [hardened, weak] = await Promise.all([startModbus('hardened'), startModbus('weak')]);
  });
  after(async function () {
    await Promise.all([hardened?.stop(), weak?.stop()]);
  });

  it('hardened: answers errors with the prescribed exceptions and keeps measurements write-protected', async function () {
    const channel = await ModbusChannel.open(hardened.target, quick);
    try {
      const answers = await channel.requestMany(
        [{ pdu: Pdu.raw(0x19, 0, 0, 0, 1) }, { pdu: Pdu.read('input', 98, 3) }, { pdu: Pdu.read('coil', 0, 0) }, { pdu: Pdu.writeSingleRegister(10, 1) }, { pdu: Pdu.writeSingleRegister(0, 1500) }],
        { timeoutMs: 1000 },
      );
      const seen = answers.map(({ outcome }) => (outcome.kind === 'reply' ? outcome.received.pdu.toString('hex') : outcome.kind));
      expect(seen).to.deep.equal(['9901', '8402', '8103', '8602', Pdu.writeSingleRegister(0, 1500).toString('hex')]);
    } finally {
      channel.destroy();
    }
  });

  it('hardened: reports its identification objects through FC 43 / MEI 14', async function () {
    const session = await ModbusSession.connect(hardened.target, quick);
    try {
      const result = await session.readDeviceIdentification();
      expect(result.ok).to.equal(true);
      if (result.ok) expect(result.value.objects.slice(0, 3).map((object) => object.value)).to.deep.equal(['Example Automation', 'TPLC-100', 'V2.4.1']);
    } finally {
      await session.close();
    }
  });

  it('hardened: closes a connection whose MBAP header is impossible', async function () {
    const channel = await ModbusChannel.open(hardened.target, quick);
    const waiting = channel.await(undefined, { timeoutMs: 2000 });
    channel.sendRaw(encodeFrame({ transactionId: 1, unitId: 1, pdu: Pdu.read('holding', 0, 1), protocolId: 1 }));
    expect((await waiting).kind).to.equal('closed');
  });

  it('weak: stays silent on unknown function codes and truncates replies past the end of a table', async function () {
    const channel = await ModbusChannel.open(weak.target, quick);
    try {
      const [unknown, pastEnd] = await channel.requestMany([{ pdu: Pdu.raw(0x19, 0, 0, 0, 1) }, { pdu: Pdu.read('holding', 99, 2) }], { timeoutMs: 300 });
      expect(unknown!.outcome.kind).to.equal('timeout');
      expect(pastEnd!.outcome.kind).to.equal('reply');
      if (pastEnd!.outcome.kind === 'reply') expect(readReply(Pdu.read('holding', 99, 2), pastEnd!.outcome.received.pdu).kind).to.equal('malformed');
    } finally {
      channel.destroy();
    }
  });

  it('weak: a write past the end stops the service without touching the test process, and a watchdog brings it back', async function () {
    const channel = await ModbusChannel.open(weak.target, quick);
    const { outcome } = await channel.request(Pdu.writeSingleRegister(100, 1), { timeoutMs: 1000 });
    expect(outcome.kind).to.equal('closed');
    const refused = await ModbusChannel.open(weak.target, quick).then(
      (again) => (again.destroy(), undefined),
      (caught: unknown) => caught,
    );
    expect(refused).to.be.instanceOf(ModbusConnectError);
    for (;;) {
      const back = await ModbusChannel.open(weak.target, quick).catch(() => undefined);
      if (back) {
        const { outcome: read } = await back.request(Pdu.read('input', 0, 1), { timeoutMs: 1000 });
        back.destroy();
        expect(read.kind).to.equal('reply');
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  });

  it('replays one fuzz case by id against either stack', async function () {
    const options = { ...quick, signal: new AbortController().signal, log: () => undefined };
    const good = await replayFuzzCase(modbusFuzzing, parseProfile(hardened.running.profile), 'function.unknown-0x19', options);
    expect(good.result).to.include({ id: 'function.unknown-0x19', verdict: 'ok' });
    // The hardened simulator draws its unit id per start; the frame carries it after the MBAP length.
    const unitId = hardened.running.profile.endpoints!.modbus!.unitId!;
    expect(good.fuzzCase.bytes.subarray(2).toString('hex')).to.equal(`00000006${unitId.toString(16).padStart(2, '0')}1900000001`);
    expect(good.aliveAfter).to.equal(true);
    const bad = await replayFuzzCase(modbusFuzzing, parseProfile(weak.running.profile), 'address.read-holding-across-end', options);
    expect(bad.result.verdict).to.equal('wrong');
    expect(bad.result.problem).to.match(/malformed reply/);
    const unknown = await replayFuzzCase(modbusFuzzing, parseProfile(hardened.running.profile), 'no.such-case', options).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect((unknown as Error).message).to.match(/no fuzz case "no.such-case"/);
  });
});

describe('modbus simulator: Modbus/TCP Security', function () {
  let secure: Awaited<ReturnType<typeof startModbus>>;
  before(async function () {
    secure = await startModbus('secure');
  });
  after(async function () {
    await secure?.stop();
  });

  it('serves the operator, refuses a viewer\'s write with exception 01 and refuses a client without a certificate', async function () {
    const write = Pdu.writeSingleRegister(0, 1500);
    const operator = await tryRequest(secure.target, write, quick);
    expect(operator.kind === 'request' && operator.outcome.kind === 'reply' ? operator.outcome.received.pdu.toString('hex') : operator.kind).to.equal(write.toString('hex'));
    const viewer = issueRoleCertificate(caKeyFromProfile(parseProfile(secure.running.profile))!, 'viewer');
    const asViewer = await tryRequest(withCredentials(secure.target, { certPem: viewer.certPem, keyPem: viewer.keyPem }), write, quick);
    expect(asViewer.kind === 'request' && asViewer.outcome.kind === 'reply' ? asViewer.outcome.received.pdu.toString('hex') : asViewer.kind).to.equal('8601');
    const anonymous = await tryRequest(withCredentials(secure.target, { certPem: undefined, keyPem: undefined }), write, quick);
    expect(anonymous.kind === 'handshake-refused' || (anonymous.kind === 'request' && anonymous.outcome.kind === 'closed')).to.equal(true);
  });

  it('stops every listener and socket on stop()', async function () {
    const { running, target } = await startModbus('secure');
    const channel = await ModbusChannel.open(target, quick);
    await running.stop();
    const { outcome } = await channel.request(Pdu.read('input', 0, 1), { timeoutMs: 1000 });
    expect(outcome.kind).to.equal('closed');
    const error = await ModbusChannel.open(target, quick).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).to.be.instanceOf(ModbusConnectError);
  });
});
