import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/**
 * Whether the harness can listen on an address the profile names for a peer of the device (a syslog collector, a
 * time source), tried before the run: bound and closed at once. Resolves with the reason when it cannot.
 */
export async function cannotBind(host: string, port: number, transport: 'tcp' | 'udp'): Promise<string | undefined> {
  const reason = (error: NodeJS.ErrnoException) => `cannot listen on ${transport}://${host}:${port}: ${error.code ?? error.message}`;
  if (transport === 'udp') {
    const socket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4' });
    return new Promise((resolve) => {
      socket.once('error', (error) => {
        socket.close();
        resolve(reason(error));
      });
      socket.bind(port, host, () => socket.close(() => resolve(undefined)));
    });
  }
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', (error) => resolve(reason(error)));
    server.listen(port, host, () => server.close(() => resolve(undefined)));
  });
}
