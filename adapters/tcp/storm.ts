import { ConnectError, connectTcp } from '../../core/net/socket.js';

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
    worker: async (signal) => {
      const entry = stats[next++ % stats.length]!;
      entry.attempts++;
      let socket;
      try {
        socket = await connectTcp({ host, port: entry.port, connectTimeoutMs: options.connectTimeoutMs, signal });
      } catch (error) {
        if (!(error instanceof ConnectError)) throw new Error('storm ended');
        if (error.code === 'ETIMEDOUT') entry.timedOut++;
        else if (error.code === 'ECONNREFUSED') entry.refused++;
        else entry.otherErrors++;
        throw new Error(`port ${entry.port}: ${error.code === 'ETIMEDOUT' ? 'connect timed out' : error.code === 'ECONNREFUSED' ? 'connection refused' : (error.code ?? error.message)}`);
      }
      entry.connected++;
      socket.destroy();
    },
  };
}
