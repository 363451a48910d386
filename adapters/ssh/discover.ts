import type { Discovered, DiscoveryScene } from '../../core/protocol.js';

/**
 * `init`: an SSH server names itself first (RFC 4253 identification string), so the banner the port scan read is
 * enough; nothing is sent and no login is tried. The algorithms are the CR 4.3 check's business.
 */
export async function discoverSsh(scene: DiscoveryScene): Promise<Discovered | undefined> {
  const servers = scene.tcp.filter((entry) => entry.service === 'SSH');
  if (servers.length === 0) return undefined;
  // The profile has one SSH section; a second server is left to the CR 7.7 scan and said so.
  const [first, ...others] = servers;
  const name = scene.uniqueName('ssh', first!.port);
  return {
    endpoint: { ...(name !== 'ssh' ? { name } : {}), port: first!.port },
    claims: [{ port: first!.port, transport: 'tcp' }],
    found: [`SSH on ${first!.port}/tcp: ${first!.banner ?? 'identification not read'}`],
    todo: [
      'banner, idleTimeoutS and lockout as the vendor documents them (CR 1.12, 2.6, 1.11)',
      ...others.map((entry) => `another SSH server answers on ${entry.port}/tcp (${entry.banner ?? ''}); describe it in a profile of its own or close it`),
    ],
    roles: ['admin', 'lockout'],
  };
}
