import { z } from 'zod';
import { interfaceNameSchema, portSchema } from '../../core/profile/schema.js';

/**
 * `endpoints.cleartext` of the device profile: management services the vendor documents that speak in clear. Each is
 * an interface of its own, so a countermeasure can be declared for it by name (declarations[...].interface).
 */
export const CLEARTEXT_SERVICES = ['telnet', 'ftp', 'tftp'] as const;
export type CleartextService = (typeof CLEARTEXT_SERVICES)[number];

/** Conventional ports: listed in openPorts without an endpoint of any protocol, they make a cleartext interface too. */
export const CONVENTIONAL_PORTS: ReadonlyArray<{ port: number; service: CleartextService }> = [
  { port: 21, service: 'ftp' },
  { port: 23, service: 'telnet' },
  { port: 69, service: 'tftp' },
];

export const cleartextServiceSchema = z.strictObject({
  name: interfaceNameSchema.optional().describe('interface name; default "<service>:<port>" ("tftp:69/udp" for TFTP), as the port scan names a found service'),
  service: z.enum(CLEARTEXT_SERVICES).describe('telnet or ftp (TCP), tftp (UDP)'),
  port: portSchema,
});
export type CleartextEndpoint = z.output<typeof cleartextServiceSchema>;

export const transportOf = (service: CleartextService) => (service === 'tftp' ? ('udp' as const) : ('tcp' as const));
export const interfaceNameOf = (entry: Pick<CleartextEndpoint, 'name' | 'service' | 'port'>) => entry.name ?? `${entry.service}:${entry.port}${entry.service === 'tftp' ? '/udp' : ''}`;
