import type { Server as NetServer, Socket } from 'node:net';

/**
 * Chunk-level hooks in front of node-opcua: every complete UA chunk a client sends passes the filters before the
 * stack sees it. The weak PLC uses them for its transport mistakes, the hardened one to refuse what node-opcua would
 * silently drop.
 */

/** Larger than the largest receive buffer node-opcua acknowledges (512 KiB). */
const MAX_HELD_CHUNK = 1024 * 1024;

export interface ChunkConnection {
  socket: Socket;
  /** Per-connection memory of the filters. */
  state: Record<string, unknown>;
}

/**
 * The chunk to pass on (possibly changed), "crash" to take the whole stack down, or "drop" when the filter has
 * answered the client itself and the connection ends here.
 */
export type ChunkFilter = (chunk: Buffer, connection: ChunkConnection) => Buffer | 'crash' | 'drop';

/**
 * Bytes that do not frame (a size below the header) are passed through untouched, so the stack answers them as it
 * would; a chunk is held back until it is complete, as the stack itself would wait for it.
 */
export function filterIncomingChunks(netServer: NetServer, filters: ChunkFilter[], onCrash: () => void = () => {}): void {
  netServer.prependListener('connection', (socket: Socket) => {
    const emit = socket.emit.bind(socket) as (event: string | symbol, ...args: unknown[]) => boolean;
    const connection: ChunkConnection = { socket, state: {} };
    let pending = Buffer.alloc(0);
    let passThrough = false;
    let dropped = false;
    socket.emit = ((event: string | symbol, ...args: unknown[]) => {
      if (event !== 'data' || passThrough) return emit(event, ...args);
      if (dropped) return true;
      pending = Buffer.concat([pending, args[0] as Buffer]);
      const out: Buffer[] = [];
      while (pending.length >= 8) {
        const size = pending.readUInt32LE(4);
        // A size below the header, or beyond any buffer a stack grants, is the stack's to refuse from the header alone.
        if (size < 8 || size > MAX_HELD_CHUNK) {
          passThrough = true;
          out.push(pending);
          pending = Buffer.alloc(0);
          break;
        }
        if (pending.length < size) break;
        let chunk: Buffer = pending.subarray(0, size);
        pending = pending.subarray(size);
        for (const filter of filters) {
          const result = filter(chunk, connection);
          if (result === 'crash') {
            onCrash();
            return true;
          }
          if (result === 'drop') {
            dropped = true;
            return out.length > 0 ? emit('data', Buffer.concat(out)) : true;
          }
          chunk = result;
        }
        out.push(chunk);
      }
      return out.length > 0 ? emit('data', Buffer.concat(out)) : true;
    }) as typeof socket.emit;
  });
}

/** An Error message (OPC 10000-6 7.1.2.5): status code and reason. */
export function errorMessage(statusCode: number, reason: string): Buffer {
  const text = Buffer.from(reason, 'utf8');
  const message = Buffer.alloc(16 + text.length);
  message.write('ERRF', 0, 'ascii');
  message.writeUInt32LE(message.length, 4);
  message.writeUInt32LE(statusCode >>> 0, 8);
  message.writeInt32LE(text.length, 12);
  text.copy(message, 16);
  return message;
}
