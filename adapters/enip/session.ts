import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { abortReason } from '../../core/net/abort.js';
import { connectTcp, endGracefully, whenConnected } from '../../core/net/socket.js';
import {
  Command,
  decodeCipResponse,
  decodeCpf,
  decodeListIdentityItem,
  decodeServiceItem,
  encodeCipRequest,
  encodeFrame,
  encodePath,
  encapStatusName,
  HEADER_LENGTH,
  ItemType,
  registerSessionData,
  sendRRData,
  Service,
  splitFrames,
  unconnectedMessage,
  type CipResponse,
  type EncapFrame,
  type ListedIdentity,
  type ListedService,
} from './wire.js';

export interface EnipTarget {
  host: string;
  port: number;
  /** CIP Security: EtherNet/IP inside TLS. */
  tls?: { ca?: string; cert?: string; key?: string };
}

export interface EnipOptions {
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  signal?: AbortSignal;
}

/** Why an encapsulation exchange did not give an answer: the peer closed, stayed silent, or sent what is not EtherNet/IP. */
export class EnipError extends Error {
  override name = 'EnipError';
  constructor(
    message: string,
    readonly reason: 'closed' | 'timeout' | 'malformed' | 'status',
    /** The encapsulation status, for reason "status". */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Waits for any message, whatever its sender context. */
const ANY_CONTEXT = -1n;

/** Upper bound of one reply: a peer that announces more is not an EtherNet/IP adapter we can talk to. */
const MAX_REPLY = 65_535 + HEADER_LENGTH;

/**
 * One TCP (or TLS) connection to an EtherNet/IP adapter: one request at a time, each with its deadline and the abort
 * signal; replies are matched by the sender context we chose. RegisterSession is explicit, so the unsessioned commands
 * (ListIdentity, ListServices) can be asked alone.
 */
export class EnipConnection {
  private buffer = Buffer.alloc(0);
  private waiting?: { context: bigint; resolve: (frame: EncapFrame) => void; reject: (error: Error) => void };
  private nextContext = 1n;
  private failure?: EnipError;
  session = 0;

  private constructor(
    readonly socket: Socket,
    readonly label: string,
  ) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => this.fail(new EnipError(`${label} closed the connection`, 'closed')));
  }

  static async open(target: EnipTarget, options: EnipOptions): Promise<EnipConnection> {
    const label = `${target.tls ? 'enip+tls' : 'enip'}://${target.host}:${target.port}`;
    if (!target.tls) return new EnipConnection(await connectTcp({ host: target.host, port: target.port, connectTimeoutMs: options.connectTimeoutMs, signal: options.signal }), label);
    const socket = tlsConnect({ host: target.host, port: target.port, servername: undefined, rejectUnauthorized: false, ca: target.tls.ca, cert: target.tls.cert, key: target.tls.key });
    return new EnipConnection(await whenConnected(socket, { connectTimeoutMs: options.connectTimeoutMs, signal: options.signal, secure: true, peer: target }), label);
  }

  get closed(): boolean {
    return this.failure !== undefined || this.socket.destroyed;
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    if (this.buffer.length > MAX_REPLY) return this.fail(new EnipError(`${this.label} sent more than ${MAX_REPLY} bytes without a complete encapsulation message`, 'malformed'), true);
    if (this.buffer.length >= HEADER_LENGTH && this.buffer.readUInt16LE(2) > MAX_REPLY - HEADER_LENGTH) return this.fail(new EnipError(`${this.label} announced an oversized message`, 'malformed'), true);
    const { frames, rest } = splitFrames(this.buffer);
    this.buffer = Buffer.from(rest);
    for (const frame of frames) {
      const waiting = this.waiting;
      if (!waiting || (waiting.context !== ANY_CONTEXT && frame.context.readBigUInt64LE(0) !== waiting.context)) continue;
      this.waiting = undefined;
      waiting.resolve(frame);
    }
  }

  private fail(error: EnipError, destroy = false): void {
    this.failure ??= error;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(error);
    if (destroy) this.socket.destroy();
  }

  /** Sends one encapsulation message and waits for the reply that carries its sender context. */
  request(command: number, data: Buffer, options: EnipOptions & { session?: number }): Promise<EncapFrame> {
    const context = this.nextContext++;
    const contextBytes = Buffer.alloc(8);
    contextBytes.writeBigUInt64LE(context, 0);
    const reply = this.awaitFrame(context, options.requestTimeoutMs, options.signal, commandName(command));
    if (!this.failure) this.socket.write(encodeFrame({ command, data, session: options.session ?? this.session, context: contextBytes }));
    return reply;
  }

  /** Sends bytes as they are (a malformed message) and waits for whatever message comes back first. */
  sendRaw(bytes: Buffer, timeoutMs: number, signal?: AbortSignal): Promise<EncapFrame> {
    const reply = this.awaitFrame(ANY_CONTEXT, timeoutMs, signal, 'the message');
    if (!this.failure) this.socket.write(bytes);
    return reply;
  }

  private awaitFrame(context: bigint, timeoutMs: number, signal: AbortSignal | undefined, what: string): Promise<EncapFrame> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiting) return Promise.reject(new Error('one EtherNet/IP request at a time on a connection'));
    return new Promise<EncapFrame>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        this.waiting = undefined;
        done();
        this.socket.destroy();
        reject(abortReason(signal!));
      };
      const timer = setTimeout(() => {
        this.waiting = undefined;
        signal?.removeEventListener('abort', onAbort);
        reject(new EnipError(`${this.label} did not answer ${what} within ${timeoutMs} ms`, 'timeout'));
      }, timeoutMs);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting = {
        context,
        resolve: (frame) => {
          done();
          resolve(frame);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      };
    });
  }

  async registerSession(options: EnipOptions): Promise<number> {
    const reply = await this.request(Command.registerSession, registerSessionData(), { ...options, session: 0 });
    if (reply.status !== 0) throw new EnipError(`${this.label} refused RegisterSession: ${encapStatusName(reply.status)}`, 'status', reply.status);
    if (reply.session === 0) throw new EnipError(`${this.label} accepted RegisterSession but gave session handle 0`, 'malformed');
    this.session = reply.session;
    return reply.session;
  }

  async listIdentity(options: EnipOptions): Promise<ListedIdentity[]> {
    const reply = await this.request(Command.listIdentity, Buffer.alloc(0), { ...options, session: 0 });
    if (reply.status !== 0) throw new EnipError(`${this.label} answered ListIdentity with ${encapStatusName(reply.status)}`, 'status', reply.status);
    const items = decodeCpf(reply.data);
    if (!items) throw new EnipError(`${this.label} sent a ListIdentity reply whose item list does not parse`, 'malformed');
    return items.filter((item) => item.type === ItemType.identity).map((item) => {
      const identity = decodeListIdentityItem(item.data);
      if (!identity) throw new EnipError(`${this.label} sent a ListIdentity item that does not parse`, 'malformed');
      return identity;
    });
  }

  async listServices(options: EnipOptions): Promise<ListedService[]> {
    const reply = await this.request(Command.listServices, Buffer.alloc(0), { ...options, session: 0 });
    if (reply.status !== 0) throw new EnipError(`${this.label} answered ListServices with ${encapStatusName(reply.status)}`, 'status', reply.status);
    const items = decodeCpf(reply.data);
    if (!items) throw new EnipError(`${this.label} sent a ListServices reply whose item list does not parse`, 'malformed');
    return items.filter((item) => item.type === ItemType.services).flatMap((item) => decodeServiceItem(item.data) ?? []);
  }

  /** One unconnected explicit message through SendRRData on the registered session. */
  async explicit(cipRequest: Buffer, options: EnipOptions): Promise<CipResponse> {
    const reply = await this.request(Command.sendRRData, sendRRData(cipRequest), options);
    if (reply.status !== 0) throw new EnipError(`${this.label} answered SendRRData with ${encapStatusName(reply.status)}`, 'status', reply.status);
    const message = unconnectedMessage(reply.data);
    const response = message && decodeCipResponse(message);
    if (!response) throw new EnipError(`${this.label} sent a SendRRData reply without a readable CIP response`, 'malformed');
    return response;
  }

  getAttributeSingle(point: { class: number; instance: number; attribute: number }, options: EnipOptions): Promise<CipResponse> {
    return this.explicit(encodeCipRequest(Service.getAttributeSingle, encodePath(point)), options);
  }

  getAttributesAll(point: { class: number; instance: number }, options: EnipOptions): Promise<CipResponse> {
    return this.explicit(encodeCipRequest(Service.getAttributesAll, encodePath(point)), options);
  }

  setAttributeSingle(point: { class: number; instance: number; attribute: number }, value: Buffer, options: EnipOptions): Promise<CipResponse> {
    return this.explicit(encodeCipRequest(Service.setAttributeSingle, encodePath(point), value), options);
  }

  /** UnRegisterSession (which has no reply), then a graceful close. */
  async close(): Promise<void> {
    if (!this.socket.destroyed && this.session !== 0 && !this.failure) this.socket.write(encodeFrame({ command: Command.unRegisterSession, session: this.session }));
    await endGracefully(this.socket);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A connection with a registered session, closed again when the registration fails. */
export async function openSession(target: EnipTarget, options: EnipOptions): Promise<EnipConnection> {
  const connection = await EnipConnection.open(target, options);
  try {
    await connection.registerSession(options);
    return connection;
  } catch (error) {
    connection.destroy();
    throw error;
  }
}

/** Runs `body` on a session and closes it whatever happens. */
export async function withSession<T>(target: EnipTarget, options: EnipOptions, body: (connection: EnipConnection) => Promise<T>): Promise<T> {
  const connection = await openSession(target, options);
  try {
    return await body(connection);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

const COMMAND_NAMES: Record<number, string> = {
  [Command.nop]: 'NOP',
  [Command.listServices]: 'ListServices',
  [Command.listIdentity]: 'ListIdentity',
  [Command.listInterfaces]: 'ListInterfaces',
  [Command.registerSession]: 'RegisterSession',
  [Command.unRegisterSession]: 'UnRegisterSession',
  [Command.sendRRData]: 'SendRRData',
  [Command.sendUnitData]: 'SendUnitData',
};
export const commandName = (command: number) => COMMAND_NAMES[command] ?? `command 0x${command.toString(16).padStart(4, '0')}`;
