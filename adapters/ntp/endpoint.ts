import { z } from 'zod';

/**
 * The device profile's `endpoints.ntp`: the time source the device is configured to use, which the harness serves
 * for the run (SNTP, RFC 4330). An endpoint section for the same reason as `endpoints.syslog`: the device is the client.
 */
export const ntpEndpointSchema = z
  .strictObject({
    name: z.string().min(1).regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only').default('time-source').describe('name of this interface, unique in the component; default "time-source"'),
    listen: z
      .string()
      .regex(/^(\[[0-9a-fA-F:]+\]|[^\s:[\]]+):(\d{1,5})$/, 'must be HOST:PORT, e.g. "192.0.2.5:123"')
      .refine((value) => !/^(0\.0\.0\.0|\[::\]|\*):/.test(value), 'must name one address of the harness, not a wildcard: the time source listens only where the profile says')
      .refine((value) => {
        const port = Number(value.slice(value.lastIndexOf(':') + 1));
        return port >= 1 && port <= 65_535;
      }, 'the port must be 1 to 65535')
      .describe('address of the harness where the device asks for the time (UDP)'),
    queryWithinS: z.number().int().min(1).max(600).default(120).describe('seconds within which the device queries its time source, from its documented poll interval; default 120'),
    clockToleranceS: z.number().min(0.1).max(3_600).default(5).describe('seconds the device clock may differ from the served time; default 5 (plus the 1 s resolution of an HTTP Date header)'),
  })
  .describe('the NTP server the device takes its time from (the device is the client)');

export type NtpEndpoint = z.output<typeof ntpEndpointSchema>;

export function ntpListenAddress(endpoint: Pick<NtpEndpoint, 'listen'>): { host: string; port: number } {
  const at = endpoint.listen.lastIndexOf(':');
  return { host: endpoint.listen.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(endpoint.listen.slice(at + 1)) };
}
