import { createSocket, type Socket } from 'node:dgram';
import { clientRequest, MODE_SERVER, offsetFromReply, readHeader } from '../../adapters/ntp/packet.js';

/**
 * The simulated device's SNTP client: it asks its configured time source every pollMs, from its own address, and keeps
 * the offset of the last answer (on one machine it stays near zero; the point is that it asks).
 */
export class TimeClient {
  lastOffsetMs?: number;
  queries = 0;
  private socket?: Socket;
  private timer?: NodeJS.Timeout;

  constructor(private readonly options: { server: { host: string; port: number }; localAddress: string; pollMs: number }) {}

  start(): void {
    const socket = createSocket('udp4');
    socket.on('error', () => undefined);
    socket.on('message', (packet) => {
      const header = readHeader(packet);
      if (header?.mode === MODE_SERVER) this.lastOffsetMs = offsetFromReply(packet, Date.now());
    });
    socket.bind(0, this.options.localAddress, () => {
      const ask = () => {
        this.queries++;
        socket.send(clientRequest(Date.now()), this.options.server.port, this.options.server.host);
      };
      ask();
      this.timer = setInterval(ask, this.options.pollMs);
    });
    this.socket = socket;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
