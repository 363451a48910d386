import { z } from 'zod';
import { interfaceNameSchema, portSchema } from '../../core/profile/schema.js';

/** One element of endpoints.tls: a service the component offers over TLS (a web UI, an API). */
export const tlsServiceSchema = z.strictObject({
  name: interfaceNameSchema,
  port: portSchema,
  cleartextPort: portSchema.optional().describe('port of a plain-text twin of the service, if one is known'),
});
export type TlsService = z.output<typeof tlsServiceSchema>;
