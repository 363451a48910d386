import { z } from 'zod';
import { interfaceNameSchema } from '../../core/profile/schema.js';

/** endpoints.opcua: the component's OPC UA server. */
export const opcuaEndpointSchema = z.strictObject({
  name: interfaceNameSchema.optional().describe('interface name in the report, declarations and accounts (default "opcua")'),
  url: z.string().regex(/^opc\.tcp:\/\/[^/\s]+/, 'must be an opc.tcp:// URL'),
  clientCertificate: z.string().optional().describe('PEM or DER file of the application certificate the device trusts'),
  clientPrivateKey: z.string().optional().describe('PEM file of the private key belonging to clientCertificate'),
  pkiDir: z.string().optional().describe("folder for the harness's own persistent client certificate"),
  applicationUri: z.string().optional().describe('application URI of the harness client certificate'),
  discoveryOnlyNone: z.boolean().optional().describe('the None endpoint is declared for discovery only (CR 3.1)'),
  anonymousAccess: z
    .enum(['none', 'read-only'])
    .optional()
    .describe('none (default): anonymous sessions must be refused; read-only: they may read but must not write (CR 1.1)'),
});
export type OpcuaEndpoint = z.output<typeof opcuaEndpointSchema>;

/** essentialFunctions[].opcua: a variable whose Read an operator station depends on. */
export const opcuaEssentialFunctionSchema = z.strictObject({ nodeId: z.string().min(1) });
export type OpcuaEssentialFunction = z.output<typeof opcuaEssentialFunctionSchema>;

/** Port of an opc.tcp:// URL (4840 when absent). */
export function opcuaPort(url: string): number {
  const match = /^opc\.tcp:\/\/(?:\[[^\]]+\]|[^:/]+)(?::(\d+))?/.exec(url);
  return match?.[1] ? Number(match[1]) : 4840;
}
