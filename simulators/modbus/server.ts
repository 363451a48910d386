import net from 'node:net';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import { FunctionCode, ExceptionCode, Limits, MEI_READ_DEVICE_IDENTIFICATION, MODBUS_ROLE_OID } from '../../adapters/modbus/wire.js';
import { readUtf8Extension } from '../../adapters/pki/extensions.js';
import { ProcessImage, TABLE_SIZE } from './process-image.js';
import type { ServerBehaviour, TokenBucketSpec } from './behaviour.js';

/**
 * A small Modbus/TCP (and Modbus/TCP Security) server written for the simulator, because the simulator must answer
 * malformed frames exactly as chosen: correctly in the hardened profiles, with a naive stack's defects in the weak one.
 * Its capacity is finite on purpose (a simulated CPU budget), so floods and storms have an effect to measure.
 */

export interface ModbusServerOptions {
  host: string;
  port: number;
  unitId: number;
  behaviour: ServerBehaviour;
  image: ProcessImage;
  tls?: ServerTls;
}

export interface ServerTls {
  key: string;
  cert: string;
  ca: string;
  /** false: a client certificate is asked for but whatever comes (or nothing) is accepted. */
  verifyClients: boolean;
  minVersion: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
  ciphers: string;
  /** Role names (the Modbus role extension of client certificates) and the rights each grants; others get none. */
  roles: Record<string, Rights>;
}

export type Rights = 'read' | 'read-write';
const READ_ONLY_FUNCTIONS = new Set<number>([
  FunctionCode.readCoils,
  FunctionCode.readDiscreteInputs,
  FunctionCode.readHoldingRegisters,
  FunctionCode.readInputRegisters,
  FunctionCode.encapsulatedInterface,
]);

/** Function codes that change the process image: the simulator counts every one it receives, served or not. */
const WRITE_FUNCTIONS = new Set<number>([
  FunctionCode.writeSingleCoil,
  FunctionCode.writeSingleRegister,
  FunctionCode.writeMultipleCoils,
  FunctionCode.writeMultipleRegisters,
  FunctionCode.maskWriteRegister,
  FunctionCode.readWriteMultipleRegisters,
]);

class TokenBucket {
  private tokens: number;
  private last = performance.now();
  constructor(private readonly spec: TokenBucketSpec) {
    this.tokens = spec.burst;
  }
  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.spec.burst, this.tokens + ((now - this.last) / 1000) * this.spec.ratePerSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

interface Job {
  connection: Connection;
  costUs: number;
  run(): void;
}

/** The PLC's one CPU: jobs cost simulated microseconds and the budget refills in real time. */
class WorkScheduler {
  private budgetUs = 0;
  private last = performance.now();
  private readonly fifo: Job[] = [];
  private fifoHead = 0;
  private readonly ring: Connection[] = [];
  private ringIndex = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Set while a naive stack waits for the rest of a frame: nothing else is served meanwhile. */
  blockedBy: Connection | undefined;

  constructor(
    private readonly fair: boolean,
    private readonly maxBurstUs = 5000,
  ) {}

  submit(job: Job): void {
    if (this.fair) {
      if (job.connection.queue.length === 0) this.ring.push(job.connection);
      job.connection.queue.push(job);
    } else {
      this.fifo.push(job);
      job.connection.queued++;
    }
    this.pump();
  }

  /** Drops what a closed connection left queued: nobody can receive its replies. */
  forget(connection: Connection): void {
    if (this.fair) {
      connection.queue.length = 0;
      const index = this.ring.indexOf(connection);
      if (index >= 0) {
        this.ring.splice(index, 1);
        if (this.ringIndex > index) this.ringIndex--;
      }
    }
    if (this.blockedBy === connection) this.unblock();
  }

  unblock(): void {
    this.blockedBy = undefined;
    this.pump();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.fifo.length = 0;
    this.fifoHead = 0;
    this.ring.length = 0;
    this.blockedBy = undefined;
  }

  private next(): Job | undefined {
    if (this.fair) {
      while (this.ring.length > 0) {
        if (this.ringIndex >= this.ring.length) this.ringIndex = 0;
        const connection = this.ring[this.ringIndex]!;
        const job = connection.queue[0];
        if (job) return job;
        this.ring.splice(this.ringIndex, 1);
      }
      return undefined;
    }
    while (this.fifoHead < this.fifo.length) {
      const job = this.fifo[this.fifoHead]!;
      if (!job.connection.closed) return job;
      this.fifoHead++;
    }
    this.fifo.length = 0;
    this.fifoHead = 0;
    return undefined;
  }

  private consume(job: Job): void {
    if (this.fair) {
      job.connection.queue.shift();
      if (job.connection.queue.length === 0) {
        const index = this.ring.indexOf(job.connection);
        if (index >= 0) this.ring.splice(index, 1);
      } else {
        this.ringIndex++;
      }
    } else {
      this.fifoHead++;
      job.connection.queued--;
      if (this.fifoHead > 4096 && this.fifoHead * 2 > this.fifo.length) {
        this.fifo.splice(0, this.fifoHead);
        this.fifoHead = 0;
      }
    }
  }

  pump = (): void => {
    this.timer = undefined;
    if (this.blockedBy) return;
    const now = performance.now();
    this.budgetUs = Math.min(this.maxBurstUs, this.budgetUs + (now - this.last) * 1000);
    this.last = now;
    for (let job = this.next(); job; job = this.next()) {
      if (this.budgetUs < job.costUs) {
        this.timer ??= setTimeout(this.pump, Math.max(1, Math.ceil((job.costUs - this.budgetUs) / 1000)));
        return;
      }
      this.budgetUs -= job.costUs;
      this.consume(job);
      job.run();
      if (this.blockedBy) return;
    }
  };
}

class Connection {
  buffer: Buffer = Buffer.alloc(0);
  readonly openedAt = performance.now();
  requestsSeen = 0;
  closed = false;
  queue: Job[] = [];
  queued = 0;
  /** Frames waiting for this connection's turn (a stack that serves one client at a time). */
  parked: Array<() => void> = [];
  rights: Rights | undefined;
  partialTimer: NodeJS.Timeout | undefined;
  idleTimer: NodeJS.Timeout | undefined;
  readonly bucket: TokenBucket | undefined;

  constructor(
    readonly socket: net.Socket,
    behaviour: ServerBehaviour,
  ) {
    this.bucket = behaviour.perConnectionRate ? new TokenBucket(behaviour.perConnectionRate) : undefined;
  }

  get pending(): number {
    return this.queue.length + this.queued;
  }
}

class CrashSignal extends Error {}

export class ModbusServer {
  private server: net.Server | undefined;
  private readonly connections = new Set<Connection>();
  private readonly scheduler: WorkScheduler;
  private readonly acceptBucket: TokenBucket | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  port = 0;
  /** Counters for tests and the ready line; `writes` counts requests with a write function code, whatever the answer. */
  readonly stats = { accepted: 0, refused: 0, requests: 0, writes: 0, busy: 0, crashes: 0 };

  constructor(private readonly options: ModbusServerOptions) {
    this.scheduler = new WorkScheduler(options.behaviour.fairScheduling);
    this.acceptBucket = options.behaviour.newConnections ? new TokenBucket(options.behaviour.newConnections) : undefined;
  }

  get behaviour(): ServerBehaviour {
    return this.options.behaviour;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  async listen(): Promise<number> {
    const { tls: tlsOptions } = this.options;
    const server = tlsOptions
      ? tls.createServer(
          {
            key: tlsOptions.key,
            cert: tlsOptions.cert,
            ca: tlsOptions.ca,
            requestCert: true,
            rejectUnauthorized: tlsOptions.verifyClients,
            minVersion: tlsOptions.minVersion,
            maxVersion: tlsOptions.maxVersion,
            ciphers: tlsOptions.ciphers,
            honorCipherOrder: true,
            handshakeTimeout: 5000,
          },
          (socket) => this.onConnection(socket),
        )
      : net.createServer((socket) => this.onConnection(socket));
    // Handshake failures (no, untrusted or expired client certificate) are expected traffic, not server errors.
    server.on('tlsClientError', (_error, socket) => socket.destroy());
    if (tlsOptions) {
      // New connections are rate-limited before the handshake: its public-key work is what a storm would exhaust.
      server.on('connection', (raw: net.Socket) => {
        raw.on('error', () => undefined);
        if (!this.admitNew()) raw.destroy();
      });
    }
    server.maxConnections = 4096;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', () => undefined);
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : this.options.port;
    return this.port;
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.shutDown();
  }

  private async shutDown(): Promise<void> {
    this.scheduler.stop();
    for (const connection of this.connections) this.drop(connection);
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** What a naive stack's fatal error looks like from outside: the service stops answering; a watchdog may restart it. */
  private crash(): void {
    this.stats.crashes++;
    void this.shutDown().then(() => {
      const delay = this.options.behaviour.restartAfterCrashMs;
      if (this.stopped || delay === undefined) return;
      this.restartTimer = setTimeout(() => {
        this.restartTimer = undefined;
        if (this.stopped) return;
        this.options.port = this.port;
        this.listen().catch(() => undefined);
      }, delay);
    });
  }

  private onConnection(socket: net.Socket): void {
    const behaviour = this.options.behaviour;
    socket.on('error', () => undefined);
    if (this.stopped || !this.server) {
      socket.destroy();
      return;
    }
    if (!(socket instanceof tls.TLSSocket) && !this.admitNew()) {
      socket.destroy();
      return;
    }
    if (behaviour.maxConnections !== undefined && this.connections.size >= behaviour.maxConnections) {
      // Make room by dropping the oldest connection that never sent a request; a client that is working keeps its slot.
      let idlest: Connection | undefined;
      for (const connection of this.connections) {
        if (connection.requestsSeen === 0 && (!idlest || connection.openedAt < idlest.openedAt)) idlest = connection;
      }
      if (!idlest) {
        this.stats.refused++;
        socket.destroy();
        return;
      }
      this.drop(idlest);
    }
    this.stats.accepted++;
    const connection = new Connection(socket, behaviour);
    this.connections.add(connection);
    if (socket instanceof tls.TLSSocket) connection.rights = rightsOf(socket, this.options.tls?.roles ?? {});
    socket.setNoDelay(true);
    this.touch(connection);
    socket.on('data', (chunk: Buffer) => this.onData(connection, chunk));
    socket.on('close', () => this.forget(connection));
    this.scheduler.submit({ connection, costUs: behaviour.connectionCostUs, run: () => undefined });
  }

  private admitNew(): boolean {
    if (!this.acceptBucket || this.acceptBucket.take()) return true;
    this.stats.refused++;
    return false;
  }

  private touch(connection: Connection): void {
    const idle = this.options.behaviour.idleTimeoutMs;
    if (idle === undefined) return;
    if (connection.idleTimer) connection.idleTimer.refresh();
    else {
      connection.idleTimer = setTimeout(() => this.drop(connection), idle);
      connection.idleTimer.unref();
    }
  }

  private forget(connection: Connection): void {
    if (connection.closed) return;
    connection.closed = true;
    if (connection.partialTimer) clearTimeout(connection.partialTimer);
    if (connection.idleTimer) clearTimeout(connection.idleTimer);
    this.connections.delete(connection);
    this.scheduler.forget(connection);
    connection.parked.length = 0;
    if (this.options.behaviour.oneClientAtATime) {
      // The next client in line gets its turn, with what it sent while it waited.
      const next = this.connections.values().next().value as Connection | undefined;
      if (next) for (const frame of next.parked.splice(0)) frame();
    }
  }

  private drop(connection: Connection): void {
    connection.socket.destroy();
    this.forget(connection);
  }

  private onData(connection: Connection, chunk: Buffer): void {
    if (connection.closed) return;
    const behaviour = this.options.behaviour;
    this.touch(connection);
    if (this.scheduler.blockedBy === connection) this.scheduler.unblock();
    connection.buffer = connection.buffer.length === 0 ? chunk : Buffer.concat([connection.buffer, chunk]);
    let offset = 0;
    const buffer = connection.buffer;
    while (buffer.length - offset >= Limits.mbapHeaderBytes) {
      const protocolId = buffer.readUInt16BE(offset + 2);
      const length = buffer.readUInt16BE(offset + 4);
      if (behaviour.strictFraming && (protocolId !== 0 || length < 2 || length > Limits.maxMbapLength)) {
        // Not a Modbus frame: resynchronising is guesswork, so the connection is closed cleanly.
        connection.socket.end();
        this.forget(connection);
        return;
      }
      if (buffer.length - offset < 6 + length) break;
      const transactionId = buffer.readUInt16BE(offset);
      const unitId = buffer.readUInt8(offset + 6);
      const pdu = buffer.subarray(offset + 7, offset + 6 + length);
      offset += 6 + length;
      this.onFrame(connection, transactionId, unitId, pdu);
      if (connection.closed) return;
    }
    connection.buffer = offset === buffer.length ? Buffer.alloc(0) : buffer.subarray(offset);
    if (connection.partialTimer) clearTimeout(connection.partialTimer);
    connection.partialTimer = undefined;
    if (connection.buffer.length > 0) {
      if (behaviour.blockingReads) this.scheduler.blockedBy = connection;
      else if (behaviour.partialFrameTimeoutMs !== undefined) {
        connection.partialTimer = setTimeout(() => this.drop(connection), behaviour.partialFrameTimeoutMs);
        connection.partialTimer.unref();
      }
    }
  }

  private onFrame(connection: Connection, transactionId: number, unitId: number, pdu: Buffer): void {
    const behaviour = this.options.behaviour;
    if (behaviour.oneClientAtATime && this.connections.values().next().value !== connection) {
      connection.parked.push(() => this.onFrame(connection, transactionId, unitId, pdu));
      return;
    }
    this.stats.requests++;
    if (pdu.length > 0 && WRITE_FUNCTIONS.has(pdu[0]!)) this.stats.writes++;
    connection.requestsSeen++;
    const replyUnit = behaviour.echoUnitId ? unitId : this.options.unitId;
    const send = (replyPdu: Buffer) => {
      if (connection.closed) return;
      const frame = Buffer.allocUnsafe(7 + replyPdu.length);
      frame.writeUInt16BE(transactionId, 0);
      frame.writeUInt16BE(0, 2);
      frame.writeUInt16BE(replyPdu.length + 1, 4);
      frame.writeUInt8(replyUnit, 6);
      replyPdu.copy(frame, 7);
      connection.socket.write(frame);
    };
    const functionCode = pdu.length > 0 ? pdu[0]! : 0;
    if (
      (connection.bucket && !connection.bucket.take()) ||
      (behaviour.perConnectionQueue !== undefined && connection.pending >= behaviour.perConnectionQueue)
    ) {
      this.stats.busy++;
      send(exception(functionCode, ExceptionCode.serverDeviceBusy));
      return;
    }
    this.scheduler.submit({
      connection,
      costUs: behaviour.requestCostUs,
      run: () => {
        if (connection.closed) return;
        try {
          const reply = this.answer(connection, unitId, pdu);
          if (reply) send(reply);
        } catch (error) {
          if (error instanceof CrashSignal) this.crash();
          else send(exception(functionCode, ExceptionCode.serverDeviceFailure));
        }
      },
    });
  }

  /** The reply PDU to one request, or undefined for no reply at all. */
  private answer(connection: Connection, unitId: number, pdu: Buffer): Buffer | undefined {
    const behaviour = this.options.behaviour;
    if (pdu.length === 0) return undefined;
    const fc = pdu[0]!;
    if (behaviour.foreignUnitException !== undefined && unitId !== this.options.unitId && unitId !== 0 && unitId !== 0xff) {
      return exception(fc, behaviour.foreignUnitException);
    }
    if (behaviour.roleBasedAccess && !allowedFor(connection.rights, fc)) return exception(fc, ExceptionCode.illegalFunction);
    return behaviour.validateRequests ? this.answerStrictly(pdu) : this.answerNaively(pdu);
  }

  private answerStrictly(pdu: Buffer): Buffer | undefined {
    const { image, behaviour } = this.options;
    const fc = pdu[0]!;
    const fail = (code: number) => exception(fc, code);
    const protectedAt = (table: 'holding' | 'coil', from: number, quantity: number) =>
      behaviour.writeProtected.some((range) => range.table === table && from <= range.to && from + quantity - 1 >= range.from);
    switch (fc) {
      case FunctionCode.readCoils:
      case FunctionCode.readDiscreteInputs:
      case FunctionCode.readHoldingRegisters:
      case FunctionCode.readInputRegisters: {
        if (pdu.length !== 5) return fail(ExceptionCode.illegalDataValue);
        const address = pdu.readUInt16BE(1);
        const quantity = pdu.readUInt16BE(3);
        const bits = fc <= FunctionCode.readDiscreteInputs;
        if (quantity < 1 || quantity > (bits ? Limits.readBits : Limits.readRegisters)) return fail(ExceptionCode.illegalDataValue);
        const table = tableOf(image, fc);
        if (address + quantity > table.length) return fail(ExceptionCode.illegalDataAddress);
        return bits ? bitReply(fc, table, address, quantity) : registerReply(fc, table, address, quantity);
      }
      case FunctionCode.writeSingleCoil: {
        if (pdu.length !== 5) return fail(ExceptionCode.illegalDataValue);
        const address = pdu.readUInt16BE(1);
        const value = pdu.readUInt16BE(3);
        if (value !== 0x0000 && value !== 0xff00) return fail(ExceptionCode.illegalDataValue);
        if (address >= image.coils.length || protectedAt('coil', address, 1)) return fail(ExceptionCode.illegalDataAddress);
        image.coils[address] = value === 0xff00 ? 1 : 0;
        return Buffer.from(pdu);
      }
      case FunctionCode.writeSingleRegister: {
        if (pdu.length !== 5) return fail(ExceptionCode.illegalDataValue);
        const address = pdu.readUInt16BE(1);
        if (address >= image.holding.length || protectedAt('holding', address, 1)) return fail(ExceptionCode.illegalDataAddress);
        image.holding[address] = pdu.readUInt16BE(3);
        return Buffer.from(pdu);
      }
      case FunctionCode.writeMultipleCoils: {
        if (pdu.length < 6) return fail(ExceptionCode.illegalDataValue);
        const address = pdu.readUInt16BE(1);
        const quantity = pdu.readUInt16BE(3);
        const byteCount = pdu[5]!;
        if (quantity < 1 || quantity > Limits.writeBits || byteCount !== Math.ceil(quantity / 8) || pdu.length !== 6 + byteCount) {
          return fail(ExceptionCode.illegalDataValue);
        }
        if (address + quantity > image.coils.length || protectedAt('coil', address, quantity)) return fail(ExceptionCode.illegalDataAddress);
        for (let index = 0; index < quantity; index++) image.coils[address + index] = (pdu[6 + (index >> 3)]! >> (index & 7)) & 1;
        return pdu.subarray(0, 5);
      }
      case FunctionCode.writeMultipleRegisters: {
        if (pdu.length < 6) return fail(ExceptionCode.illegalDataValue);
        const address = pdu.readUInt16BE(1);
        const quantity = pdu.readUInt16BE(3);
        const byteCount = pdu[5]!;
        if (quantity < 1 || quantity > Limits.writeRegisters || byteCount !== quantity * 2 || pdu.length !== 6 + byteCount) {
          return fail(ExceptionCode.illegalDataValue);
        }
        if (address + quantity > image.holding.length || protectedAt('holding', address, quantity)) return fail(ExceptionCode.illegalDataAddress);
        for (let index = 0; index < quantity; index++) image.holding[address + index] = pdu.readUInt16BE(6 + index * 2);
        return pdu.subarray(0, 5);
      }
      case FunctionCode.maskWriteRegister: {
        if (pdu.length !== 7) return fail(ExceptionCode.illegalDataValue);
        const address = pdu.readUInt16BE(1);
        if (address >= image.holding.length || protectedAt('holding', address, 1)) return fail(ExceptionCode.illegalDataAddress);
        image.holding[address] = maskedValue(image.holding[address]!, pdu.readUInt16BE(3), pdu.readUInt16BE(5));
        return Buffer.from(pdu);
      }
      case FunctionCode.readWriteMultipleRegisters: {
        if (pdu.length < 10) return fail(ExceptionCode.illegalDataValue);
        const readAddress = pdu.readUInt16BE(1);
        const readQuantity = pdu.readUInt16BE(3);
        const writeAddress = pdu.readUInt16BE(5);
        const writeQuantity = pdu.readUInt16BE(7);
        const byteCount = pdu[9]!;
        if (
          readQuantity < 1 ||
          readQuantity > Limits.readRegisters ||
          writeQuantity < 1 ||
          writeQuantity > Limits.readWriteWriteRegisters ||
          byteCount !== writeQuantity * 2 ||
          pdu.length !== 10 + byteCount
        ) {
          return fail(ExceptionCode.illegalDataValue);
        }
        if (
          readAddress + readQuantity > image.holding.length ||
          writeAddress + writeQuantity > image.holding.length ||
          protectedAt('holding', writeAddress, writeQuantity)
        ) {
          return fail(ExceptionCode.illegalDataAddress);
        }
        for (let index = 0; index < writeQuantity; index++) image.holding[writeAddress + index] = pdu.readUInt16BE(10 + index * 2);
        return registerReply(fc, image.holding, readAddress, readQuantity);
      }
      case FunctionCode.encapsulatedInterface:
        return this.answerIdentification(pdu);
      default:
        return behaviour.answerUnknownFunctions ? fail(ExceptionCode.illegalFunction) : undefined;
    }
  }

  /** FC 43 / MEI 14 as the application protocol describes it: stream access (codes 1-3) and individual access (4). */
  private answerIdentification(pdu: Buffer): Buffer | undefined {
    const objects = this.options.behaviour.identification;
    const fail = (code: number) => exception(FunctionCode.encapsulatedInterface, code);
    if (!objects) return fail(ExceptionCode.illegalFunction);
    if (pdu.length < 2 || pdu[1] !== MEI_READ_DEVICE_IDENTIFICATION) return this.options.behaviour.answerUnknownFunctions ? fail(ExceptionCode.illegalFunction) : undefined;
    if (pdu.length !== 4) return fail(ExceptionCode.illegalDataValue);
    const code = pdu[2]!;
    let objectId = pdu[3]!;
    if (code < 1 || code > 4) return fail(ExceptionCode.illegalDataValue);
    const ids = Object.keys(objects)
      .map(Number)
      .sort((a, b) => a - b);
    const hasExtended = ids.some((id) => id >= 0x80);
    const conformity = (hasExtended ? 0x03 : ids.some((id) => id >= 0x03) ? 0x02 : 0x01) | 0x80;
    const header = (count: number, more: boolean, next: number) =>
      Buffer.from([FunctionCode.encapsulatedInterface, MEI_READ_DEVICE_IDENTIFICATION, code, conformity, more ? 0xff : 0x00, next, count]);
    const entry = (id: number) => {
      const value = Buffer.from(objects[id]!, 'utf8').subarray(0, 245);
      return Buffer.concat([Buffer.from([id, value.length]), value]);
    };
    if (code === 4) {
      if (objects[objectId] === undefined) return fail(ExceptionCode.illegalDataAddress);
      return Buffer.concat([header(1, false, 0), entry(objectId)]);
    }
    const inCategory = (id: number) => (code === 1 ? id <= 0x02 : code === 2 ? id <= 0x7f : true);
    const available = ids.filter(inCategory);
    if (!available.includes(objectId)) objectId = 0;
    // A PDU holds 253 bytes: 7 of header, so objects are streamed over several requests when they do not fit.
    const parts: Buffer[] = [];
    let size = 7;
    let next: number | undefined;
    for (const id of available.filter((candidate) => candidate >= objectId)) {
      const part = entry(id);
      if (size + part.length > 253) {
        next = id;
        break;
      }
      parts.push(part);
      size += part.length;
    }
    return Buffer.concat([header(parts.length, next !== undefined, next ?? 0), ...parts]);
  }

  /** A naive stack: no quantity or length checks, missing bytes read as zero, defects at the table boundary. */
  private answerNaively(pdu: Buffer): Buffer | undefined {
    const { image } = this.options;
    const word = (offset: number) => (offset + 1 < pdu.length ? pdu.readUInt16BE(offset) : 0);
    const fc = pdu[0]!;
    switch (fc) {
      case FunctionCode.readCoils:
      case FunctionCode.readDiscreteInputs:
      case FunctionCode.readHoldingRegisters:
      case FunctionCode.readInputRegisters: {
        const address = word(1);
        const quantity = word(3);
        const table = tableOf(image, fc);
        const inRange = Math.max(0, Math.min(quantity, table.length - address));
        const bits = fc <= FunctionCode.readDiscreteInputs;
        if (inRange === quantity) return bits ? bitReply(fc, table, address, quantity) : registerReply(fc, table, address, quantity);
        // Past the end the byte count is computed from the request but only the existing items are copied.
        const claimed = (bits ? Math.ceil(quantity / 8) : quantity * 2) & 0xff;
        const partial = inRange === 0 ? Buffer.from([fc, 0]) : bits ? bitReply(fc, table, address, inRange) : registerReply(fc, table, address, inRange);
        partial[1] = claimed;
        return partial;
      }
      case FunctionCode.writeSingleCoil: {
        const address = word(1);
        if (address >= image.coils.length) throw new CrashSignal();
        image.coils[address] = word(3) !== 0 ? 1 : 0;
        return Buffer.from(pdu.subarray(0, 5));
      }
      case FunctionCode.writeSingleRegister: {
        const address = word(1);
        if (address >= image.holding.length) throw new CrashSignal();
        image.holding[address] = word(3);
        return Buffer.from(pdu.subarray(0, 5));
      }
      case FunctionCode.writeMultipleCoils: {
        const address = word(1);
        const quantity = word(3);
        if (address + quantity > image.coils.length) throw new CrashSignal();
        for (let index = 0; index < quantity; index++) image.coils[address + index] = ((pdu[6 + (index >> 3)] ?? 0) >> (index & 7)) & 1;
        return Buffer.from(pdu.subarray(0, 5));
      }
      case FunctionCode.writeMultipleRegisters: {
        const address = word(1);
        const quantity = word(3);
        if (address + quantity > image.holding.length) throw new CrashSignal();
        for (let index = 0; index < quantity; index++) image.holding[address + index] = word(6 + index * 2);
        return Buffer.from(pdu.subarray(0, 5));
      }
      case FunctionCode.maskWriteRegister: {
        const address = word(1);
        if (address >= image.holding.length) throw new CrashSignal();
        image.holding[address] = maskedValue(image.holding[address]!, word(3), word(5));
        return Buffer.from(pdu.subarray(0, 7));
      }
      default:
        // Unknown function codes fall through the dispatcher without an answer.
        return undefined;
    }
  }
}

/** FC 22: (current AND and-mask) OR (or-mask AND NOT and-mask); AND 0xFFFF with OR 0 leaves the register as it is. */
function maskedValue(current: number, andMask: number, orMask: number): number {
  return ((current & andMask) | (orMask & ~andMask)) & 0xffff;
}

function exception(functionCode: number, code: number): Buffer {
  return Buffer.from([(functionCode | 0x80) & 0xff, code]);
}

function tableOf(image: ProcessImage, fc: number): Uint16Array | Uint8Array {
  switch (fc) {
    case FunctionCode.readCoils:
      return image.coils;
    case FunctionCode.readDiscreteInputs:
      return image.discrete;
    case FunctionCode.readHoldingRegisters:
      return image.holding;
    default:
      return image.input;
  }
}

function registerReply(fc: number, table: Uint16Array | Uint8Array, address: number, quantity: number): Buffer {
  const reply = Buffer.allocUnsafe(2 + quantity * 2);
  reply[0] = fc;
  reply[1] = (quantity * 2) & 0xff;
  for (let index = 0; index < quantity; index++) reply.writeUInt16BE(table[address + index]!, 2 + index * 2);
  return reply;
}

function bitReply(fc: number, table: Uint16Array | Uint8Array, address: number, quantity: number): Buffer {
  const byteCount = Math.ceil(quantity / 8);
  const reply = Buffer.alloc(2 + byteCount);
  reply[0] = fc;
  reply[1] = byteCount & 0xff;
  for (let index = 0; index < quantity; index++) if (table[address + index]) reply[2 + (index >> 3)]! |= 1 << (index & 7);
  return reply;
}

function rightsOf(socket: tls.TLSSocket, roles: Record<string, Rights>): Rights | undefined {
  const raw = socket.getPeerCertificate()?.raw;
  if (!raw) return undefined;
  const role = readUtf8Extension(raw, MODBUS_ROLE_OID)?.trim();
  return role !== undefined && Object.hasOwn(roles, role) ? roles[role] : undefined;
}

/** A read role reads; a read-write role also writes. Without a known role nothing is allowed. */
function allowedFor(rights: Rights | undefined, fc: number): boolean {
  if (!rights) return false;
  return READ_ONLY_FUNCTIONS.has(fc) || rights === 'read-write';
}

export { TABLE_SIZE };
