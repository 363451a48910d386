import { expect } from 'chai';
import { createServer, type Server, type Socket } from 'node:net';
import { freePort, randomLoopbackHost } from '../../core/net/loopback.js';
import { ConnectError, connectTcp, endGracefully, withSocket } from '../../core/net/socket.js';

/** The socket helper of the kernel (core/net/socket.ts) against real loopback peers. */
describe('core/net/socket: deadlines, aborts and clean-up', function () {
  const host = randomLoopbackHost();
  let server: Server;
  let port: number;
  const accepted: Socket[] = [];
  before(async function () {
    server = createServer((socket) => {
      accepted.push(socket);
      socket.on('error', () => undefined);
      // Speaks only when spoken to with "ping".
      socket.on('data', (chunk) => {
        if (chunk.toString() === 'ping') socket.write('pong');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    port = (server.address() as { port: number }).port;
  });
  after(async function () {
    for (const socket of accepted) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('connects within the timeout, and names a refused port in a ConnectError', async function () {
    const socket = await connectTcp({ host, port, connectTimeoutMs: 1_000 });
    expect(socket.readyState).to.equal('open');
    await endGracefully(socket);
    expect(socket.destroyed).to.equal(true);
    const closed = await freePort(host);
    const error = await connectTcp({ host, port: closed, connectTimeoutMs: 1_000 }).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(ConnectError);
    expect(error).to.include({ code: 'ECONNREFUSED', stage: 'connect' });
    expect((error as Error).message).to.include(`${host}:${closed}`);
  });

  it('settles a conversation by its answer or its deadline, and destroys the socket either way', async function () {
    const ask = (what: string) =>
      connectTcp({ host, port, connectTimeoutMs: 1_000 }).then((socket) =>
        withSocket<string>(socket, {}, (scope) => {
          scope.deadline(150, () => scope.resolve('silent'));
          scope.on('data', (chunk: Buffer) => scope.resolve(chunk.toString()));
          socket.write(what);
        }).then((answer) => ({ answer, destroyed: socket.destroyed })),
      );
    expect(await ask('ping')).to.deep.equal({ answer: 'pong', destroyed: true });
    expect(await ask('hello')).to.deep.equal({ answer: 'silent', destroyed: true });
  });

  it('lets a socket report an error after its step settled without bringing the process down', async function () {
    const socket = await connectTcp({ host, port, connectTimeoutMs: 1_000 });
    await withSocket<void>(socket, {}, (scope) => {
      scope.on('error', () => undefined);
      scope.resolve();
    });
    // What a TLS socket does when the peer closed during the handshake: the error comes on the next tick.
    expect(() => socket.emit('error', new Error('late reset'))).not.to.throw();
  });

  it('keeps a socket open for the caller without its listeners', async function () {
    const socket = await connectTcp({ host, port, connectTimeoutMs: 1_000 });
    const before = socket.listenerCount('data');
    const answer = await withSocket<string>(socket, {}, (scope) => {
      scope.on('data', (chunk: Buffer) => scope.keep(chunk.toString()));
      socket.write('ping');
    });
    expect(answer).to.equal('pong');
    expect(socket.destroyed).to.equal(false);
    expect(socket.listenerCount('data')).to.equal(before);
    // Kept twice (connected, then answered): one guard against late errors, not one per step.
    expect(socket.listenerCount('error')).to.equal(1);
    socket.destroy();
  });

  it('rejects with the abort reason at once when the signal aborts, or was aborted before', async function () {
    const socket = await connectTcp({ host, port, connectTimeoutMs: 1_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('interrupted')), 50);
    const began = Date.now();
    const error = await withSocket<void>(socket, { signal: controller.signal }, (scope) => scope.deadline(10_000, () => scope.resolve())).catch((caught: unknown) => caught);
    expect((error as Error).message).to.equal('interrupted');
    expect(Date.now() - began).to.be.below(1_000);
    expect(socket.destroyed).to.equal(true);
    const early = await connectTcp({ host, port, connectTimeoutMs: 1_000, signal: controller.signal }).catch((caught: unknown) => caught);
    expect((early as Error).message).to.equal('interrupted');
  });

  it('ends a step whose signal aborted before it began through the step\'s own abort handling', async function () {
    const socket = await connectTcp({ host, port, connectTimeoutMs: 1_000 });
    const controller = new AbortController();
    controller.abort(new Error('over'));
    let bodyRan = false;
    const answer = await withSocket<string>(socket, { signal: controller.signal, onAbort: (scope) => scope.resolve('ended quietly') }, () => {
      bodyRan = true;
    });
    expect({ answer, bodyRan, destroyed: socket.destroyed }).to.deep.equal({ answer: 'ended quietly', bodyRan: false, destroyed: true });
  });
});
