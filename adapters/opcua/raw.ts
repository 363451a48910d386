import { Socket } from 'node:net';
import { OpcuaTimeoutError, OpcuaUnreachableError } from './deadline.js';
import { statusValue } from './status.js';
import { StatusCodes, type StatusCode } from 'node-opcua';
import type { StatusValue } from './types.js';

/**
 * A raw OPC UA TCP connection (Part 6 UA Connection Protocol): framed messages over a socket with no library state in
 * between. It answers liveness questions without the client stack, and lets robustness checks send what a normal
 * client never would (malformed Hello, tampered chunks).
 */

export interface RawMessage {
  /** "HEL", "ACK", "ERR", "RHE", "OPN", "MSG" or "CLO". */
  type: string;
  /** "F", "C" or "A". */
  chunk: string;
  /** The whole message including its 8-byte header. */
  raw: Buffer;
  /** The bytes after the header. */
  body: Buffer;
}

export interface AckParameters {
  protocolVersion: number;
  receiveBufferSize: number;
  sendBufferSize: number;
  maxMessageSize: number;
  maxChunkCount: number;
}

export type HelloOutcome = { kind: 'ack'; ack: AckParameters } | { kind: 'error'; status: StatusValue; reason: string } | { kind: 'closed' };

export function parseOpcTcpUrl(url: string): { host: string; port: number; path: string } {
  const match = /^opc\.tcp:\/\/(\[[^\]]+\]|[^:/]+)(?::(\d+))?(\/.*)?$/.exec(url);
  if (!match) throw new Error(`not an opc.tcp URL: ${url}`);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port: match[2] ? Number(match[2]) : 4840, path: match[3] ?? '' };
}

export function encodeHello(endpointUrl: string, options: Partial<AckParameters> = {}): Buffer {
  const url = Buffer.from(endpointUrl, 'utf8');
  const message = Buffer.alloc(8 + 20 + 4 + url.length);
  message.write('HELF', 0, 'ascii');
  message.writeUInt32LE(message.length, 4);
  message.writeUInt32LE(options.protocolVersion ?? 0, 8);
  message.writeUInt32LE(options.receiveBufferSize ?? 65535, 12);
  message.writeUInt32LE(options.sendBufferSize ?? 65535, 16);
  message.writeUInt32LE(options.maxMessageSize ?? 0, 20);
  message.writeUInt32LE(options.maxChunkCount ?? 0, 24);
  message.writeInt32LE(url.length, 28);
  url.copy(message, 32);
  return message;
}

function statusOfCode(code: number): StatusValue {
  const known = Object.values(StatusCodes as unknown as Record<string, StatusCode>).find((status) => status && typeof status.value === 'number' && status.value >>> 0 === code >>> 0);
  return known ? statusValue(known) : { name: `0x${(code >>> 0).toString(16).padStart(8, '0')}`, code: code >>> 0 };
}

export class RawUaConnection {
  private buffer = Buffer.alloc(0);
  private readonly queue: RawMessage[] = [];
  private waiter?: { resolve: (message: RawMessage | undefined) => void; reject: (error: Error) => void };
  private ended = false;
  private failure?: Error;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.drain();
    });
    socket.on('error', (error) => {
      this.failure = error;
      this.wake();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake();
    });
  }

  /** Opens a TCP connection; a refused or silent port rejects within timeoutMs. */
  static connect(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<RawUaConnection> {
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      const done = (error?: Error) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        socket.removeAllListeners('connect');
        socket.removeAllListeners('error');
        if (error) {
          socket.destroy();
          reject(error);
        } else resolve(new RawUaConnection(socket));
      };
      const onAbort = () => done(new OpcuaTimeoutError('aborted while connecting'));
      const timer = setTimeout(() => done(new OpcuaTimeoutError(`TCP connect to ${host}:${port}: no answer within ${timeoutMs} ms`)), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.once('connect', () => done());
      socket.once('error', (error: NodeJS.ErrnoException) => done(new OpcuaUnreachableError(`TCP connect to ${host}:${port}: ${error.code ?? error.message}`)));
      socket.connect({ host, port });
    });
  }

  private drain(): void {
    while (this.buffer.length >= 8) {
      const size = this.buffer.readUInt32LE(4);
      if (size < 8) {
        this.failure = new Error(`malformed frame: size ${size}`);
        this.socket.destroy();
        break;
      }
      if (this.buffer.length < size) break;
      const raw = this.buffer.subarray(0, size);
      this.buffer = this.buffer.subarray(size);
      this.queue.push({ type: raw.toString('ascii', 0, 3), chunk: raw.toString('ascii', 3, 4), raw, body: raw.subarray(8) });
    }
    this.wake();
  }

  private wake(): void {
    if (!this.waiter) return;
    const waiter = this.waiter;
    if (this.queue.length > 0) {
      this.waiter = undefined;
      waiter.resolve(this.queue.shift());
    } else if (this.failure) {
      this.waiter = undefined;
      waiter.reject(this.failure);
    } else if (this.ended) {
      this.waiter = undefined;
      waiter.resolve(undefined);
    }
  }

  send(data: Buffer): void {
    this.socket.write(data);
  }

  /** The next whole message, or undefined when the peer closed the connection first. */
  receive(timeoutMs: number, signal?: AbortSignal): Promise<RawMessage | undefined> {
    if (this.queue.length > 0) return Promise.resolve(this.queue.shift());
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        this.waiter = undefined;
        finish();
        reject(new OpcuaTimeoutError('aborted while waiting for a message'));
      };
      const timer = setTimeout(() => {
        this.waiter = undefined;
        finish();
        reject(new OpcuaTimeoutError(`no message within ${timeoutMs} ms`));
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiter = {
        resolve: (message) => {
          finish();
          resolve(message);
        },
        reject: (error) => {
          finish();
          reject(error);
        },
      };
    });
  }

  close(): void {
    this.socket.destroy();
  }

  /** Sends Hello and reads the answer: Acknowledge, Error, or a closed connection. */
  async hello(endpointUrl: string, timeoutMs: number, signal?: AbortSignal): Promise<HelloOutcome> {
    this.send(encodeHello(endpointUrl));
    const answer = await this.receive(timeoutMs, signal);
    if (!answer) return { kind: 'closed' };
    if (answer.type === 'ACK' && answer.body.length >= 20) {
      const body = answer.body;
      return {
        kind: 'ack',
        ack: { protocolVersion: body.readUInt32LE(0), receiveBufferSize: body.readUInt32LE(4), sendBufferSize: body.readUInt32LE(8), maxMessageSize: body.readUInt32LE(12), maxChunkCount: body.readUInt32LE(16) },
      };
    }
    if (answer.type === 'ERR' && answer.body.length >= 8) {
      const length = answer.body.readInt32LE(4);
      const reason = length > 0 ? answer.body.toString('utf8', 8, 8 + length) : '';
      return { kind: 'error', status: statusOfCode(answer.body.readUInt32LE(0)), reason };
    }
    throw new Error(`unexpected answer to Hello: ${answer.type}${answer.chunk}`);
  }
}

/** One Hello/Acknowledge exchange on a fresh connection; used to tell "the device refused" from "the device is gone". */
export async function helloExchange(url: string, timeoutMs: number, signal?: AbortSignal): Promise<HelloOutcome> {
  const { host, port } = parseOpcTcpUrl(url);
  const connection = await RawUaConnection.connect(host, port, timeoutMs, signal);
  try {
    return await connection.hello(url, timeoutMs, signal);
  } finally {
    connection.close();
  }
}
