import { z } from 'zod';
import { interfaceNameSchema, portSchema } from '../../core/profile/schema.js';

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
});
export type ModbusEndpoint = z.output<typeof modbusEndpointSchema>;

/** essentialFunctions[].modbus: a read an operator station depends on. */
export const modbusEssentialFunctionSchema = z.strictObject({
  read: z.enum(['holding', 'input', 'coil', 'discrete']),
  address: z.number().int().min(0).max(65535),
  count: z.number().int().min(1).max(125).optional(),
});
export type ModbusEssentialFunction = z.output<typeof modbusEssentialFunctionSchema>;
