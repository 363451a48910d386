import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Server as NetServer, Socket } from 'node:net';
import { DiagnosticInfo, StatusCodes, type OPCUAServer, type StatusCode } from 'node-opcua';
// The token stack is not exported by the package index; the file is the same module instance node-opcua-server uses.
import { TokenStack } from 'node-opcua-secure-channel/dist/source/token_stack.js';
import { filterIncomingChunks, type ChunkFilter } from './chunks.js';

/**
 * The weak PLC's mistakes below the address space: what an embedded OPC UA stack gets wrong in its transport and
 * session handling. Each one is installed on one server instance only, so the harness's own client (which may run in
 * the same process, as in the tests) is never affected.
 */

interface Endpoint {
  _server?: NetServer;
  suspendConnection(callback: (error?: Error) => void): void;
  restoreConnection(callback: (error?: Error) => void): void;
  abruptlyInterruptChannels(): void;
  _started: boolean;
  _preregisterChannel(channel: unknown): void;
}

const endpointOf = (server: OPCUAServer): Endpoint => server.endpoints[0] as unknown as Endpoint;

interface DerivedKeys {
  signingKey: Buffer;
  sha1or256: 'SHA1' | 'SHA256';
  signatureLength: number;
}

/**
 * The keys clients sign their messages with, by "channelId:tokenId", as the server's token stacks receive them.
 * Recording them changes nothing in node-opcua; only a signature-blind PLC reads them (see resignTamperedChunks).
 */
const clientSigningKeys = new Map<string, DerivedKeys>();
const MAX_RECORDED_KEYS = 4096;
let recording = false;

function recordClientSigningKeys(): void {
  if (recording) return;
  recording = true;
  type Push = (securityToken: { channelId: number; tokenId: number }, derivedKeys: { derivedClientKeys?: DerivedKeys } | null) => void;
  const prototype = TokenStack.prototype as unknown as { pushNewToken: Push };
  const push = prototype.pushNewToken;
  prototype.pushNewToken = function (this: { id: number }, securityToken, derivedKeys) {
    // A server's stack carries its channel id; client stacks are numbered 1 and are not what the PLC would see.
    if (derivedKeys?.derivedClientKeys && securityToken.channelId === this.id) {
      clientSigningKeys.set(`${securityToken.channelId}:${securityToken.tokenId}`, derivedKeys.derivedClientKeys);
      if (clientSigningKeys.size > MAX_RECORDED_KEYS) clientSigningKeys.delete(clientSigningKeys.keys().next().value!);
    }
    push.call(this, securityToken, derivedKeys);
  };
}

/**
 * A stack that never checks symmetric signatures: modelled by re-signing, with the client's own key, every Sign-mode
 * chunk whose signature does not match, so node-opcua accepts whatever arrived. SignAndEncrypt chunks are left alone
 * (their signature is inside the ciphertext).
 */
function resignTamperedChunks(): ChunkFilter {
  recordClientSigningKeys();
  const signOnly = new Map<number, boolean>();
  return (chunk) => {
    const type = chunk.toString('ascii', 0, 3);
    if ((type !== 'MSG' && type !== 'CLO') || chunk.length < 24) return chunk;
    const channelId = chunk.readUInt32LE(8);
    const keys = clientSigningKeys.get(`${channelId}:${chunk.readUInt32LE(12)}`);
    if (!keys || chunk.length <= 16 + keys.signatureLength) return chunk;
    const signed = chunk.subarray(0, chunk.length - keys.signatureLength);
    const signature = createHmac(keys.sha1or256, keys.signingKey).update(signed).digest();
    const valid = timingSafeEqual(signature, chunk.subarray(chunk.length - keys.signatureLength));
    // The first chunk of a channel tells its mode: a plaintext signature only matches in Sign mode.
    if (!signOnly.has(channelId)) signOnly.set(channelId, valid);
    if (valid || !signOnly.get(channelId)) return chunk;
    return Buffer.concat([signed, signature]);
  };
}

/** A stack that divides by the client's receive buffer size: a Hello announcing 0 takes the whole server down. */
const crashOnZeroBufferHello: ChunkFilter = (chunk) => (chunk.toString('ascii', 0, 3) === 'HEL' && chunk.length >= 28 && chunk.readUInt32LE(12) === 0 ? 'crash' : chunk);

/**
 * A single-threaded stack that spends connectionCostMs of CPU on every new connection (buffers, a channel table
 * scan) and serves nothing else meanwhile: every socket is paused until the work queued so far is done.
 */
function chargeForConnections(netServer: NetServer, connectionCostMs: number): () => void {
  const sockets = new Set<Socket>();
  let busyUntil = 0;
  let timer: NodeJS.Timeout | undefined;
  const waiting: Array<() => void> = [];
  const wake = () => {
    timer = undefined;
    const now = performance.now();
    if (now < busyUntil) {
      timer = setTimeout(wake, busyUntil - now);
      return;
    }
    for (const socket of sockets) if (!socket.destroyed) socket.resume();
    for (const accept of waiting.splice(0)) accept();
  };
  // node-opcua's own handler resumes the new socket; it runs once the queued work is done.
  const handlers = netServer.listeners('connection') as Array<(socket: Socket) => void>;
  netServer.removeAllListeners('connection');
  netServer.on('connection', (socket: Socket) => {
    busyUntil = Math.max(performance.now(), busyUntil) + connectionCostMs;
    for (const other of sockets) other.pause();
    waiting.push(() => {
      if (socket.destroyed) return;
      for (const handler of handlers) handler.call(netServer, socket);
      // Only a socket with its handler attached may be paused and resumed, or its data would flow to nobody.
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    timer ??= setTimeout(wake, busyUntil - performance.now());
  });
  return () => {
    if (timer) clearTimeout(timer);
    waiting.length = 0;
  };
}

export interface WeakTransportOptions {
  /** CPU time each new connection costs (0: free). */
  connectionCostMs: number;
  /** How long the watchdog takes to restart a crashed stack. */
  restartAfterMs: number;
  signatureBlind: boolean;
  crashOnZeroBufferHello: boolean;
}

export interface WeakTransport {
  /** True between a crash and the watchdog's restart. */
  readonly crashed: boolean;
  crashes: number;
  /** Cancels a pending restart and leaves the endpoint listening, so the server shuts down normally. */
  release(): Promise<void>;
}

/** Installs the transport-level mistakes on a started server's endpoint. */
export function installWeakTransport(server: OPCUAServer, options: WeakTransportOptions): WeakTransport {
  const endpoint = endpointOf(server);
  const netServer = endpoint._server;
  if (!netServer) throw new Error('the OPC UA endpoint has no TCP listener');
  const sockets = new Set<Socket>();
  netServer.prependListener('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  let restartTimer: NodeJS.Timeout | undefined;
  let restarting: Promise<void> | undefined;
  const state: WeakTransport = {
    crashed: false,
    crashes: 0,
    async release() {
      if (restartTimer) clearTimeout(restartTimer);
      restartTimer = undefined;
      stopCharging?.();
      if (state.crashed) await restart();
      await restarting;
    },
  };
  const restart = () =>
    (restarting ??= new Promise<void>((resolve) =>
      endpoint.restoreConnection(() => {
        (state as { crashed: boolean }).crashed = false;
        restarting = undefined;
        resolve();
      }),
    ));
  const crash = () => {
    if (state.crashed) return;
    (state as { crashed: boolean }).crashed = true;
    state.crashes++;
    // The listener goes and every connection with it; the watchdog brings the stack back after a while.
    endpoint.suspendConnection(() => {});
    endpoint.abruptlyInterruptChannels();
    for (const socket of sockets) socket.destroy();
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      void restart();
    }, options.restartAfterMs);
  };
  if (options.crashOnZeroBufferHello) {
    // A connection accepted just before a crash has its channel set up on a later tick, when the listener is gone:
    // a crashed stack drops it (its socket is already destroyed), where node-opcua would assert that it is started.
    const preregister = endpoint._preregisterChannel.bind(endpoint);
    endpoint._preregisterChannel = (channel) => {
      if (endpoint._started) preregister(channel);
    };
  }
  const filters: ChunkFilter[] = [];
  if (options.crashOnZeroBufferHello) filters.push(crashOnZeroBufferHello);
  if (options.signatureBlind) filters.push(resignTamperedChunks());
  if (filters.length > 0) filterIncomingChunks(netServer, filters, crash);
  const stopCharging = options.connectionCostMs > 0 ? chargeForConnections(netServer, options.connectionCostMs) : undefined;
  return state;
}

/** A session's authentication token is honoured on any secure channel, not only the one that created it. */
export function bindSessionsToNoChannel(server: OPCUAServer): void {
  type Prepare = (message: { session_statusCode?: unknown; session?: unknown }, channel: unknown) => void;
  const hooks = server as unknown as { prepare: Prepare };
  const prepare = hooks.prepare.bind(server);
  hooks.prepare = (message, channel) => {
    prepare(message, channel);
    if (message.session && message.session_statusCode === StatusCodes.BadSecureChannelIdInvalid) message.session_statusCode = StatusCodes.Good;
  };
}

/** Every session gets the same server nonce. */
export function fixServerNonce(server: OPCUAServer): void {
  const hooks = server as unknown as { makeServerNonce: () => Buffer };
  const fixedNonce = Buffer.alloc(32, 0x5a);
  hooks.makeServerNonce = () => Buffer.from(fixedNonce);
}

/** A real-time clock that was never set right: ServerStatus.CurrentTime runs offsetMs ahead. */
export function offsetClock(server: OPCUAServer, offsetMs: number): void {
  // node-opcua serves CurrentTime from a proxy over the ServerStatus structure; another proxy in front shifts it.
  const serverStatus = server.engine.addressSpace!.findNode('i=2256') as unknown as { $extensionObject: Record<string | symbol, unknown> };
  const inner = serverStatus.$extensionObject;
  serverStatus.$extensionObject = new Proxy(inner, {
    get: (target, property) => (property === 'currentTime' ? (void target[property], new Date(Date.now() + offsetMs)) : target[property]),
  });
  (server.engine as unknown as { _serverStatus: unknown })._serverStatus = serverStatus.$extensionObject;
}

/** Diagnostics switched off: the ServerDiagnosticsSummary counters stay where they are. */
export function disableDiagnostics(server: OPCUAServer): void {
  (server.engine as unknown as { serverDiagnosticsEnabled: boolean }).serverDiagnosticsEnabled = false;
}

interface ResponseLike {
  responseHeader: { serviceResult?: StatusCode; stringTable?: string[] | null; serviceDiagnostics?: DiagnosticInfo | null };
  results?: Array<StatusCode | { statusCode?: StatusCode }> | null;
  diagnosticInfos?: DiagnosticInfo[] | null;
}

const statusOf = (result: StatusCode | { statusCode?: StatusCode }): StatusCode | undefined => ('statusCode' in result && result.statusCode && typeof result.statusCode === 'object' ? result.statusCode : (result as StatusCode));

/**
 * A debug build shipped to the field: when a client asks for diagnostics, every failed operation comes back with the
 * firmware's exception, file paths and stack included.
 */
export function leakInternalErrors(server: OPCUAServer): void {
  type Send = (msgType: string, response: ResponseLike, message: { request?: { requestHeader?: { returnDiagnostics?: number }; constructor: { name: string } } }, callback?: unknown) => void;
  server.on('newChannel', (channel: unknown) => {
    const hooks = channel as { send_response: Send };
    const send = hooks.send_response.bind(channel);
    hooks.send_response = (msgType, response, message, callback) => {
      if (message?.request?.requestHeader?.returnDiagnostics) attachExceptions(response, message.request.constructor.name);
      send(msgType, response, message, callback);
    };
  });
}

function attachExceptions(response: ResponseLike, requestName: string): void {
  const exception = (status: StatusCode) => {
    const error = new Error(`${requestName} failed with ${status.name} in /opt/plc/runtime/lib/ua_services.so (address space /var/lib/plc/addressspace.db)`);
    return error.stack ?? error.message;
  };
  const serviceResult = response.responseHeader.serviceResult;
  if (serviceResult?.isNotGood?.()) {
    response.responseHeader.serviceDiagnostics = new DiagnosticInfo({ additionalInfo: exception(serviceResult) });
    return;
  }
  const results = response.results ?? [];
  const statuses = results.map(statusOf);
  if (!statuses.some((status) => status?.isNotGood?.())) return;
  const stringTable = [...(response.responseHeader.stringTable ?? [])];
  response.diagnosticInfos = statuses.map((status) => {
    if (!status?.isNotGood?.()) return new DiagnosticInfo({});
    stringTable.push(`${status.name}: internal error, see /var/log/plc/ua_server.log`);
    return new DiagnosticInfo({ localizedText: stringTable.length - 1, additionalInfo: exception(status) });
  });
  response.responseHeader.stringTable = stringTable;
}
