import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { parseSyslog, type SyslogRecord } from './parse.js';

/**
 * The harness's syslog collector: it listens where the profile says the device sends its log, for the time a check
 * needs it, and keeps what arrives. UDP (RFC 5426: one record per datagram), TCP with octet-counting (RFC 6587 3.4.1,
 * as RFC 5425 prescribes for TLS) or newline framing (3.4.2, what most stacks send), and TLS (RFC 5425).
 *
 * It only receives: nothing is sent to a peer but the TCP and TLS handshakes. Every connection has an idle timeout,
 * frames and connections are bounded, and close() ends every socket, so an aborted run leaves nothing listening.
 */

export type CollectorTransport = 'udp' | 'tcp' | 'tls';

export interface ReceivedRecord {
  record: SyslogRecord;
  receivedAt: Date;
  /** Address the record came from. */
  peer: string;
  transport: CollectorTransport;
  /** TCP and TLS: how the frame was delimited. */
  framing?: 'octet-counting' | 'newline';
}

export interface CollectorOptions {
  host: string;
  port: number;
  transport: CollectorTransport;
  /** Key and certificate chain the collector presents over TLS (PEM). */
  tls?: { key: string; cert: string };
  /** A connection that sends nothing for this long is closed (the device reconnects when it has more to say). */
  idleTimeoutMs: number;
  /** Records from other addresses are counted but not kept: only the device's own records are judged. */
  acceptFrom?: string;
  log?: (line: string) => void;
}

/** RFC 5425 requires 2048 octets and recommends 8192; more than this is not a syslog record. */
const MAX_FRAME_BYTES = 64 * 1024;
const MAX_CONNECTIONS = 32;
/** A check needs a handful of records; beyond this a flooding device's records are counted, not kept. */
const MAX_RECORDS = 10_000;
const LOGGED_RECORDS = 200;

export class CollectorBindError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'CollectorBindError';
  }
}

export class SyslogCollector {
  readonly records: ReceivedRecord[] = [];
  /** Records from addresses other than acceptFrom, counted only. */
  foreign = 0;
  /** Records beyond MAX_RECORDS, counted only. */
  overflow = 0;
  /** Frames that were too long or badly framed (the connection was closed). */
  framingErrors = 0;
  /** TCP and TLS connections the device opened. */
  connections = 0;
  private server?: Server;
  private udp?: UdpSocket;
  private readonly sockets = new Set<Socket>();
  private readonly waiters = new Set<() => void>();

  private constructor(readonly options: CollectorOptions) {}

  get address(): string {
    return `${this.options.transport}://${this.options.host}:${this.options.port}`;
  }

  get listening(): boolean {
    return this.server?.listening === true || this.udp !== undefined;
  }

  /** Binds and starts receiving; rejects with a CollectorBindError naming the address when it cannot. */
  static async open(options: CollectorOptions): Promise<SyslogCollector> {
    const collector = new SyslogCollector(options);
    await collector.start();
    return collector;
  }

  /** Listens again after stop() (the outage of CR 2.10 is over). */
  async start(): Promise<void> {
    if (this.listening) return;
    const { host, port, transport } = this.options;
    const failed = (error: NodeJS.ErrnoException) => new CollectorBindError(`cannot listen on ${transport}://${host}:${port}: ${error.code ?? error.message}`, error.code);
    if (transport === 'udp') {
      const socket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4' });
      await new Promise<void>((resolve, reject) => {
        socket.once('error', (error) => reject(failed(error)));
        socket.bind(port, host, () => resolve());
      }).catch((error: unknown) => {
        socket.close();
        throw error;
      });
      socket.on('error', (error) => this.options.log?.(`collector: UDP error ${error.message}`));
      socket.on('message', (message, remote) => this.accept(message.toString('utf8'), remote.address, undefined));
      this.udp = socket;
      return;
    }
    const server =
      transport === 'tls'
        ? createTlsServer({ key: this.options.tls?.key, cert: this.options.tls?.cert, minVersion: 'TLSv1.2', handshakeTimeout: this.options.idleTimeoutMs }, (socket) => this.stream(socket))
        : createTcpServer((socket) => this.stream(socket));
    server.maxConnections = MAX_CONNECTIONS;
    if (transport === 'tls') server.on('tlsClientError', (error) => this.options.log?.(`collector: TLS handshake failed: ${error.message}`));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => reject(failed(error)));
      server.listen(port, host, () => resolve());
    });
    server.on('error', (error) => this.options.log?.(`collector: ${error.message}`));
    this.server = server;
  }

  /** Stops listening and drops every connection: new connections are refused until start(). */
  async stop(): Promise<void> {
    const udp = this.udp;
    this.udp = undefined;
    if (udp) await new Promise<void>((resolve) => udp.close(() => resolve()));
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server?.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  close(): Promise<void> {
    for (const wake of this.waiters) wake();
    return this.stop();
  }

  /** Waits until the device holds a connection (TCP, TLS), up to timeoutMs; says whether it does. */
  async waitForConnection(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.waitFor(() => this.sockets.size > 0, timeoutMs, signal);
  }

  /** Waits until `wanted` holds for the records kept, or timeoutMs passes, or the signal aborts; says whether it held. */
  async waitFor(wanted: (records: readonly ReceivedRecord[]) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (wanted(this.records)) return true;
    return new Promise<boolean>((resolve) => {
      const finish = (held: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        signal?.removeEventListener('abort', onAbort);
        resolve(held);
      };
      const check = () => {
        if (wanted(this.records)) finish(true);
      };
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(wanted(this.records)), timeoutMs);
      this.waiters.add(check);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private accept(text: string, peer: string, framing: ReceivedRecord['framing']): void {
    const address = peer.replace(/^::ffff:/, '');
    if (this.options.acceptFrom !== undefined && address !== this.options.acceptFrom) {
      this.foreign++;
      return;
    }
    if (text.trim() === '') return;
    if (this.records.length >= MAX_RECORDS) {
      this.overflow++;
      return;
    }
    const received: ReceivedRecord = { record: parseSyslog(text), receivedAt: new Date(), peer: address, transport: this.options.transport, ...(framing ? { framing } : {}) };
    this.records.push(received);
    if (this.records.length <= LOGGED_RECORDS) this.options.log?.(`collector ← ${address} ${received.record.raw.slice(0, 300)}`);
    else if (this.records.length === LOGGED_RECORDS + 1) this.options.log?.(`collector: more than ${LOGGED_RECORDS} records; the transcript shows no more of them`);
    for (const wake of [...this.waiters]) wake();
  }

  private stream(socket: Socket): void {
    const address = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    if (this.options.acceptFrom !== undefined && address !== this.options.acceptFrom) {
      this.foreign++;
      socket.destroy();
      return;
    }
    this.connections++;
    this.sockets.add(socket);
    for (const wake of [...this.waiters]) wake();
    socket.setTimeout(this.options.idleTimeoutMs, () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const peer = socket.remoteAddress ?? 'unknown';
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const frame = nextFrame(buffer);
        if (frame === 'incomplete') {
          if (buffer.length > MAX_FRAME_BYTES + 8) this.badFrame(socket, `more than ${MAX_FRAME_BYTES} octets without a frame end`);
          return;
        }
        if (frame === 'invalid') return this.badFrame(socket, 'an octet count larger than the frame limit');
        buffer = buffer.subarray(frame.consumed);
        this.accept(frame.text, peer, frame.framing);
      }
    });
  }

  private badFrame(socket: Socket, why: string): void {
    this.framingErrors++;
    this.options.log?.(`collector: closed a connection from ${socket.remoteAddress}: ${why}`);
    socket.destroy();
  }
}

type Frame = { text: string; consumed: number; framing: 'octet-counting' | 'newline' } | 'incomplete' | 'invalid';

/** RFC 6587: a frame starting with a digit is octet-counted ("LEN SP MSG"); otherwise it ends at LF (or NUL). */
export function nextFrame(buffer: Buffer): Frame {
  if (buffer.length === 0) return 'incomplete';
  const first = buffer[0]!;
  if (first >= 0x31 && first <= 0x39) {
    const space = buffer.indexOf(0x20);
    if (space < 0) return buffer.length > 10 ? 'invalid' : 'incomplete';
    const length = Number(buffer.subarray(0, space).toString('latin1'));
    if (!Number.isInteger(length) || length > MAX_FRAME_BYTES) return 'invalid';
    if (buffer.length < space + 1 + length) return 'incomplete';
    return { text: buffer.subarray(space + 1, space + 1 + length).toString('utf8'), consumed: space + 1 + length, framing: 'octet-counting' };
  }
  let end = -1;
  for (let index = 0; index < buffer.length; index++) {
    if (buffer[index] === 0x0a || buffer[index] === 0x00) {
      end = index;
      break;
    }
  }
  if (end < 0) return 'incomplete';
  return { text: buffer.subarray(0, end).toString('utf8').replace(/\r$/, ''), consumed: end + 1, framing: 'newline' };
}
