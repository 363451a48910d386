import { z } from 'zod';
import { interfaceNameSchema, portSchema } from '../../core/profile/schema.js';

/** One element of endpoints.tls: a service the component offers over TLS (a web UI, an API). */
export const tlsServiceSchema = z.strictObject({
  name: interfaceNameSchema,
  port: portSchema,
  cleartextPort: portSchema.optional().describe('port of a plain-text twin of the service, if one is known'),
  caCertificate: z
    .string()
    .min(1)
    .optional()
    .describe("PEM file of the CA (or CAs) the service's certificate should chain to; without it the chain is not verified, only described"),
});
export type TlsService = z.output<typeof tlsServiceSchema>;
