import { connect } from 'node:tls';
import type { Discovered, DiscoveryScene } from '../../core/protocol.js';
import { fetchRoot } from './cleartext.js';

/**
 * `init`, after the specific protocols: any port still unexplained that completes a TLS handshake (or answers the
 * ClientHello with a TLS alert, as a server that wants a client certificate does) is a TLS service. Whether HTTP runs
 * inside says what to call it.
 */
export async function discoverTls(scene: DiscoveryScene): Promise<Discovered | undefined> {
  const services: Array<{ name: string; port: number; cleartextPort?: number }> = [];
  const found: string[] = [];
  const todo: string[] = [];
  const plainHttp = scene.tcp.filter((entry) => entry.service.startsWith('HTTP')).map((entry) => entry.port);
  for (const candidate of scene.tcp.filter((entry) => entry.service === 'unknown' || entry.service === 'TLS')) {
    const handshake = await tlsHandshake(scene, candidate.port);
    if (!handshake) continue;
    const answer = handshake.completed
      ? await fetchRoot({ host: scene.host, port: candidate.port, tls: true, connectTimeoutMs: scene.timeoutMs, timeoutMs: scene.timeoutMs, signal: scene.signal }).catch(() => undefined)
      : undefined;
    const name = answer?.http ? scene.uniqueName('web-ui', candidate.port) : scene.uniqueName(`tls-${candidate.port}`, candidate.port);
    const twin = answer?.http && plainHttp.length === 1 ? plainHttp[0] : undefined;
    services.push({ name, port: candidate.port, ...(twin ? { cleartextPort: twin } : {}) });
    found.push(`TLS on ${candidate.port}/tcp (${handshake.note})${answer?.http ? `, HTTP inside: ${answer.http.statusLine}${answer.http.title ? ` "${answer.http.title}"` : ''}` : ''}`);
    if (twin) todo.push(`${name}: ${twin}/tcp serves plain HTTP and is taken as its cleartext twin (cleartextPort); remove the line if it is another service`);
  }
  if (services.length === 0) return undefined;
  todo.push('rename the TLS services after what they are (web-ui, api, ...); declarations and accounts use these names');
  return { endpoint: services, claims: services.map((service) => ({ port: service.port, transport: 'tcp' as const })), found, todo };
}

function tlsHandshake(scene: DiscoveryScene, port: number): Promise<{ completed: boolean; note: string } | undefined> {
  scene.signal.throwIfAborted();
  return new Promise((resolve) => {
    const socket = connect({ host: scene.host, port, rejectUnauthorized: false, ...(/^[\d.:]+$/.test(scene.host) ? {} : { servername: scene.host }) });
    const finish = (outcome: { completed: boolean; note: string } | undefined) => {
      clearTimeout(timer);
      scene.signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(outcome);
    };
    const onAbort = () => finish(undefined);
    const timer = setTimeout(() => finish(undefined), scene.timeoutMs);
    scene.signal.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', () => finish({ completed: true, note: `${socket.getProtocol() ?? 'TLS'} handshake completed` }));
    // An alert is a TLS answer: the server speaks TLS but wants something the harness did not offer (a client certificate).
    socket.once('error', (error: Error) => finish(/alert/i.test(error.message) ? { completed: false, note: `handshake refused with a TLS alert: ${error.message}` } : undefined));
  });
}
