import { Socket } from 'node:net';

/**
 * A TCP connection storm: each operation opens one connection to the next port in turn and closes it as soon as it
 * is established, so the device spends accept, connection-table and (for TLS ports) handshake resources on each.
 * Rate and duration belong to core/load's runLoad; this only says what one operation is.
 */

export interface PortStormStats {
  port: number;
  attempts: number;
  connected: number;
  refused: number;
  timedOut: number;
  otherErrors: number;
}

export interface ConnectionStorm {
  worker(signal: AbortSignal): Promise<void>;
  stats(): PortStormStats[];
}

export function connectionStorm(host: string, ports: number[], options: { connectTimeoutMs: number }): ConnectionStorm {
  if (ports.length === 0) throw new Error('a connection storm needs at least one port');
  const stats = ports.map((port): PortStormStats => ({ port, attempts: 0, connected: 0, refused: 0, timedOut: 0, otherErrors: 0 }));
  let next = 0;
  return {
    stats: () => stats.map((entry) => ({ ...entry })),
    worker: (signal) => {
      const entry = stats[next++ % stats.length]!;
      entry.attempts++;
      return new Promise<void>((resolve, reject) => {
        const socket = new Socket();
        let settled = false;
        const finish = (error?: Error) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          socket.destroy();
          if (error) reject(error);
          else resolve();
        };
        const onAbort = () => finish(new Error('storm ended'));
        const timer = setTimeout(() => {
          entry.timedOut++;
          finish(new Error(`port ${entry.port}: connect timed out`));
        }, options.connectTimeoutMs);
        signal.addEventListener('abort', onAbort, { once: true });
        socket.once('connect', () => {
          entry.connected++;
          finish();
        });
        socket.once('error', (error: NodeJS.ErrnoException) => {
          if (error.code === 'ECONNREFUSED') entry.refused++;
          else entry.otherErrors++;
          finish(new Error(`port ${entry.port}: ${error.code === 'ECONNREFUSED' ? 'connection refused' : (error.code ?? error.message)}`));
        });
        socket.connect({ host, port: entry.port });
      });
    },
  };
}
