import type { Socket } from 'node:net';
import { ConnectError, connectTcp } from '../../core/net/socket.js';
import { OpcuaTimeoutError, OpcuaUnreachableError } from './deadline.js';
import { statusValue } from './status.js';
import {
  BinaryStream,
  CloseSecureChannelRequest,
  GetEndpointsRequest,
  GetEndpointsResponse,
  MessageSecurityMode,
  OpenSecureChannelRequest,
  OpenSecureChannelResponse,
  SecurityPolicy,
  SecurityTokenRequestType,
  ServiceFault,
  StatusCodes,
  decodeExpandedNodeId,
  encodeExpandedNodeId,
  type ExpandedNodeId,
  type StatusCode,
} from 'node-opcua';
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

export function statusOfCode(code: number): StatusValue {
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
  static async connect(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<RawUaConnection> {
    try {
      return new RawUaConnection(await connectTcp({ host, port, connectTimeoutMs: timeoutMs, signal }));
    } catch (error) {
      if (signal?.aborted) throw new OpcuaTimeoutError('aborted while connecting');
      if (error instanceof ConnectError && error.code === 'ETIMEDOUT') throw new OpcuaTimeoutError(`TCP connect to ${host}:${port}: no answer within ${timeoutMs} ms`);
      if (error instanceof ConnectError) throw new OpcuaUnreachableError(`TCP connect to ${host}:${port}: ${error.code ?? error.message}`);
      throw error;
    }
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
  async hello(endpointUrl: string, timeoutMs: number, signal?: AbortSignal, parameters: Partial<AckParameters> = {}): Promise<HelloOutcome> {
    this.send(encodeHello(endpointUrl, parameters));
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

/** A request or response object of node-opcua's generated types, encodable on its own. */
export interface UaStructure {
  encode(stream: BinaryStream): void;
  decode(stream: BinaryStream): void;
}
export interface UaStructureClass<T extends UaStructure> {
  new (): T;
  encodingDefaultBinary: ExpandedNodeId;
}

/** The service body of a chunk: the type's encoding id followed by the encoded structure. */
export function encodeServiceBody(structure: UaStructure): Buffer {
  const stream = new BinaryStream(1 << 16);
  encodeExpandedNodeId((structure.constructor as unknown as UaStructureClass<UaStructure>).encodingDefaultBinary, stream);
  structure.encode(stream);
  return Buffer.from(stream.buffer.subarray(0, stream.length));
}

function lengthPrefixed(value: Buffer | null): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeInt32LE(value === null ? -1 : value.length);
  return value === null ? prefix : Buffer.concat([prefix, value]);
}

function frame(type: string, parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const header = Buffer.alloc(8);
  header.write(`${type}F`, 0, 'ascii');
  header.writeUInt32LE(8 + body.length, 4);
  return Buffer.concat([header, body]);
}

const uint32 = (value: number): Buffer => {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32LE(value >>> 0);
  return buffer;
};

/** An OpenSecureChannel request with SecurityPolicy None (Part 6 6.7.2): asymmetric header without certificates. */
export function encodeOpenSecureChannelNone(options: { sequenceNumber: number; requestId: number; requestedLifetimeMs?: number; channelId?: number }): Buffer {
  const request = new OpenSecureChannelRequest({
    clientProtocolVersion: 0,
    requestType: SecurityTokenRequestType.Issue,
    securityMode: MessageSecurityMode.None,
    clientNonce: Buffer.alloc(0),
    requestedLifetime: options.requestedLifetimeMs ?? 60_000,
  });
  return frame('OPN', [
    uint32(options.channelId ?? 0),
    lengthPrefixed(Buffer.from(SecurityPolicy.None, 'utf8')),
    lengthPrefixed(null),
    lengthPrefixed(null),
    uint32(options.sequenceNumber),
    uint32(options.requestId),
    encodeServiceBody(request),
  ]);
}

/** A MSG or CLO chunk on a None channel: symmetric header (token id), sequence header, service body. */
export function encodeSecureMessage(type: 'MSG' | 'CLO', channel: { channelId: number; tokenId: number }, sequenceNumber: number, requestId: number, body: Buffer): Buffer {
  return frame(type, [uint32(channel.channelId), uint32(channel.tokenId), uint32(sequenceNumber), uint32(requestId), body]);
}

export interface SecureMessage {
  type: string;
  channelId: number;
  /** OPN only. */
  securityPolicyUri?: string;
  /** MSG and CLO only. */
  tokenId?: number;
  sequenceNumber: number;
  requestId: number;
  /** Encoding id of the body, e.g. "ns=0;i=449" for OpenSecureChannelResponse. */
  typeId: string;
  /** Positioned after the encoding id: decode the structure from here. */
  body: BinaryStream;
}

/** Reads the headers of an unencrypted OPN, MSG or CLO chunk (SecurityPolicy None). */
export function decodeSecureMessage(message: RawMessage): SecureMessage {
  const stream = new BinaryStream(message.body);
  const channelId = stream.readUInt32();
  let securityPolicyUri: string | undefined;
  let tokenId: number | undefined;
  if (message.type === 'OPN') {
    securityPolicyUri = stream.readString() ?? '';
    stream.readByteStream();
    stream.readByteStream();
  } else {
    tokenId = stream.readUInt32();
  }
  const sequenceNumber = stream.readUInt32();
  const requestId = stream.readUInt32();
  const typeId = decodeExpandedNodeId(stream).toString();
  return { type: message.type, channelId, securityPolicyUri, tokenId, sequenceNumber, requestId, typeId, body: stream };
}

export interface RawSecureChannel {
  channelId: number;
  tokenId: number;
  revisedLifetimeMs: number;
}

/**
 * A UA connection that also speaks the secure conversation with SecurityPolicy None: Hello, OpenSecureChannel,
 * service requests, CloseSecureChannel, with every byte in the caller's hands between them.
 */
export class RawUaSession {
  private sequenceNumber = 1;
  private requestId = 1;
  channel?: RawSecureChannel;

  constructor(
    readonly connection: RawUaConnection,
    readonly endpointUrl: string,
    private readonly timeoutMs: number,
    private readonly signal?: AbortSignal,
  ) {}

  static async open(url: string, timeoutMs: number, signal?: AbortSignal): Promise<RawUaSession> {
    const { host, port } = parseOpcTcpUrl(url);
    const connection = await RawUaConnection.connect(host, port, timeoutMs, signal);
    const session = new RawUaSession(connection, url, timeoutMs, signal);
    try {
      const hello = await connection.hello(url, timeoutMs, signal);
      if (hello.kind !== 'ack') throw new Error(`Hello was not acknowledged: ${hello.kind === 'error' ? `${hello.status.name} ${hello.reason}` : 'connection closed'}`);
      const answer = await session.exchange(encodeOpenSecureChannelNone({ sequenceNumber: session.sequenceNumber++, requestId: session.requestId++ }));
      const response = session.decodeAs(answer, OpenSecureChannelResponse as unknown as UaStructureClass<OpenSecureChannelResponse>);
      session.channel = { channelId: response.securityToken.channelId, tokenId: response.securityToken.tokenId, revisedLifetimeMs: response.securityToken.revisedLifetime };
      return session;
    } catch (error) {
      connection.close();
      throw error;
    }
  }

  /** Sends raw bytes and waits for the next message; the device closing the connection rejects. */
  async exchange(bytes: Buffer): Promise<SecureMessage> {
    this.connection.send(bytes);
    const answer = await this.connection.receive(this.timeoutMs, this.signal);
    if (!answer) throw new OpcuaUnreachableError('the device closed the connection');
    if (answer.type === 'ERR') {
      const status = statusOfCode(answer.body.readUInt32LE(0));
      throw Object.assign(new Error(`the device answered with an Error message: ${status.name}`), { statusCode: StatusCodes[status.name as keyof typeof StatusCodes] });
    }
    return decodeSecureMessage(answer);
  }

  /** Encodes a request as a MSG chunk on this channel (the caller may tamper with it before exchange()). */
  encodeRequest(request: UaStructure): Buffer {
    if (!this.channel) throw new Error('no secure channel');
    return encodeSecureMessage('MSG', this.channel, this.sequenceNumber++, this.requestId++, encodeServiceBody(request));
  }

  /** Sends a service request and decodes the answer as the expected response (a ServiceFault becomes an error with its status). */
  async request<T extends UaStructure>(request: UaStructure, responseClass: UaStructureClass<T>): Promise<T> {
    return this.decodeAs(await this.exchange(this.encodeRequest(request)), responseClass);
  }

  decodeAs<T extends UaStructure>(message: SecureMessage, responseClass: UaStructureClass<T>): T {
    if (message.typeId === (ServiceFault as unknown as UaStructureClass<ServiceFault>).encodingDefaultBinary.toString()) {
      const fault = new ServiceFault();
      fault.decode(message.body);
      const status = fault.responseHeader.serviceResult;
      throw Object.assign(new Error(`ServiceFault ${status.name}`), { statusCode: status });
    }
    if (message.typeId !== responseClass.encodingDefaultBinary.toString()) throw new Error(`expected ${responseClass.name}, got type ${message.typeId}`);
    const response = new responseClass();
    response.decode(message.body);
    return response;
  }

  /** GetEndpoints on this channel: the endpoint list as the device sends it, without the client stack. */
  async getEndpoints(): Promise<Array<{ endpointUrl: string; securityPolicyUri: string; securityMode: string }>> {
    const response = await this.request(new GetEndpointsRequest({ endpointUrl: this.endpointUrl }), GetEndpointsResponse as unknown as UaStructureClass<GetEndpointsResponse>);
    return (response.endpoints ?? []).map((endpoint) => ({ endpointUrl: endpoint.endpointUrl ?? '', securityPolicyUri: endpoint.securityPolicyUri ?? '', securityMode: MessageSecurityMode[endpoint.securityMode] ?? String(endpoint.securityMode) }));
  }

  /** CloseSecureChannel, then the socket. */
  close(): void {
    if (this.channel) {
      try {
        this.connection.send(encodeSecureMessage('CLO', this.channel, this.sequenceNumber++, this.requestId++, encodeServiceBody(new CloseSecureChannelRequest({}))));
      } catch {
        // the socket may already be gone
      }
    }
    this.connection.close();
  }
}

/** One Hello/Acknowledge exchange on a fresh connection; used to tell "the device refused" from "the device is gone". */
export async function helloExchange(url: string, timeoutMs: number, signal?: AbortSignal, parameters: Partial<AckParameters> = {}): Promise<HelloOutcome> {
  const { host, port } = parseOpcTcpUrl(url);
  const connection = await RawUaConnection.connect(host, port, timeoutMs, signal);
  try {
    return await connection.hello(url, timeoutMs, signal, parameters);
  } finally {
    connection.close();
  }
}
