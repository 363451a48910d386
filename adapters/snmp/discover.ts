import type { Discovered, DiscoveryScene } from '../../core/protocol.js';

/**
 * `init`: the UDP probe of port 161 sent an SNMPv3 discovery request (no credentials), and community GETs only for
 * the communities the user named with --snmp-communities. An agent that answered either is an interface; its
 * credentials are the vendor's to give, so none is written.
 */
export async function discoverSnmp(scene: DiscoveryScene): Promise<Discovered | undefined> {
  const agent = scene.udp.find((entry) => entry.service === 'SNMP');
  if (!agent) return undefined;
  const answer = agent.answer ?? '';
  const v3 = /SNMPv3/.test(answer);
  const community = /answering community/.test(answer);
  const versions = [...(community ? ['1', '2c'] : []), ...(v3 ? ['3'] : [])];
  const name = scene.uniqueName('snmp', agent.port);
  return {
    endpoint: { ...(name !== 'snmp' ? { name } : {}), port: agent.port, versions: versions.length ? versions : ['3'] },
    claims: [{ port: agent.port, transport: 'udp' }],
    found: [`SNMP agent on ${agent.port}/udp: ${answer || 'answered'}`],
    todo: [
      `versions: ${versions.length ? versions.join(', ') : '3'} as seen; list every version the vendor says is enabled`,
      'community (as ${SNMP_COMMUNITY}) and users (SNMPv3 user, auth and priv keys) the harness may use',
    ],
  };
}
