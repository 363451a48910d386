import { defineProtocol, type ComponentInterface } from '../../core/protocol.js';
import type { Profile } from '../../core/profile/schema.js';
import { snmpEndpointSchema, snmpEssentialFunctionSchema, snmpSecrets, type SnmpEndpoint, type SnmpEssentialFunction } from './endpoint.js';

declare module '../../core/profile/endpoints.js' {
  interface EndpointSections {
    snmp?: SnmpEndpoint;
  }
  interface EssentialFunctionKinds {
    snmp: SnmpEssentialFunction;
  }
}

const SNMP_PORT = 161;
/** What an SNMP agent answers for: who may read and write, what travels in clear, and its cryptography. */
const CONCERNS = ['CR 1.1', 'CR 1.2', 'CR 1.5', 'CR 1.10', 'CR 2.1', 'CR 3.1', 'CR 4.1', 'CR 4.3', 'CR 7.1'];

/**
 * Port 161 in openPorts without endpoints.snmp still makes an SNMP interface, with nothing known about it: declaring
 * the port must not spare an agent that answers "public" its SNMP checks.
 */
function endpointOf(profile: Profile): (SnmpEndpoint & { implied?: boolean }) | undefined {
  if (profile.endpoints.snmp) return profile.endpoints.snmp;
  if (profile.openPorts.includes(SNMP_PORT)) return { port: SNMP_PORT, versions: ['1', '2c', '3'], users: [], implied: true };
  return undefined;
}

const watched = (profile: Profile) => (endpointOf(profile) ? profile.essentialFunctions.flatMap((entry) => ('snmp' in entry ? [entry.name] : [])) : []);

export default defineProtocol({
  name: 'snmp',
  title: 'SNMP agent',
  checkProtocols: { snmp: 'the profile declares no SNMP agent (endpoints.snmp, or 161 in openPorts)' },
  libraries: ['net-snmp'],
  endpoint: { key: 'snmp', schema: snmpEndpointSchema },
  essentialFunction: { key: 'snmp', schema: snmpEssentialFunctionSchema },
  services: ['snmp'],
  concerns: CONCERNS,
  mostlyWaits: 'an agent refuses a wrong community or user by not answering, so most checks wait out a request timeout',
  interfaces(profile): ComponentInterface[] {
    const endpoint = endpointOf(profile);
    if (!endpoint) return [];
    return [
      {
        name: endpoint.name ?? 'snmp',
        kind: 'snmp',
        protocols: ['snmp'],
        ports: [{ port: endpoint.port, transport: 'udp' }],
        label: `snmp://${profile.host}:${endpoint.port}${endpoint.implied ? ' (161 in openPorts; nothing declared about the agent)' : ` (${endpoint.versions.map((version) => `v${version}`).join(', ')})`}`,
        concerns: CONCERNS,
        endpoint,
      },
    ];
  },
  secrets: (profile) => snmpSecrets(profile.endpoints.snmp),
  watches: watched,
  async monitor(ctx) {
    const names = watched(ctx.profile);
    const endpoint = endpointOf(ctx.profile);
    if (names.length === 0 || !endpoint) return undefined;
    const { snmpEssentialProbes } = await import('./availability.js');
    return snmpEssentialProbes(ctx.profile, endpoint, { host: ctx.host, port: endpoint.port, timeoutMs: ctx.settings.requestTimeoutMs });
  },
  discovery: { run: async (scene) => (await import('./discover.js')).discoverSnmp(scene) },
});
