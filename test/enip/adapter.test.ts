import { expect } from 'chai';
import { createServer, type Server } from 'node:net';
import { EnipConnection, EnipError, openSession, withSession } from '../../adapters/enip/session.js';
import { listIdentityUdp } from '../../adapters/enip/udp.js';
import { Command, encodeFrame, GeneralStatus } from '../../adapters/enip/wire.js';
import { randomLoopbackHost } from '../../core/net/loopback.js';
import { startSimulator } from '../support/both-ways.js';

const options = { connectTimeoutMs: 2_000, requestTimeoutMs: 2_000 };

describe('EtherNet/IP adapter against the simulated adapter', function () {
  this.timeout(30_000);

  for (const profileName of ['hardened', 'weak-unauthenticated-write'] as const) {
    describe(profileName, function () {
      let simulator: Awaited<ReturnType<typeof startSimulator>>;
      let host: string;
      let port: number;
      before(async function () {
        simulator = await startSimulator('enip', profileName);
        host = simulator.running.host;
        port = (simulator.running.profile.endpoints as { enip: { port: number } }).enip.port;
      });
      after(() => simulator.cleanup());

      it('ListIdentity and ListServices need no session', async function () {
        const connection = await EnipConnection.open({ host, port }, options);
        try {
          const [identity] = await connection.listIdentity(options);
          const declared = (simulator.running.profile.endpoints as { enip: { identity: { vendorId: number; productName: string } } }).enip.identity;
          expect(identity!.vendorId).to.equal(declared.vendorId);
          expect(identity!.productName).to.equal(declared.productName);
          expect(identity!.socketAddress).to.equal(`${host}:${port}`);
          const services = await connection.listServices(options);
          expect(services.map((service) => [service.name, service.tcp])).to.deep.equal([['Communications', true]]);
        } finally {
          connection.destroy();
        }
      });

      it('ListIdentity over UDP on the same port number names the same device', async function () {
        const declared = simulator.running.profile.endpoints!.enip!;
        expect(declared.listIdentityUdp).to.equal(true);
        const identity = await listIdentityUdp({ host, port }, { timeoutMs: 2_000 });
        expect(identity.productName).to.equal(declared.identity!.productName);
        expect(identity.vendorId).to.equal(declared.identity!.vendorId);
      });

      it('Get_Attributes_All and Get_Attribute_Single read the Identity object on a registered session', async function () {
        await withSession({ host, port }, options, async (session) => {
          expect(session.session).to.not.equal(0);
          const all = await session.getAttributesAll({ class: 1, instance: 1 }, options);
          expect(all.generalStatus).to.equal(0);
          const vendor = await session.getAttributeSingle({ class: 1, instance: 1, attribute: 1 }, options);
          expect(vendor.data.readUInt16LE(0)).to.equal(all.data.readUInt16LE(0));
          const missing = await session.getAttributeSingle({ class: 1, instance: 1, attribute: 0x99 }, options);
          expect(missing.generalStatus).to.equal(GeneralStatus.attributeNotSupported);
        });
      });

      it(`Set_Attribute_Single on the unsecured port is ${profileName === 'hardened' ? 'refused with a privilege violation' : 'applied'}`, async function () {
        await withSession({ host, port }, options, async (session) => {
          const point = { class: 0x64, instance: 1, attribute: 2 };
          const set = await session.setAttributeSingle(point, Buffer.from([0x34, 0x12]), options);
          const read = await session.getAttributeSingle(point, options);
          if (profileName === 'hardened') {
            expect(set.generalStatus).to.equal(GeneralStatus.privilegeViolation);
            expect(read.data.readUInt16LE(0)).to.equal(0);
          } else {
            expect(set.generalStatus).to.equal(0);
            expect(read.data.readUInt16LE(0)).to.equal(0x1234);
          }
        });
      });
    });
  }

  it('the hardened adapter answers an unknown command with status 0x0001 and SendRRData without a session with 0x0064', async function () {
    const simulator = await startSimulator('enip', 'hardened');
    try {
      const port = (simulator.running.profile.endpoints as { enip: { port: number } }).enip.port;
      const connection = await EnipConnection.open({ host: simulator.running.host, port }, options);
      try {
        const unknown = await connection.sendRaw(encodeFrame({ command: 0x00ff }), 2_000);
        expect(unknown.status).to.equal(0x0001);
        const noSession = await connection.sendRaw(encodeFrame({ command: Command.sendRRData, session: 0x1234, data: Buffer.alloc(16) }), 2_000);
        expect(noSession.status).to.equal(0x0064);
      } finally {
        connection.destroy();
      }
    } finally {
      await simulator.cleanup();
    }
  });

  describe('hostile peers', function () {
    let server: Server;
    let host: string;
    let port: number;
    let behaviour: 'silent' | 'garbage' | 'reset';
    before(async function () {
      host = randomLoopbackHost();
      server = createServer((socket) => {
        socket.on('error', () => undefined);
        if (behaviour === 'silent') return socket.resume();
        socket.once('data', () => (behaviour === 'garbage' ? socket.write(Buffer.alloc(64, 0xa5)) : socket.resetAndDestroy()));
      });
      await new Promise<void>((resolve) => server.listen(0, host, resolve));
      port = (server.address() as { port: number }).port;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    for (const kind of ['silent', 'garbage', 'reset'] as const) {
      it(`${kind}: RegisterSession fails within the request timeout`, async function () {
        behaviour = kind;
        const started = Date.now();
        const error = await openSession({ host, port }, { connectTimeoutMs: 1_000, requestTimeoutMs: 1_000 }).then(
          () => undefined,
          (caught: unknown) => caught,
        );
        expect(error).to.be.instanceOf(EnipError);
        expect(Date.now() - started).to.be.below(2_500);
      });
    }

    it('ListIdentity over UDP to a port that never answers fails within its timeout', async function () {
      const started = Date.now();
      const error = await listIdentityUdp({ host, port }, { timeoutMs: 500 }).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).to.be.instanceOf(EnipError);
      expect((error as EnipError).reason).to.equal('timeout');
      expect(Date.now() - started).to.be.below(1_500);
    });

    it('an abort ends a pending request at once', async function () {
      behaviour = 'silent';
      const controller = new AbortController();
      const connection = await EnipConnection.open({ host, port }, options);
      const pending = connection.listIdentity({ ...options, requestTimeoutMs: 10_000, signal: controller.signal });
      setTimeout(() => controller.abort(new Error('stopped by the test')), 50);
      const started = Date.now();
      const error = await pending.then(() => undefined, (caught: Error) => caught);
      expect(error?.message).to.equal('stopped by the test');
      expect(Date.now() - started).to.be.below(1_000);
    });
  });
});
