import { defineProtocol } from '../../core/protocol.js';
import { sshEndpointSchema, type SshEndpoint } from './endpoint.js';

declare module '../../core/profile/endpoints.js' {
  interface EndpointSections {
    ssh?: SshEndpoint;
  }
}

/**
 * What an SSH management interface answers for on its own. Those without an SSH check here (use control, session
 * integrity, input validation, denial of service) show as needing evidence rather than passing unseen.
 */
const CONCERNS = ['CR 1.1', 'CR 1.2', 'CR 1.5', 'CR 1.7', 'CR 1.9', 'CR 1.10', 'CR 1.11', 'CR 1.12', 'CR 2.1', 'CR 2.6', 'CR 3.1', 'CR 4.1', 'CR 4.3', 'CR 7.1'];

export default defineProtocol({
  name: 'ssh',
  title: 'SSH management interface',
  checkProtocols: { ssh: 'the profile declares no SSH service (endpoints.ssh)' },
  libraries: ['ssh2'],
  endpoint: { key: 'ssh', schema: sshEndpointSchema },
  services: ['ssh'],
  concerns: CONCERNS,
  interfaces(profile) {
    const endpoint = profile.endpoints.ssh;
    if (!endpoint) return [];
    return [
      {
        name: endpoint.name ?? 'ssh',
        kind: 'ssh',
        protocols: ['ssh'],
        ports: [{ port: endpoint.port, transport: 'tcp' }],
        label: `ssh://${profile.host}:${endpoint.port}`,
        concerns: CONCERNS,
        endpoint,
        ...(endpoint.lockout ? { lockoutThreshold: endpoint.lockout.threshold } : {}),
      },
    ];
  },
  discovery: { run: async (scene) => (await import('./discover.js')).discoverSsh(scene) },
});
