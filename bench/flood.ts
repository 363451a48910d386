import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { connectTcp, withSocket } from '../core/net/socket.js';
import { MAX_RATE_PER_SECOND, runLoad, type LoadResult } from '../core/load/index.js';
import { encodeFrame, openFlood, Pdu, primaryRead, targetFromProfile, type FloodStats, type ModbusTarget, type ReadSpec } from '../adapters/modbus/index.js';
import { encodeHello, helloExchange, parseOpcTcpUrl } from '../adapters/opcua/raw.js';
import type { Figure } from './report.js';
import { progress, round } from './util.js';

/**
 * Flood rates: what the load engine (core/load runLoad with the adapters' operations) reaches against a simulator,
 * beside the ceiling of a bare socket loop against the same simulator in the same run. Every load here is bounded in
 * time (DURATION_MS) and rate, and goes only to the simulator's loopback host.
 */

export const DURATION_MS = 2_000;
/** Unmeasured bare traffic first, so neither side is measured while the simulator is still being optimised by V8. */
const WARM_UP_MS = 1_000;
const CONNECT_TIMEOUT_MS = 3_000;
/** As many connections as the CR 7.1 request-flood check opens. */
const MODBUS_CONNECTIONS = 4;
/**
 * Requests the bare writer keeps outstanding per connection (it writes one more for each reply): deep enough that the
 * simulator always has a backlog (a window of 64 reached only a sixth of the simulator's rate), and still under the
 * flood emitter's 256 KiB back-pressure limit.
 */
const MODBUS_WINDOW = 4_096;
/** Connection attempts in flight at once, for the bare loop and the engine alike (the OPC UA simulator admits 40). */
const OPCUA_PARALLEL = 16;
export const CEILING_SHARE_TARGET = 0.5;

export interface RateFigures {
  /** Replies (Modbus) or acknowledged Hellos (OPC UA) per second within the load window. */
  perSecond: number;
  count: number;
  elapsedMs: number;
  [key: string]: unknown;
}

/** The ceiling: prebuilt read frames on plain sockets, one more written for every reply, for DURATION_MS. */
export async function bareModbusCeiling(target: ModbusTarget, read: ReadSpec, durationMs = DURATION_MS, window = MODBUS_WINDOW): Promise<RateFigures> {
  const pdu = Pdu.read(read.table, read.address, read.count);
  const frames = Buffer.concat(Array.from({ length: window }, (_, index) => encodeFrame({ transactionId: index + 1, unitId: target.unitId, pdu })));
  const frameLength = frames.length / window;
  const sockets = await Promise.all(Array.from({ length: MODBUS_CONNECTIONS }, () => connectTcp({ host: target.host, port: target.port, connectTimeoutMs: CONNECT_TIMEOUT_MS })));
  let replies = 0;
  let sent = 0;
  let closedByDevice = 0;
  let running = true;
  for (const socket of sockets) {
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      const buffer = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      let offset = 0;
      let answered = 0;
      // MBAP: the length field (bytes 4-5) counts the bytes after it.
      while (buffer.length - offset >= 6) {
        const size = 6 + buffer.readUInt16BE(offset + 4);
        if (buffer.length - offset < size) break;
        offset += size;
        answered++;
      }
      pending = buffer.subarray(offset);
      if (!running) return;
      replies += answered;
      if (answered > 0) {
        socket.write(frames.subarray(0, Math.min(answered, window) * frameLength));
        sent += answered;
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (running) closedByDevice++;
    });
  }
  const began = performance.now();
  for (const socket of sockets) socket.write(frames);
  sent += window * sockets.length;
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  running = false;
  const elapsedMs = performance.now() - began;
  for (const socket of sockets) socket.destroy();
  return { perSecond: (replies / elapsedMs) * 1000, count: replies, elapsedMs: Math.round(elapsedMs), sent, closedByDevice, window: window, connections: MODBUS_CONNECTIONS };
}

/** The load engine as the request-flood check drives it: openFlood's pipelined emitter under runLoad. */
export async function engineModbusFlood(target: ModbusTarget, read: ReadSpec, ratePerSecond: number): Promise<RateFigures> {
  const controller = new AbortController();
  const flood = await openFlood(target, { connections: MODBUS_CONNECTIONS, read, connectTimeoutMs: CONNECT_TIMEOUT_MS, signal: controller.signal });
  let load: LoadResult;
  let atEnd: FloodStats;
  let stats: FloodStats;
  try {
    load = await runLoad({ ratePerSecond, durationMs: DURATION_MS, signal: controller.signal, emit: (due) => flood.emit(due) });
    // Replies counted at the end of the load window, like the ceiling's; the drain afterwards is not counted.
    atEnd = flood.stats();
  } finally {
    stats = await flood.close(500);
  }
  return {
    perSecond: (atEnd.replies / Math.max(1, load.elapsedMs)) * 1000,
    count: atEnd.replies,
    elapsedMs: load.elapsedMs,
    plannedRatePerSecond: load.plannedRatePerSecond,
    sentPerSecond: load.achievedRatePerSecond,
    sent: load.started,
    skipped: load.skipped,
    responses: stats.responses,
    exceptions: stats.exceptions,
    backPressured: stats.backPressured,
    closedByDevice: stats.closedByDevice,
    replyLatency: stats.replyLatency,
    connections: MODBUS_CONNECTIONS,
  };
}

/** One bare attempt: connect, write the prebuilt Hello, wait for the whole Acknowledge, close. */
function bareHello(host: string, port: number, hello: Buffer): Promise<void> {
  return withSocket<void>(net.connect({ host, port }), {}, (scope) => {
    let received: Buffer = Buffer.alloc(0);
    scope.deadline(CONNECT_TIMEOUT_MS, () => scope.reject(new Error('no Acknowledge in time')));
    scope.once('connect', () => scope.socket.write(hello));
    scope.on('data', (chunk: Buffer) => {
      received = received.length ? Buffer.concat([received, chunk]) : chunk;
      if (received.length < 8) return;
      if (received.toString('ascii', 0, 3) !== 'ACK') return scope.reject(new Error(`answered ${received.toString('ascii', 0, 3)}`));
      if (received.length >= received.readUInt32LE(4)) scope.resolve();
    });
    scope.on('error', (error: Error) => scope.reject(error));
    scope.on('close', () => scope.reject(new Error('closed before the Acknowledge')));
  });
}

/** The ceiling: OPCUA_PARALLEL loops of connect + prebuilt Hello + Acknowledge + close, for DURATION_MS. */
export async function bareOpcuaCeiling(url: string, durationMs = DURATION_MS): Promise<RateFigures> {
  const { host, port } = parseOpcTcpUrl(url);
  const hello = encodeHello(url);
  let acknowledged = 0;
  let failed = 0;
  const began = performance.now();
  const endsAt = began + durationMs;
  const lane = async () => {
    while (performance.now() < endsAt) {
      try {
        await bareHello(host, port, hello);
        if (performance.now() <= endsAt) acknowledged++;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: OPCUA_PARALLEL }, lane));
  const elapsedMs = durationMs;
  return { perSecond: (acknowledged / elapsedMs) * 1000, count: acknowledged, elapsedMs, failed, parallel: OPCUA_PARALLEL };
}

/** The load engine with the OPC UA adapter's Hello exchange (adapters/opcua/raw.ts) as its worker. */
export async function engineOpcuaHellos(url: string, ratePerSecond: number): Promise<RateFigures> {
  const controller = new AbortController();
  const began = performance.now();
  const completedAt: number[] = [];
  const load = await runLoad({
    ratePerSecond,
    durationMs: DURATION_MS,
    signal: controller.signal,
    maxInFlight: OPCUA_PARALLEL,
    worker: async (signal) => {
      const outcome = await helloExchange(url, CONNECT_TIMEOUT_MS, signal);
      if (outcome.kind !== 'ack') throw new Error(`Hello answered ${outcome.kind === 'error' ? outcome.status.name : 'by a close'}`);
      completedAt.push(performance.now() - began);
    },
  });
  const acknowledged = completedAt.filter((at) => at <= load.elapsedMs).length;
  return {
    perSecond: (acknowledged / Math.max(1, load.elapsedMs)) * 1000,
    count: acknowledged,
    elapsedMs: load.elapsedMs,
    plannedRatePerSecond: load.plannedRatePerSecond,
    started: load.started,
    failed: load.failed,
    skipped: load.skipped,
    errors: load.errors,
    parallel: OPCUA_PARALLEL,
  };
}

/** Twice the ceiling (the engine must be asked for more than the device gives), within the engine's own bound. */
export const plannedRateFor = (ceilingPerSecond: number): number => Math.min(MAX_RATE_PER_SECOND, Math.max(1_000, Math.ceil((2 * ceilingPerSecond) / 100) * 100));

export function rateFigures(protocol: 'Modbus' | 'OPC UA', what: string, engine: RateFigures, ceiling: RateFigures, note: string): Figure[] {
  const share = engine.perSecond / Math.max(1e-9, ceiling.perSecond);
  return [
    { section: 'flood', name: `${protocol} ${what}/s, bare socket ceiling`, value: round(ceiling.perSecond), unit: '/s', note },
    {
      section: 'flood',
      name: `${protocol} ${what}/s, load engine`,
      value: round(engine.perSecond),
      unit: '/s',
      compared: share,
      target: { comparison: 'at least', bound: CEILING_SHARE_TARGET, text: `>= ${CEILING_SHARE_TARGET * 100} % of ceiling (${Math.round(CEILING_SHARE_TARGET * ceiling.perSecond).toLocaleString('en-US')}/s)` },
      note: `${Math.round(share * 100)} % of the ceiling; planned ${Number(engine.plannedRatePerSecond).toLocaleString('en-US')}/s${engine.plannedRatePerSecond === MAX_RATE_PER_SECOND ? ' (the engine\'s MAX_RATE_PER_SECOND)' : ' (twice the first ceiling run)'} for ${DURATION_MS / 1000} s`,
    },
  ];
}

/**
 * Bare, engine, engine, bare after a warm-up, best of two each: a drift in the simulator's speed over the runs
 * (warming up, or slowing down) then favours neither side.
 */
async function alternate(
  what: string,
  bare: (durationMs?: number) => Promise<RateFigures>,
  engine: (ratePerSecond: number) => Promise<RateFigures>,
  pauseMs: number,
): Promise<{ ceiling: RateFigures; engine: RateFigures; runs: Array<{ kind: 'bare' | 'engine'; perSecond: number }> }> {
  const pause = () => new Promise((resolve) => setTimeout(resolve, pauseMs));
  await bare(WARM_UP_MS);
  await pause();
  const runs: Array<{ kind: 'bare' | 'engine'; result: RateFigures }> = [];
  const first = await bare();
  runs.push({ kind: 'bare', result: first });
  progress(`flood: ${what} bare ceiling ${Math.round(first.perSecond)}/s`);
  const rate = plannedRateFor(first.perSecond);
  for (const kind of ['engine', 'engine', 'bare'] as const) {
    await pause();
    const result = kind === 'engine' ? await engine(rate) : await bare();
    runs.push({ kind, result });
    progress(`flood: ${what} ${kind === 'engine' ? `load engine (planned ${rate}/s)` : 'bare ceiling'} ${Math.round(result.perSecond)}/s`);
  }
  const best = (kind: 'bare' | 'engine') => runs.filter((run) => run.kind === kind).map((run) => run.result).sort((a, b) => b.perSecond - a.perSecond)[0]!;
  return { ceiling: best('bare'), engine: best('engine'), runs: runs.map((run) => ({ kind: run.kind, perSecond: Math.round(run.result.perSecond) })) };
}

export async function benchModbusFlood(profile: Parameters<typeof targetFromProfile>[0], host: string): Promise<{ figures: Figure[]; details: unknown }> {
  const target = targetFromProfile(profile, host);
  const read = primaryRead(profile);
  progress(`flood: Modbus, bare writer (${MODBUS_CONNECTIONS} connections x ${MODBUS_WINDOW} outstanding) and load engine (openFlood + runLoad, ${MODBUS_CONNECTIONS} connections), ${DURATION_MS / 1000} s each`);
  // The pause lets the simulator's per-connection token buckets refill between runs.
  const { ceiling, engine, runs } = await alternate('Modbus', (durationMs) => bareModbusCeiling(target, read, durationMs), (rate) => engineModbusFlood(target, read, rate), 1_000);
  const exceptions = Object.entries((engine.exceptions as Record<string, number>) ?? {}).map(([name, count]) => `${count} x ${name}`);
  const note = `replies (normal or exception) to reads of ${read.table} ${read.address}, best of 2 runs each; the hardened simulator answers beyond its per-connection rate with exception 06; engine replies: ${engine.responses} normal${exceptions.length ? `, ${exceptions.join(', ')}` : ''}`;
  return { figures: rateFigures('Modbus', 'requests answered', engine, ceiling, note), details: { ceiling, engine, runs } };
}

export async function benchOpcuaHellos(url: string): Promise<{ figures: Figure[]; details: unknown }> {
  progress(`flood: OPC UA, bare loop and load engine (runLoad + helloExchange), ${OPCUA_PARALLEL} connect + Hello + close in flight, ${DURATION_MS / 1000} s each`);
  const { ceiling, engine, runs } = await alternate('OPC UA', (durationMs) => bareOpcuaCeiling(url, durationMs), (rate) => engineOpcuaHellos(url, rate), 500);
  const note = `connection attempts answered by an Acknowledge, ${OPCUA_PARALLEL} in flight, best of 2 runs each; failures: ceiling ${ceiling.failed}, engine ${engine.failed}`;
  return { figures: rateFigures('OPC UA', 'connection attempts (Hello/ACK)', engine, ceiling, note), details: { ceiling, engine, runs } };
}
