import { z } from 'zod';
import { interfaceNameSchema, portSchema, textSchema } from '../../core/profile/schema.js';

/** endpoints.modbus: the component's Modbus/TCP server, plain or Modbus/TCP Security. */
export const modbusEndpointSchema = z.strictObject({
  name: interfaceNameSchema.optional().describe('interface name in the report, declarations and accounts (default "modbus")'),
  port: portSchema,
  unitId: z.number().int().min(0).max(255).optional(),
  tls: z.boolean().optional().describe('true: Modbus/TCP Security (TLS with client certificates)'),
  clientCertificate: z.string().optional().describe('PEM client certificate carrying a Modbus role'),
  clientPrivateKey: z.string().optional(),
  caCertificate: z.string().optional().describe('PEM of the CA that signs the device certificate and trusted client certificates'),
  caPrivateKey: z.string().optional().describe('PEM key of that CA, so the harness can issue role certificates for tests'),
  readOnlyRole: textSchema(z.string().min(1))
    .optional()
    .describe('Modbus/TCP Security: the role (client certificate role extension) the device grants reads only; default "viewer"'),
  writeProbes: z
    .array(z.strictObject({ table: z.enum(['holding', 'coil']), address: z.number().int().min(0).max(65535) }))
    .min(1)
    .optional()
    .describe(
      'registers and coils the vendor declares safe to write at any time; without them no check writes unless the run is disruptive, and a disruptive run writes only atomic no-op writes (FC 22)',
    ),
  maxConnections: z
    .number()
    .int()
    .min(1)
    .max(65535)
    .optional()
    .describe('concurrent Modbus connections the vendor documents as the limit; CR 7.2 expects no more to be held (without it: a limit below 512)'),
});
export type ModbusEndpoint = z.output<typeof modbusEndpointSchema>;
export type WriteProbe = NonNullable<ModbusEndpoint['writeProbes']>[number];

/** essentialFunctions[].modbus: a read an operator station depends on. */
export const modbusEssentialFunctionSchema = z.strictObject({
  read: z.enum(['holding', 'input', 'coil', 'discrete']),
  address: z.number().int().min(0).max(65535),
  count: z.number().int().min(1).max(125).optional(),
});
export type ModbusEssentialFunction = z.output<typeof modbusEssentialFunctionSchema>;
