import { createServer, Socket, type Server } from 'node:net';
import { whenConnected } from '../../core/net/socket.js';
import { randomLoopbackHost } from '../../core/net/loopback.js';
import { OpcuaTimeoutError } from './deadline.js';
import { parseOpcTcpUrl } from './raw.js';

/**
 * A man in the middle for CR 3.1 RE(1): a TCP relay on a loopback address of the harness's own machine, between the
 * harness's client and the device, that passes the UA connection protocol through chunk by chunk and, when armed,
 * changes bytes of one chunk the client sends. The device sees exactly what a tampering attacker on the path would
 * send it: a message whose signature no longer matches its content.
 */

/** Returns the chunk with the change applied and a note of what was changed, or undefined to let it pass. */
export type ChunkTamper = (chunk: Buffer) => { chunk: Buffer; change: string } | undefined;

export interface TamperRecord {
  /** "MSGF" and the like. */
  chunkType: string;
  size: number;
  change: string;
}

export class TamperProxy {
  private readonly sockets = new Set<Socket>();
  private tamper?: { apply: ChunkTamper; resolve: (record: TamperRecord) => void };
  readonly records: TamperRecord[] = [];
  /** Chunks relayed from the client to the device. */
  relayedChunks = 0;

  private constructor(
    private readonly server: Server,
    readonly host: string,
    readonly port: number,
    private readonly target: { host: string; port: number; connectTimeoutMs: number },
  ) {}

  /** Listens on a loopback address of its own and relays every connection to the device's endpoint. */
  static async start(deviceUrl: string, options: { connectTimeoutMs: number; signal?: AbortSignal }): Promise<TamperProxy> {
    const { host, port } = parseOpcTcpUrl(deviceUrl);
    const listenHost = randomLoopbackHost();
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(new OpcuaTimeoutError('aborted while starting the tampering relay'));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      server.once('error', reject);
      server.listen(0, listenHost, () => {
        options.signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('the tampering relay has no port');
    const proxy = new TamperProxy(server, listenHost, address.port, { host, port, connectTimeoutMs: options.connectTimeoutMs });
    server.on('connection', (client) => proxy.relay(client));
    return proxy;
  }

  /** The device URL as seen through the relay (same path). */
  url(deviceUrl: string): string {
    return `opc.tcp://${this.host}:${this.port}${parseOpcTcpUrl(deviceUrl).path}`;
  }

  /**
   * Applies `tamper` to the next client chunks until it changes one; resolves with what was changed. Chunks are
   * offered whole (the relay reassembles them), so the change lands inside one message.
   */
  armOnce(tamper: ChunkTamper): Promise<TamperRecord> {
    return new Promise((resolve) => {
      this.tamper = { apply: tamper, resolve };
    });
  }

  private relay(client: Socket): void {
    const upstream = new Socket();
    this.sockets.add(client);
    this.sockets.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    // Bytes the client sends meanwhile wait in the socket until it is connected.
    whenConnected(upstream.connect({ host: this.target.host, port: this.target.port }), { connectTimeoutMs: this.target.connectTimeoutMs }).catch(end);
    upstream.on('data', (data: Buffer) => client.write(data));
    let pending = Buffer.alloc(0);
    client.on('data', (data: Buffer) => {
      pending = Buffer.concat([pending, data]);
      while (pending.length >= 8) {
        const size = pending.readUInt32LE(4);
        if (size < 8) {
          // Not the UA framing any more: relay the rest as it is.
          upstream.write(pending);
          pending = Buffer.alloc(0);
          return;
        }
        if (pending.length < size) return;
        let chunk: Buffer = Buffer.from(pending.subarray(0, size));
        pending = pending.subarray(size);
        this.relayedChunks++;
        if (this.tamper) {
          const changed = this.tamper.apply(chunk);
          if (changed) {
            const record = { chunkType: chunk.toString('ascii', 0, 4), size: chunk.length, change: changed.change };
            this.records.push(record);
            chunk = changed.chunk;
            const { resolve } = this.tamper;
            this.tamper = undefined;
            resolve(record);
          }
        }
        upstream.write(chunk);
      }
    });
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Built-in type ids and value sizes of the numeric Variant encodings (OPC 10000-6 5.1.2). */
const NUMERIC_VARIANTS: Record<string, { typeId: number; size: number; encode: (value: number) => Buffer }> = {
  SByte: { typeId: 2, size: 1, encode: (value) => Buffer.from([value & 0xff]) },
  Byte: { typeId: 3, size: 1, encode: (value) => Buffer.from([value & 0xff]) },
  Int16: { typeId: 4, size: 2, encode: (value) => le((buffer) => buffer.writeInt16LE(value), 2) },
  UInt16: { typeId: 5, size: 2, encode: (value) => le((buffer) => buffer.writeUInt16LE(value), 2) },
  Int32: { typeId: 6, size: 4, encode: (value) => le((buffer) => buffer.writeInt32LE(value), 4) },
  UInt32: { typeId: 7, size: 4, encode: (value) => le((buffer) => buffer.writeUInt32LE(value), 4) },
  Float: { typeId: 10, size: 4, encode: (value) => le((buffer) => buffer.writeFloatLE(value), 4) },
  Double: { typeId: 11, size: 8, encode: (value) => le((buffer) => buffer.writeDoubleLE(value), 8) },
};

function le(write: (buffer: Buffer) => void, size: number): Buffer {
  const buffer = Buffer.alloc(size);
  write(buffer);
  return buffer;
}

export const isTamperableType = (dataType: string): boolean => dataType in NUMERIC_VARIANTS;

/** The value a flip of the lowest bit of its encoding gives: what the device stores if it acts on the tampered chunk. */
export function flippedValue(dataType: string, value: number): number {
  const variant = NUMERIC_VARIANTS[dataType];
  if (!variant) throw new Error(`no tampering for ${dataType} values`);
  const bytes = variant.encode(value);
  bytes[0]! ^= 0x01;
  switch (dataType) {
    case 'SByte':
      return bytes.readInt8(0);
    case 'Byte':
      return bytes.readUInt8(0);
    case 'Int16':
      return bytes.readInt16LE(0);
    case 'UInt16':
      return bytes.readUInt16LE(0);
    case 'Int32':
      return bytes.readInt32LE(0);
    case 'UInt32':
      return bytes.readUInt32LE(0);
    case 'Float':
      return bytes.readFloatLE(0);
    default:
      return bytes.readDoubleLE(0);
  }
}

/**
 * Flips the lowest bit of a numeric Variant value inside a MSG chunk, where it appears in clear (Sign mode): the
 * Variant's type byte followed by the value's little-endian bytes. The chunk's signature is left as it was.
 */
export function flipVariantValue(dataType: string, value: number): ChunkTamper {
  const variant = NUMERIC_VARIANTS[dataType];
  if (!variant) throw new Error(`no tampering for ${dataType} values`);
  const pattern = Buffer.concat([Buffer.from([variant.typeId]), variant.encode(value)]);
  return (chunk) => {
    if (chunk.toString('ascii', 0, 3) !== 'MSG') return undefined;
    const at = chunk.indexOf(pattern, 24);
    if (at < 0) return undefined;
    const changed = Buffer.from(chunk);
    changed[at + 1]! ^= 0x01;
    return { chunk: changed, change: `lowest bit of the ${dataType} value ${value} flipped at byte ${at + 1} of ${chunk.length} (now ${flippedValue(dataType, value)})` };
  };
}

/** Flips one byte in the middle of the protected part of the next MSG chunk: for encrypted chunks, whose content is opaque. */
export function flipMiddleByte(): ChunkTamper {
  return (chunk) => {
    if (chunk.toString('ascii', 0, 3) !== 'MSG' || chunk.length < 40) return undefined;
    const at = 16 + Math.floor((chunk.length - 16) / 2);
    const changed = Buffer.from(chunk);
    changed[at]! ^= 0xff;
    return { chunk: changed, change: `byte ${at} of ${chunk.length} inverted (encrypted part)` };
  };
}
