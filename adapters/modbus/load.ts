import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Profile } from '../../core/profile/schema.js';
import type { EssentialProbe } from '../../core/load/index.js';
import { FrameReader } from './channel.js';
import { withSocket } from '../../core/net/socket.js';
import { openSocket, ModbusConnectError, type ModbusTarget } from './connection.js';
import { encodeFrame, exceptionName, Pdu, readReply, type Table } from './wire.js';
import { ModbusSession } from './session.js';
import { captureClientHello } from './security.js';

/**
 * The Modbus side of the load engine: a pipelined request flood, a connection-storm worker, connection holding for
 * exhaustion tests, and the essential-function probes the monitor samples. Rates and durations belong to core/load.
 */

export interface ReadSpec {
  table: Table;
  address: number;
  count: number;
}

/** The read the profile names as its first Modbus essential function, or holding register 0. */
export function primaryRead(profile: Profile): ReadSpec {
  const essential = profile.essentialFunctions.find((entry) => 'modbus' in entry);
  if (essential && 'modbus' in essential) return { table: essential.modbus.read, address: essential.modbus.address, count: essential.modbus.count ?? 1 };
  return { table: 'holding', address: 0, count: 1 };
}

export interface ProbeOptions {
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  /**
   * Also sample over a new connection per sample (default true). Off where the check fills the connection table on
   * purpose up to its documented cap: a new client refused there is the cap at work, not a lost function.
   */
  newClients?: boolean;
}

export interface ModbusProbes {
  probes: EssentialProbe[];
  /** Closes every probe connection. */
  close(): Promise<void>;
}

/**
 * Two probes per Modbus essential function of the profile, as an operator station sees them while the load runs:
 * over the monitor's held connection (opened before the load, one for every function as an HMI polls its tags, and
 * re-opened after a failure) and over a new connection for every sample (an HMI reconnecting, a second station
 * connecting). A device that keeps serving the connection it has while refusing every new client fails the second.
 */
export function essentialProbes(profile: Profile, target: ModbusTarget, options: ProbeOptions): ModbusProbes {
  let held: ModbusSession | undefined;
  let opening: Promise<ModbusSession> | undefined;
  const heldSession = (signal: AbortSignal): Promise<ModbusSession> => {
    if (held && !held.closed) return Promise.resolve(held);
    opening ??= ModbusSession.connect(target, { connectTimeoutMs: options.connectTimeoutMs, requestTimeoutMs: options.requestTimeoutMs, signal }).then(
      (session) => ((held = session), (opening = undefined), session),
      (error: unknown) => {
        opening = undefined;
        throw error;
      },
    );
    return opening;
  };
  const readOn = async (session: ModbusSession, signal: AbortSignal, read: ReadSpec) => {
    const onAbort = () => session.destroy();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const result = await session.read(read.table, read.address, read.count);
      if (!result.ok) throw new Error(`exception ${exceptionName(result.exception)}`);
    } catch (error) {
      session.destroy();
      throw error;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  };
  const probes: EssentialProbe[] = [];
  for (const essential of profile.essentialFunctions) {
    if (!('modbus' in essential)) continue;
    const read: ReadSpec = { table: essential.modbus.read, address: essential.modbus.address, count: essential.modbus.count ?? 1 };
    probes.push({
      name: `${essential.name} (held connection)`,
      maxLatencyMs: essential.maxLatencyMs,
      connection: 'held',
      sample: async (signal) => readOn(await heldSession(signal), signal, read),
    });
    if (options.newClients === false) continue;
    probes.push({
      name: `${essential.name} (new connection)`,
      maxLatencyMs: essential.maxLatencyMs,
      connection: 'new',
      sample: async (signal) => {
        const session = await ModbusSession.connect(target, { connectTimeoutMs: options.connectTimeoutMs, requestTimeoutMs: options.requestTimeoutMs, signal });
        try {
          await readOn(session, signal, read);
        } finally {
          session.destroy();
        }
      },
    });
  }
  return {
    probes,
    close: async () => {
      await opening?.catch(() => undefined);
      await held?.close();
    },
  };
}

export interface FloodStats {
  connections: number;
  sent: number;
  replies: number;
  responses: number;
  /** Exception replies by code, e.g. { "06 Server Device Busy": 120 }. */
  exceptions: Record<string, number>;
  malformed: number;
  /** Requests never answered by the end of the drain wait. */
  unanswered: number;
  /** Writes skipped because the socket buffer was full (the device was not reading). */
  backPressured: number;
  closedByDevice: number;
  replyLatency: { p50?: number; p99?: number; max?: number };
}

export interface Flood {
  /** For runLoad's pipelined mode: sends `due` requests now, round-robin over the connections; returns how many went out. */
  emit(due: number): number;
  stats(): FloodStats;
  /** Waits up to drainMs for outstanding replies, then closes every connection. */
  close(drainMs?: number): Promise<FloodStats>;
}

const BACK_PRESSURE_BYTES = 256 * 1024;

interface FloodConnection {
  socket: net.Socket;
  reader: FrameReader;
  sentAt: Float64Array;
  answered: Uint8Array;
  nextTransactionId: number;
  closed: boolean;
}

/**
 * Opens `connections` connections and returns a pipelined request emitter: frames are prebuilt, sent without waiting,
 * and replies are counted and timed by transaction id as they come back.
 */
export async function openFlood(
  target: ModbusTarget,
  options: { connections: number; read: ReadSpec; connectTimeoutMs: number; signal: AbortSignal },
): Promise<Flood> {
  const pdu = Pdu.read(options.read.table, options.read.address, options.read.count);
  const template = encodeFrame({ transactionId: 0, unitId: target.unitId, pdu });
  const latencies: number[] = [];
  const stats: FloodStats = {
    connections: 0,
    sent: 0,
    replies: 0,
    responses: 0,
    exceptions: {},
    malformed: 0,
    unanswered: 0,
    backPressured: 0,
    closedByDevice: 0,
    replyLatency: {},
  };
  const sockets = await Promise.all(
    Array.from({ length: Math.max(1, options.connections) }, () => openSocket(target, { connectTimeoutMs: options.connectTimeoutMs, signal: options.signal })),
  );
  let closing = false;
  const connections: FloodConnection[] = sockets.map((socket) => {
    const connection: FloodConnection = {
      socket,
      reader: new FrameReader(),
      sentAt: new Float64Array(65536),
      answered: new Uint8Array(65536),
      nextTransactionId: 1,
      closed: false,
    };
    socket.on('data', (chunk: Buffer) => {
      const now = performance.now();
      const { frames } = connection.reader.push(chunk);
      for (const frame of frames) {
        const id = frame.header.transactionId;
        stats.replies++;
        if (connection.sentAt[id]! > 0 && !connection.answered[id]) {
          connection.answered[id] = 1;
          // A sample of every 8th reply keeps memory flat at high rates.
          if ((stats.replies & 7) === 0 || latencies.length < 64) latencies.push(now - connection.sentAt[id]!);
        }
        const reading = readReply(pdu, frame.pdu);
        if (reading.kind === 'response') stats.responses++;
        else if (reading.kind === 'exception') {
          const name = exceptionName(reading.code);
          stats.exceptions[name] = (stats.exceptions[name] ?? 0) + 1;
        } else stats.malformed++;
      }
    });
    socket.on('close', () => {
      connection.closed = true;
      if (!closing) stats.closedByDevice++;
    });
    return connection;
  });
  stats.connections = connections.length;
  let cursor = 0;

  const summary = (): FloodStats => {
    const sorted = [...latencies].sort((a, b) => a - b);
    const pick = (p: number) => (sorted.length ? round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!) : undefined);
    return { ...stats, exceptions: { ...stats.exceptions }, unanswered: Math.max(0, stats.sent - stats.replies), replyLatency: { p50: pick(50), p99: pick(99), max: sorted.length ? round(sorted.at(-1)!) : undefined } };
  };

  return {
    emit(due: number): number {
      let sent = 0;
      const open = connections.filter((connection) => !connection.closed);
      if (open.length === 0) return 0;
      const share = Math.ceil(due / open.length);
      for (let attempt = 0; attempt < open.length && sent < due; attempt++) {
        const connection = open[cursor++ % open.length]!;
        if (connection.socket.writableLength > BACK_PRESSURE_BYTES) {
          stats.backPressured += Math.min(share, due - sent);
          continue;
        }
        const count = Math.min(share, due - sent);
        const batch = Buffer.allocUnsafe(template.length * count);
        const now = performance.now();
        for (let index = 0; index < count; index++) {
          const id = connection.nextTransactionId;
          connection.nextTransactionId = (id % 0xffff) + 1;
          template.copy(batch, index * template.length);
          batch.writeUInt16BE(id, index * template.length);
          connection.sentAt[id] = now;
          connection.answered[id] = 0;
        }
        connection.socket.write(batch);
        sent += count;
      }
      stats.sent += sent;
      return sent;
    },
    stats: summary,
    async close(drainMs = 500): Promise<FloodStats> {
      const deadline = performance.now() + drainMs;
      while (performance.now() < deadline && stats.replies < stats.sent && connections.some((connection) => !connection.closed)) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      closing = true;
      const result = summary();
      for (const connection of connections) connection.socket.destroy();
      return result;
    },
  };
}

/**
 * One connection-storm operation: connect, send one read, wait for its reply (or the device closing), disconnect.
 * Rejects with a short reason when the device refused or dropped the connection, so runLoad can count them.
 * Against Modbus/TCP Security the storm is a handshake flood from an outsider: a replayed ClientHello on each new
 * connection, answered by the device's ServerHello (its costly part), without any cryptography on the harness side.
 */
export function stormWorker(target: ModbusTarget, options: { read: ReadSpec; connectTimeoutMs: number; requestTimeoutMs: number }): (signal: AbortSignal) => Promise<void> {
  const plainTarget: ModbusTarget = { ...target, tls: undefined };
  const pdu = Pdu.read(options.read.table, options.read.address, options.read.count);
  let opening: Promise<Buffer> | undefined;
  const firstBytes = () => (target.tls ? (opening ??= captureClientHello(target)) : Promise.resolve(encodeFrame({ transactionId: 1, unitId: target.unitId, pdu })));
  return async (signal) => {
    const hello = await firstBytes();
    let socket: net.Socket;
    try {
      socket = await openSocket(plainTarget, { connectTimeoutMs: options.connectTimeoutMs, signal });
    } catch (error) {
      if (error instanceof ModbusConnectError) throw new Error(error.code === 'ETIMEDOUT' ? 'connect timed out' : `connect refused (${error.code ?? error.phase})`);
      throw error;
    }
    // An abort ends the operation without counting it as refused: the storm is over, not the device.
    await withSocket<void>(socket, { signal, onAbort: (scope) => scope.resolve() }, (scope) => {
      const reader = new FrameReader();
      scope.deadline(options.requestTimeoutMs, () => scope.reject(new Error('no reply in time')));
      scope.on('data', (chunk: Buffer) => {
        // A TLS record of type handshake (22) is the device's ServerHello; a Modbus frame is a plain reply.
        if (target.tls) {
          if (chunk[0] === 22) scope.resolve();
          else scope.reject(new Error('TLS alert instead of a ServerHello'));
        } else if (reader.push(chunk).frames.length > 0) scope.resolve();
      });
      scope.once('close', () => scope.reject(new Error(target.tls ? 'closed by the device before its ServerHello' : 'closed by the device before a reply')));
      socket.write(hello);
    });
  };
}

export interface HeldConnections {
  attempted: number;
  /** Connections that got an answer to their read. */
  served: number;
  refused: number;
  /** Served first, closed by the device later (evicted to make room, or idle timeout). */
  droppedLater: number;
  /** Still open and served when counted. */
  stillOpen: number;
  reasons: Record<string, number>;
  release(): void;
}

/**
 * Opens connections one after another and keeps them, as a client exhausting the device's connection table would:
 * on plain Modbus/TCP each sends one read first (so it counts as a working client); on Modbus/TCP Security an outsider
 * has no certificate, so each is a TCP connection left before its TLS handshake. Bounded by the caller's runLoad.
 */
export function connectionHolder(deviceTarget: ModbusTarget, options: { read: ReadSpec; connectTimeoutMs: number; requestTimeoutMs: number }) {
  const preHandshake = deviceTarget.tls !== undefined;
  const target: ModbusTarget = { ...deviceTarget, tls: undefined };
  const held = new Set<net.Socket>();
  const state = { attempted: 0, served: 0, refused: 0, droppedLater: 0, reasons: {} as Record<string, number> };
  const reason = (text: string) => (state.reasons[text] = (state.reasons[text] ?? 0) + 1);
  const pdu = Pdu.read(options.read.table, options.read.address, options.read.count);
  const frame = encodeFrame({ transactionId: 1, unitId: target.unitId, pdu });
  let releasing = false;

  const worker = async (signal: AbortSignal): Promise<void> => {
    state.attempted++;
    let socket: net.Socket;
    try {
      socket = await openSocket(target, { connectTimeoutMs: options.connectTimeoutMs, signal });
    } catch (error) {
      if (signal.aborted) throw error;
      state.refused++;
      reason(error instanceof ModbusConnectError ? `connect failed (${error.code ?? error.phase})` : (error as Error).message);
      throw error;
    }
    // The socket is kept either way: a served connection is held, the others are destroyed below.
    const served = await withSocket<boolean>(socket, {}, (scope) => {
      const reader = new FrameReader();
      const done = (ok: boolean, why?: string) => {
        if (why) reason(why);
        scope.keep(ok);
      };
      // Before a TLS handshake there is nothing to ask: a connection the device keeps for a moment counts as held.
      if (preHandshake) scope.deadline(Math.min(200, options.requestTimeoutMs), () => done(true));
      else scope.deadline(options.requestTimeoutMs, () => done(false, 'no reply in time'));
      scope.on('data', (chunk: Buffer) => {
        if (reader.push(chunk).frames.length > 0) done(true);
      });
      scope.once('close', () => done(false, preHandshake ? 'closed by the device before the TLS handshake' : 'closed by the device before a reply'));
      if (!preHandshake) socket.write(frame);
    });
    if (!served) {
      state.refused++;
      socket.destroy();
      throw new Error('not served');
    }
    state.served++;
    held.add(socket);
    socket.once('close', () => {
      held.delete(socket);
      if (!releasing) {
        state.droppedLater++;
        reason('closed by the device after being served');
      }
    });
  };

  return {
    worker,
    snapshot(): Omit<HeldConnections, 'release'> {
      return { ...state, reasons: { ...state.reasons }, stillOpen: held.size };
    },
    release(): void {
      releasing = true;
      for (const socket of held) socket.destroy();
      held.clear();
    },
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
