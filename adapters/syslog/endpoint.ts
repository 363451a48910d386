import { z } from 'zod';

/**
 * The device profile's `endpoints.syslog`: where the device sends its audit records, so the harness can listen there
 * for the run. It is an endpoint section (not a top-level `collectors.syslog`, as issue 16 first sketched) because
 * that is how a protocol plug-in adds to the profile without touching the kernel's schema; the device is the client
 * here, and the address is the harness's, which the vendor's configuration of the device names.
 */

const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[^\s:[\]]+):(\d{1,5})$/, 'must be HOST:PORT, e.g. "192.0.2.5:6514" or "[::1]:514"')
  .refine((value) => !/^(0\.0\.0\.0|\[::\]|\*):/.test(value), 'must name one address of the harness, not a wildcard: the collector listens only where the profile says')
  .refine((value) => {
    const port = Number(value.slice(value.lastIndexOf(':') + 1));
    return port >= 1 && port <= 65_535;
  }, 'the port must be 1 to 65535');

export const syslogEndpointSchema = z
  .strictObject({
    name: z.string().min(1).regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only').default('audit-log').describe('name of this interface, unique in the component; default "audit-log"'),
    listen: hostPort.describe('address of the harness where the device sends its syslog records (the collector listens there, and only there, for the run)'),
    transport: z.enum(['udp', 'tcp', 'tls']).describe('how the device sends: udp (RFC 5426), tcp (RFC 6587, octet-counting or newline framing) or tls (RFC 5425)'),
    tls: z
      .strictObject({
        certFile: z.string().min(1).describe('PEM certificate chain the collector presents (one the device trusts)'),
        keyFile: z.string().min(1).describe('PEM private key of that certificate'),
      })
      .optional()
      .describe('transport tls: the certificate the collector presents; default: a self-signed one made for the run, which a device that checks certificates refuses'),
    sources: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('interfaces (by name) whose security events this log records; default: every interface the harness can cause events through (OPC UA and web). Name them where another interface audits in its own way (OPC UA audit events)'),
    recordWithinS: z.number().int().min(1).max(300).default(10).describe('seconds within which the record of a security event must arrive; default 10 (CR 2.8)'),
    clockToleranceS: z.number().min(0.1).max(3_600).default(5).describe('seconds the time stamps of records may differ from the harness clock; default 5 (CR 2.11)'),
    outageS: z.number().int().min(1).max(600).default(15).describe('seconds the collector refuses connections in the disruptive CR 2.10 check; default 15'),
  })
  .describe('the syslog collector the device sends its audit records to (the device is the client)');

export type SyslogEndpoint = z.output<typeof syslogEndpointSchema>;
export type SyslogEndpointInput = z.input<typeof syslogEndpointSchema>;

export function listenAddress(endpoint: Pick<SyslogEndpoint, 'listen'>): { host: string; port: number } {
  const at = endpoint.listen.lastIndexOf(':');
  return { host: endpoint.listen.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(endpoint.listen.slice(at + 1)) };
}
