import { createServer } from 'node:net';
import { randomInt } from 'node:crypto';

/**
 * Loopback addresses for simulators and tests. All of 127.0.0.0/8 reaches the loopback interface, so each simulated
 * component can have an address of its own and its ports never mix with another's.
 */
export function randomLoopbackHost(): string {
  // 127.0.0.x is left to other software (127.0.0.1, 127.0.0.53 resolvers and the like).
  return `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
}

/** Another loopback address than host: a control address on the same machine that is not the component. */
export function otherLoopbackHost(host: string): string {
  let other = randomLoopbackHost();
  while (other === host) other = randomLoopbackHost();
  return other;
}

export function isLoopback(host: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '::1' || host === 'localhost';
}

/** A TCP port that was free on host a moment ago (there is a small race; callers bind right away). */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
