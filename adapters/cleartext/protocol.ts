import { z } from 'zod';
import { defineProtocol, type ComponentInterface } from '../../core/protocol.js';
import type { Profile } from '../../core/profile/schema.js';
import { cleartextServiceSchema, CONVENTIONAL_PORTS, interfaceNameOf, transportOf, type CleartextEndpoint } from './endpoint.js';

declare module '../../core/profile/endpoints.js' {
  interface EndpointSections {
    cleartext?: CleartextEndpoint[];
  }
}

/** A service that carries logins or files in clear answers for confidentiality, and FTP for who may log in. */
const concernsOf = (service: CleartextEndpoint['service']) => (service === 'ftp' ? ['CR 1.1', 'CR 4.1'] : ['CR 4.1']);

/** Ports any endpoint of any protocol claims; a conventional port among them is that protocol's, not a cleartext one. */
function claimedPorts(profile: Profile): Set<number> {
  const claimed = new Set<number>();
  for (const [key, section] of Object.entries(profile.endpoints as Record<string, unknown>)) {
    if (key === 'cleartext') continue;
    for (const entry of Array.isArray(section) ? section : [section]) {
      const port = (entry as { port?: unknown } | undefined)?.port;
      if (typeof port === 'number') claimed.add(port);
    }
  }
  return claimed;
}

/** The declared cleartext services, plus those that openPorts implies on conventional ports. */
export function cleartextEndpoints(profile: Profile): Array<CleartextEndpoint & { implied?: boolean }> {
  const declared = profile.endpoints.cleartext ?? [];
  const claimed = claimedPorts(profile);
  const implied = CONVENTIONAL_PORTS.filter(({ port }) => profile.openPorts.includes(port) && !claimed.has(port) && !declared.some((entry) => entry.port === port)).map((entry) => ({ ...entry, implied: true }));
  return [...declared, ...implied];
}

export default defineProtocol({
  name: 'cleartext',
  title: 'Cleartext management service (Telnet, FTP, TFTP)',
  checkProtocols: {
    cleartext: 'the profile declares no cleartext management service (endpoints.cleartext, or 21, 23 or 69 in openPorts)',
    ftp: 'the profile declares no FTP service (endpoints.cleartext with service ftp, or 21 in openPorts)',
  },
  libraries: [],
  endpoint: { key: 'cleartext', schema: z.array(cleartextServiceSchema).describe('management services that speak in clear (Telnet, FTP, TFTP), one entry each') },
  services: ['telnet', 'ftp', 'tftp'],
  concerns: ['CR 1.1', 'CR 4.1'],
  interfaces(profile): ComponentInterface[] {
    return cleartextEndpoints(profile).map((entry) => ({
      name: interfaceNameOf(entry),
      kind: entry.service,
      protocols: entry.service === 'ftp' ? ['cleartext', 'ftp'] : ['cleartext'],
      ports: [{ port: entry.port, transport: transportOf(entry.service) }],
      label: `${entry.service}://${profile.host}:${entry.port}${entry.implied ? ' (from openPorts)' : ''}`,
      concerns: concernsOf(entry.service),
      endpoint: entry,
    }));
  },
});
