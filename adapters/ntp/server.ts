import { createSocket, type Socket } from 'node:dgram';
import { MODE_CLIENT, readHeader, serverReply } from './packet.js';

/**
 * The harness's SNTP server for the time of one check: it answers client requests (mode 3) from the device's address
 * only, with the harness clock, and notes each query. Nothing else is sent to anyone.
 */

export interface NtpQuery {
  at: Date;
  peer: string;
  version: number;
}

export class NtpBindError extends Error {}

export class SntpServer {
  readonly queries: NtpQuery[] = [];
  ignored = 0;
  private readonly waiters = new Set<() => void>();

  private constructor(
    private readonly socket: Socket,
    readonly host: string,
    readonly port: number,
  ) {}

  static async open(options: { host: string; port: number; acceptFrom: string; log?: (line: string) => void }): Promise<SntpServer> {
    const socket = createSocket({ type: options.host.includes(':') ? 'udp6' : 'udp4' });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (error: NodeJS.ErrnoException) => reject(new NtpBindError(`cannot listen on udp://${options.host}:${options.port}: ${error.code ?? error.message}`)));
      socket.bind(options.port, options.host, () => resolve());
    }).catch((error: unknown) => {
      socket.close();
      throw error;
    });
    const server = new SntpServer(socket, options.host, options.port);
    socket.on('error', (error) => options.log?.(`time source: ${error.message}`));
    socket.on('message', (packet, remote) => {
      const receivedMs = Date.now();
      const header = readHeader(packet);
      const peer = remote.address.replace(/^::ffff:/, '');
      if (!header || header.mode !== MODE_CLIENT || peer !== options.acceptFrom) {
        server.ignored++;
        return;
      }
      server.queries.push({ at: new Date(receivedMs), peer, version: header.version });
      options.log?.(`time source ← NTPv${header.version} query from ${peer}; answered with the harness clock`);
      socket.send(serverReply(packet, receivedMs, Date.now()), remote.port, remote.address);
      for (const wake of [...server.waiters]) wake();
    });
    return server;
  }

  /** Waits for the first query, up to timeoutMs; says whether one came. */
  waitForQuery(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.queries.length > 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (held: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        signal?.removeEventListener('abort', onAbort);
        resolve(held);
      };
      const wake = () => finish(this.queries.length > 0);
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(this.queries.length > 0), timeoutMs);
      this.waiters.add(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  close(): Promise<void> {
    for (const wake of [...this.waiters]) wake();
    return new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}
