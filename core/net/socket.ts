import { Socket } from 'node:net';
import { abortReason } from './abort.js';

/**
 * Sockets with deadlines: every network step of an adapter settles exactly once, by its answer, its deadline or the
 * abort signal, and leaves nothing behind (the socket destroyed, timers cleared, listeners removed). Adapters that
 * need TLS or a protocol library make the socket themselves (tls.connect) and hand it to these helpers.
 */

/** A connection could not be made: refused, reset, unreachable, or not established within the connect timeout. */
export class ConnectError extends Error {
  override name = 'ConnectError';
  constructor(
    message: string,
    /** The system error code; ETIMEDOUT for the connect timeout, ECONNRESET when the peer closed during the connect. */
    readonly code: string | undefined,
    /** Whether the TCP connection was up: a failure at "handshake" happened during the TLS handshake. */
    readonly stage: 'connect' | 'handshake',
  ) {
    super(message);
  }
}

export interface SocketScope<T, S extends Socket = Socket> {
  readonly socket: S;
  /** Settles with a value; the socket is destroyed. */
  resolve(value: T): void;
  /** Settles with an error; the socket is destroyed. */
  reject(error: Error): void;
  /** Settles with a value and leaves the socket open for the caller, without the scope's listeners. */
  keep(value: T): void;
  /** Starts the scope's deadline, or replaces the running one (a connect timeout, then the wait for an answer). */
  deadline(ms: number, onExpire: () => void): void;
  /** Listens on the socket until the scope settles. */
  on(event: string, listener: (...args: any[]) => void): void;
  once(event: string, listener: (...args: any[]) => void): void;
}

export interface ScopeOptions<T, S extends Socket> {
  signal?: AbortSignal;
  /** What an abort does; by default the scope rejects with the signal's reason. */
  onAbort?: (scope: SocketScope<T, S>) => void;
}

/**
 * One step over one socket the caller made: `body` wires the socket to the scope, which settles once (resolve,
 * reject, keep, the deadline's handler or the abort) and then destroys the socket unless it was kept.
 */
export function withSocket<T, S extends Socket = Socket>(socket: S, options: ScopeOptions<T, S>, body: (scope: SocketScope<T, S>) => void): Promise<T> {
  const { signal } = options;
  return new Promise<T>((resolvePromise, rejectPromise) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const listeners: Array<[string, (...args: any[]) => void]> = [];
    const settle = (keepOpen: boolean, outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      for (const [event, listener] of listeners) socket.removeListener(event, listener);
      // An error after the step settled must not bring the process down: a TLS socket closed during its handshake
      // reports the reset on the next tick, and a kept socket may fail while nobody listens.
      if (socket.listenerCount('error') === 0) socket.on('error', () => undefined);
      if (!keepOpen) socket.destroy();
      outcome();
    };
    const scope: SocketScope<T, S> = {
      socket,
      resolve: (value) => settle(false, () => resolvePromise(value)),
      reject: (error) => settle(false, () => rejectPromise(error)),
      keep: (value) => settle(true, () => resolvePromise(value)),
      deadline(ms, onExpire) {
        if (settled) return;
        clearTimeout(timer);
        timer = setTimeout(onExpire, ms);
      },
      on(event, listener) {
        if (settled) return;
        listeners.push([event, listener]);
        socket.on(event, listener);
      },
      once(event, listener) {
        if (settled) return;
        listeners.push([event, listener]);
        socket.once(event, listener);
      },
    };
    const onAbort = () => (options.onAbort ? options.onAbort(scope) : scope.reject(abortReason(signal!)));
    // A signal that aborted before the step began ends it the same way as one that aborts during it.
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      body(scope);
    } catch (error) {
      scope.reject(error as Error);
    }
  });
}

export interface ConnectOptions {
  connectTimeoutMs: number;
  signal?: AbortSignal;
}

const where = (socket: Socket, fallback?: { host: string; port: number }) => (fallback ? `${fallback.host}:${fallback.port}` : `${socket.remoteAddress ?? 'the peer'}:${socket.remotePort ?? '?'}`);

/**
 * Waits until a socket the caller made is connected: 'connect' for plain TCP, 'secureConnect' when `secure` (a
 * tls.connect socket), within connectTimeoutMs. Resolves with the live socket; otherwise it is destroyed and the
 * promise rejects with a ConnectError (or the abort reason).
 */
export function whenConnected<S extends Socket>(socket: S, options: ConnectOptions & { secure?: boolean; peer?: { host: string; port: number } }): Promise<S> {
  return withSocket<S, S>(socket, options, (scope) => {
    // A TLS socket over a stream that is already connected (or over a plain Duplex) starts at the handshake.
    let connected = !socket.connecting;
    const stage = () => (options.secure && connected ? 'handshake' : 'connect');
    const peer = () => where(socket, options.peer);
    scope.deadline(options.connectTimeoutMs, () =>
      scope.reject(new ConnectError(`no ${stage() === 'handshake' ? 'TLS handshake' : 'connection'} with ${peer()} within ${options.connectTimeoutMs} ms`, 'ETIMEDOUT', stage())),
    );
    scope.once('error', (error: NodeJS.ErrnoException) =>
      scope.reject(new ConnectError(`${stage() === 'handshake' ? `TLS handshake with ${peer()} failed` : `cannot connect to ${peer()}`}: ${error.code === 'ECONNREFUSED' ? 'connection refused (ECONNREFUSED)' : (error.code ?? error.message)}`, error.code, stage())),
    );
    scope.once('close', () => scope.reject(new ConnectError(`${peer()} closed the connection during ${stage() === 'handshake' ? 'the TLS handshake' : 'connect'}`, 'ECONNRESET', stage())));
    scope.once('connect', () => {
      connected = true;
      if (!options.secure) scope.keep(socket);
    });
    if (options.secure) scope.once('secureConnect', () => scope.keep(socket));
  });
}

/** A plain TCP connection to host:port within connectTimeoutMs (Nagle off: requests are small and timed). */
export async function connectTcp(options: ConnectOptions & { host: string; port: number }): Promise<Socket> {
  const socket = await whenConnected(new Socket().connect({ host: options.host, port: options.port }), { ...options, peer: { host: options.host, port: options.port } });
  socket.setNoDelay(true);
  return socket;
}

/** Half-closes our side and gives the peer graceMs to finish, then destroys the socket; resolves once it is closed. */
export function endGracefully(socket: Socket, graceMs = 200): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => socket.destroy(), graceMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.end();
  });
}
