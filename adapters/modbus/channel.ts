import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import { openSocket, abortError, type ModbusTarget, type StepOptions } from './connection.js';
import { encodeFrame, decodeHeader, readReply, exceptionName, type MbapHeader, type ReplyReading, Limits } from './wire.js';

/**
 * A raw Modbus/TCP channel: hand-built MBAP frames on a socket, replies split by their MBAP length. Used where the
 * library client cannot go: malformed requests, unknown function codes, refusals, exception-code evidence.
 */

export interface ReceivedFrame {
  header: MbapHeader;
  pdu: Buffer;
  /** The whole frame as received, for transcripts. */
  frame: Buffer;
}

/** What happened to one request: a reply, a close by the peer, or nothing before the deadline. */
export type Outcome =
  | { kind: 'reply'; received: ReceivedFrame; latencyMs: number }
  | { kind: 'closed'; afterMs: number; reason: string }
  | { kind: 'timeout'; afterMs: number };

/** Replies whose MBAP header is impossible are reported as garbage rather than waited on for ever. */
export interface Garbage {
  bytes: Buffer;
  reason: string;
}

export class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);

  /** Feeds bytes; returns the complete frames and any garbage that cannot start a frame. */
  push(chunk: Buffer): { frames: ReceivedFrame[]; garbage?: Garbage } {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const frames: ReceivedFrame[] = [];
    let offset = 0;
    while (this.buffer.length - offset >= Limits.mbapHeaderBytes) {
      const header = decodeHeader(this.buffer, offset);
      if (header.length < 1 || header.length > Limits.maxMbapLength + 2) {
        const garbage = { bytes: Buffer.from(this.buffer.subarray(offset)), reason: `impossible MBAP length ${header.length}` };
        this.buffer = Buffer.alloc(0);
        return { frames, garbage };
      }
      if (this.buffer.length - offset < 6 + header.length) break;
      const frame = Buffer.from(this.buffer.subarray(offset, offset + 6 + header.length));
      frames.push({ header, pdu: frame.subarray(7), frame });
      offset += 6 + header.length;
    }
    this.buffer = offset === 0 ? this.buffer : this.buffer.subarray(offset);
    return { frames };
  }

  get pendingBytes(): number {
    return this.buffer.length;
  }
}

interface Waiter {
  transactionId: number | undefined;
  startedAt: number;
  resolve(outcome: Outcome): void;
}

export class ModbusChannel {
  private readonly reader = new FrameReader();
  private readonly unclaimed: ReceivedFrame[] = [];
  private waiters: Waiter[] = [];
  private nextTransactionId = 1;
  private closeReason: string | undefined;
  private closedAt: number | undefined;
  /** Garbage the peer sent, in order, for evidence. */
  readonly garbage: Garbage[] = [];

  private constructor(
    readonly target: ModbusTarget,
    private readonly socket: net.Socket,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => (this.closeReason ??= error.code ?? error.message));
    socket.on('close', () => this.onClose());
  }

  static async open(target: ModbusTarget, options: StepOptions): Promise<ModbusChannel> {
    const socket = await openSocket(target, options);
    return new ModbusChannel(target, socket);
  }

  get closed(): boolean {
    return this.closedAt !== undefined;
  }

  get unitId(): number {
    return this.target.unitId;
  }

  /** The negotiated TLS parameters, when the channel runs over TLS. */
  get tlsSocket(): import('node:tls').TLSSocket | undefined {
    return 'getPeerCertificate' in this.socket ? (this.socket as import('node:tls').TLSSocket) : undefined;
  }

  takeTransactionId(): number {
    const id = this.nextTransactionId;
    this.nextTransactionId = (this.nextTransactionId % 0xffff) + 1;
    return id;
  }

  /** Sends bytes as they are (a hand-built or deliberately broken frame). */
  sendRaw(bytes: Buffer): void {
    if (!this.closed) this.socket.write(bytes);
  }

  /** Sends one well-framed request and waits for the reply with its transaction id, a close, or the timeout. */
  async request(
    pdu: Buffer,
    options: { timeoutMs: number; signal?: AbortSignal; unitId?: number; protocolId?: number; length?: number },
  ): Promise<{ sent: Buffer; outcome: Outcome }> {
    const transactionId = this.takeTransactionId();
    const sent = encodeFrame({ transactionId, unitId: options.unitId ?? this.unitId, pdu, protocolId: options.protocolId, length: options.length });
    const waiting = this.await(transactionId, options);
    this.sendRaw(sent);
    return { sent, outcome: await waiting };
  }

  /**
   * Pipelines several well-framed requests (Modbus/TCP allows outstanding transactions) and collects each reply by
   * transaction id within one shared deadline, so a device that stays silent costs one timeout, not one per request.
   */
  async requestMany(
    requests: Array<{ pdu: Buffer; unitId?: number }>,
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<Array<{ sent: Buffer; transactionId: number; outcome: Outcome }>> {
    const prepared = requests.map((request) => {
      const transactionId = this.takeTransactionId();
      return { transactionId, sent: encodeFrame({ transactionId, unitId: request.unitId ?? this.unitId, pdu: request.pdu }) };
    });
    const waiting = prepared.map((entry) => this.await(entry.transactionId, options));
    this.sendRaw(Buffer.concat(prepared.map((entry) => entry.sent)));
    const outcomes = await Promise.all(waiting);
    return prepared.map((entry, index) => ({ ...entry, outcome: outcomes[index]! }));
  }

  /** Waits for the reply to transactionId (undefined: any next frame), a close, or the timeout. */
  await(transactionId: number | undefined, options: { timeoutMs: number; signal?: AbortSignal }): Promise<Outcome> {
    const startedAt = performance.now();
    const unclaimedIndex = this.unclaimed.findIndex((frame) => transactionId === undefined || frame.header.transactionId === transactionId);
    if (unclaimedIndex >= 0) {
      const [received] = this.unclaimed.splice(unclaimedIndex, 1);
      return Promise.resolve({ kind: 'reply', received: received!, latencyMs: 0 });
    }
    if (this.closed) return Promise.resolve({ kind: 'closed', afterMs: 0, reason: this.closeReason ?? 'closed' });
    if (options.signal?.aborted) return Promise.reject(abortError(options.signal));
    return new Promise<Outcome>((resolve, reject) => {
      const waiter: Waiter = {
        transactionId,
        startedAt,
        resolve: (outcome) => {
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
          resolve(outcome);
        },
      };
      const onAbort = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((candidate) => candidate !== waiter);
        reject(abortError(options.signal!));
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((candidate) => candidate !== waiter);
        options.signal?.removeEventListener('abort', onAbort);
        resolve({ kind: 'timeout', afterMs: performance.now() - startedAt });
      }, options.timeoutMs);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Half-closes our side and waits briefly for the peer to finish, then destroys the socket. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.socket.destroy(), 200);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.end();
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    const { frames, garbage } = this.reader.push(chunk);
    if (garbage) this.garbage.push(garbage);
    for (const received of frames) {
      const index = this.waiters.findIndex((waiter) => waiter.transactionId === undefined || waiter.transactionId === received.header.transactionId);
      if (index < 0) {
        if (this.unclaimed.length < 1024) this.unclaimed.push(received);
        continue;
      }
      const [waiter] = this.waiters.splice(index, 1);
      waiter!.resolve({ kind: 'reply', received, latencyMs: performance.now() - waiter!.startedAt });
    }
  }

  private onClose(): void {
    this.closedAt = performance.now();
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) {
      waiter.resolve({ kind: 'closed', afterMs: this.closedAt - waiter.startedAt, reason: this.closeReason ?? 'closed by peer' });
    }
  }
}

/** One line for transcripts: "exception 02 Illegal Data Address", "reply 03 (4 bytes)", "closed after 3 ms". */
export function describeOutcome(requestPdu: Buffer, outcome: Outcome, expectedUnitId?: number): string {
  switch (outcome.kind) {
    case 'timeout':
      return `no reply within ${Math.round(outcome.afterMs)} ms`;
    case 'closed':
      return `connection closed after ${Math.round(outcome.afterMs)} ms (${outcome.reason})`;
    case 'reply': {
      const reading = readReply(requestPdu, outcome.received.pdu);
      const unitNote = expectedUnitId !== undefined && outcome.received.header.unitId !== expectedUnitId ? ` with unit id ${outcome.received.header.unitId} instead of ${expectedUnitId}` : '';
      return `${describeReading(reading)}${unitNote}`;
    }
  }
}

export function describeReading(reading: ReplyReading): string {
  switch (reading.kind) {
    case 'exception':
      return `exception ${exceptionName(reading.code)}`;
    case 'response':
      return `normal response to FC ${reading.functionCode} (${reading.data.length} data bytes)`;
    case 'malformed':
      return `malformed reply: ${reading.reason}`;
  }
}
