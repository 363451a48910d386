import { Socket } from 'node:net';
import { settleWithin } from '../../core/net/deadline.js';

/**
 * What an SSH server says before any key is exchanged, read from a plain socket: the lines it may send before its
 * identification (RFC 4253 4.2), the identification string, and its first binary packet, the KEXINIT with every
 * algorithm it offers. Reading the bytes ourselves shows what the server offers, not what a client library would
 * accept from it.
 */

/** The identification the harness sends; servers log it, so it says who is knocking. */
export const CLIENT_IDENTIFICATION = 'SSH-2.0-iec62443harness_1.0';

export interface KexInit {
  kex: string[];
  hostKey: string[];
  ciphersClientToServer: string[];
  ciphersServerToClient: string[];
  macsClientToServer: string[];
  macsServerToClient: string[];
  compressionClientToServer: string[];
  compressionServerToClient: string[];
  firstKexPacketFollows: boolean;
}

export interface ServerHello {
  /** The server's identification line without CR LF, e.g. "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3". */
  identification: string;
  protoVersion: string;
  /** The software part of the identification ("OpenSSH_9.2p1") and the comment after a space, if any. */
  software: string;
  comment?: string;
  /** Lines the server sent before its identification. */
  preIdentificationLines: string[];
  kexInit: KexInit;
}

export interface HelloOptions {
  host: string;
  port: number;
  /** For the connection, the identification and the KEXINIT together. */
  timeoutMs: number;
  signal?: AbortSignal;
}

const MSG_KEXINIT = 20;
const MAX_LINE = 255;
const MAX_PRE_LINES = 50;
/** RFC 4253 6.1 requires support for 35000-byte packets; a KEXINIT is far smaller. */
const MAX_PACKET = 35_000;

/** Reads SSH wire types (RFC 4251 5) from a buffer, throwing on truncation. */
export class SshReader {
  private offset = 0;
  constructor(private readonly buffer: Buffer) {}

  get remaining(): number {
    return this.buffer.length - this.offset;
  }

  byte(): number {
    if (this.remaining < 1) throw new Error('truncated SSH message');
    return this.buffer[this.offset++]!;
  }

  uint32(): number {
    if (this.remaining < 4) throw new Error('truncated SSH message');
    const value = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  bytes(length: number): Buffer {
    if (this.remaining < length) throw new Error('truncated SSH message');
    const value = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  string(): Buffer {
    return this.bytes(this.uint32());
  }

  nameList(): string[] {
    const text = this.string().toString('latin1');
    return text.length === 0 ? [] : text.split(',');
  }

  /** An mpint's magnitude in bits (RFC 4251 5: two's complement, big-endian, no needless leading bytes). */
  mpintBits(): number {
    const raw = this.string();
    let start = 0;
    while (start < raw.length && raw[start] === 0) start++;
    if (start === raw.length) return 0;
    return (raw.length - start - 1) * 8 + (32 - Math.clz32(raw[start]!));
  }
}

export function parseKexInit(payload: Buffer): KexInit {
  const reader = new SshReader(payload);
  if (reader.byte() !== MSG_KEXINIT) throw new Error(`first SSH packet is message ${payload[0]}, not KEXINIT (20)`);
  reader.bytes(16);
  const lists = Array.from({ length: 10 }, () => reader.nameList());
  const firstKexPacketFollows = reader.byte() !== 0;
  // The last two lists name languages, which no server fills in.
  const [kex, hostKey, ciphersClientToServer, ciphersServerToClient, macsClientToServer, macsServerToClient, compressionClientToServer, compressionServerToClient] = lists as [string[], string[], string[], string[], string[], string[], string[], string[]];
  return { kex, hostKey, ciphersClientToServer, ciphersServerToClient, macsClientToServer, macsServerToClient, compressionClientToServer, compressionServerToClient, firstKexPacketFollows };
}

export function splitIdentification(line: string): { protoVersion: string; software: string; comment?: string } {
  const match = /^SSH-([^-\s]+)-(\S*)(?: (.*))?$/.exec(line);
  if (!match) throw new Error(`not an SSH identification: ${JSON.stringify(line.slice(0, 80))}`);
  return { protoVersion: match[1]!, software: match[2]!, ...(match[3] ? { comment: match[3] } : {}) };
}

const printable = (bytes: Buffer) => bytes.toString('latin1').replace(/[^\x20-\x7e]/g, '.');

/** Tries to read the hello from what has arrived; undefined while more bytes are needed. */
function tryParseHello(received: Buffer): ServerHello | undefined {
  const preIdentificationLines: string[] = [];
  let offset = 0;
  let identification: string | undefined;
  while (identification === undefined) {
    const end = received.indexOf(0x0a, offset);
    if (end < 0) {
      if (received.length - offset > MAX_LINE + 2) throw new Error(`no line end within ${MAX_LINE} bytes: ${JSON.stringify(printable(received.subarray(offset, offset + 40)))}…`);
      return undefined;
    }
    const line = received.subarray(offset, end).toString('latin1').replace(/\r$/, '');
    offset = end + 1;
    if (line.startsWith('SSH-')) identification = line;
    else if (preIdentificationLines.push(line) > MAX_PRE_LINES) throw new Error(`more than ${MAX_PRE_LINES} lines before an SSH identification`);
  }
  const parts = splitIdentification(identification);
  if (received.length - offset < 5) return undefined;
  const packetLength = received.readUInt32BE(offset);
  if (packetLength < 12 || packetLength > MAX_PACKET) throw new Error(`implausible SSH packet length ${packetLength}`);
  if (received.length - offset - 4 < packetLength) return undefined;
  const paddingLength = received[offset + 4]!;
  if (paddingLength >= packetLength) throw new Error(`SSH padding length ${paddingLength} exceeds the packet`);
  const payload = received.subarray(offset + 5, offset + 4 + packetLength - paddingLength);
  return { identification, ...parts, preIdentificationLines, kexInit: parseKexInit(payload) };
}

/** Connects, sends the harness's identification and reads the server's hello; closes before any key exchange. */
export function readServerHello(options: HelloOptions): Promise<ServerHello> {
  const socket = new Socket();
  const chunks: Buffer[] = [];
  let size = 0;
  return settleWithin<ServerHello>(
    `SSH identification and KEXINIT from ${options.host}:${options.port}`,
    options.timeoutMs,
    options.signal,
    ({ resolve, reject }) => {
      socket.once('connect', () => socket.write(`${CLIENT_IDENTIFICATION}\r\n`));
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        try {
          const hello = tryParseHello(Buffer.concat(chunks));
          if (hello) resolve(hello);
          else if (size > MAX_PACKET + MAX_PRE_LINES * (MAX_LINE + 2)) reject(new Error('too many bytes without a complete KEXINIT'));
        } catch (error) {
          reject(new Error(`${options.host}:${options.port} is not speaking SSH as expected: ${(error as Error).message}`));
        }
      });
      socket.once('close', () => reject(new Error(`${options.host}:${options.port} closed the connection during the SSH handshake after ${size} bytes${size ? ` (${JSON.stringify(printable(Buffer.concat(chunks)).slice(0, 60))})` : ''}`)));
      socket.once('error', (error: NodeJS.ErrnoException) => reject(new Error(`SSH connection to ${options.host}:${options.port} failed: ${error.code ?? error.message}`)));
      socket.connect({ host: options.host, port: options.port });
    },
    () => socket.destroy(),
  );
}
