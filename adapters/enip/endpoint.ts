import { z } from 'zod';
import { interfaceNameSchema, portSchema } from '../../core/profile/schema.js';

/** The registered EtherNet/IP port for explicit messaging over TCP (and ListIdentity over UDP). */
export const ENIP_PORT = 44818;
/** The registered CIP Security port (EtherNet/IP over TLS on TCP, DTLS on UDP). */
export const CIP_SECURITY_PORT = 2221;

const classSchema = z.number().int().min(1).max(0xffff).describe('CIP class id (1 = Identity, 0x64-0xC7 vendor specific)');
const instanceSchema = z.number().int().min(0).max(0xffff).describe('CIP instance id (0 addresses the class itself)');
const attributeSchema = z.number().int().min(1).max(0xffff).describe('CIP attribute id');
const hexSchema = z
  .string()
  .regex(/^([0-9a-fA-F]{2})+$/, 'an even number of hex digits')
  .max(1000);

/** A CIP attribute named by its path: class, instance, attribute. */
export const cipPointSchema = z.strictObject({ class: classSchema, instance: instanceSchema, attribute: attributeSchema });
export type CipPoint = z.output<typeof cipPointSchema>;

/** endpoints.enip: the component's EtherNet/IP adapter (CIP explicit messaging) and its CIP Security port, if any. */
export const enipEndpointSchema = z.strictObject({
  name: interfaceNameSchema.optional().describe('interface name in the report, declarations and accounts (default "enip")'),
  port: portSchema.default(ENIP_PORT).describe(`TCP port of the unsecured EtherNet/IP encapsulation (default ${ENIP_PORT})`),
  listIdentityUdp: z
    .boolean()
    .optional()
    .describe('the device also answers ListIdentity over UDP on the same port number, as EtherNet/IP scanners discover devices'),
  cipSecurityPort: portSchema
    .optional()
    .describe(`TCP port where CIP Security serves EtherNet/IP inside TLS (usually ${CIP_SECURITY_PORT}); absent: the device offers no CIP Security`),
  unsecured: z
    .enum(['read-only', 'full'])
    .optional()
    .describe('what the vendor documents the unsecured port allows while CIP Security is on: "read-only" (no state-changing explicit message) or "full"'),
  identity: z
    .strictObject({
      vendorId: z.number().int().min(0).max(0xffff).optional().describe('Identity attribute 1, the vendor id the ODVA assigned'),
      deviceType: z.number().int().min(0).max(0xffff).optional().describe('Identity attribute 2 (12 = communications adapter, 14 = programmable logic controller, ...)'),
      productCode: z.number().int().min(0).max(0xffff).optional().describe('Identity attribute 3'),
      productName: z.string().min(1).optional().describe('Identity attribute 7'),
    })
    .optional()
    .describe('the Identity object values the vendor documents; CR 7.8 compares what the device reports with them and with component.model and firmware'),
  writeProbes: z
    .array(cipPointSchema.extend({ value: hexSchema.describe('the bytes (hex) the vendor declares harmless to write there at any time') }).strict())
    .min(1)
    .optional()
    .describe(
      'attributes the vendor declares safe to write at any time, with the value to write; without them no check writes unless the run is disruptive, and a disruptive run writes to an enip essential function the value it holds at that moment',
    ),
  maxSessions: z
    .number()
    .int()
    .min(1)
    .max(65535)
    .optional()
    .describe('concurrent encapsulation sessions the vendor documents as the limit (for the report; CR 7.1 judges the essential functions)'),
});
export type EnipEndpoint = z.output<typeof enipEndpointSchema>;
export type EnipWriteProbe = NonNullable<EnipEndpoint['writeProbes']>[number];

/** essentialFunctions[].enip: an attribute an operator station reads (Get_Attribute_Single over a registered session). */
export const enipEssentialFunctionSchema = cipPointSchema;
export type EnipEssentialFunction = z.output<typeof enipEssentialFunctionSchema>;
