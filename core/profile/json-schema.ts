/**
 * The device profile as JSON Schema, for editors (yaml-language-server) and other tools; `npm run schema` writes
 * schemas/device-profile.schema.json from the registered protocols.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { profileSchemaFor } from './compose.js';
import { takesNumberAsText } from './schema.js';
import { PACKAGE_ROOT } from '../paths.js';

export const JSON_SCHEMA_FILE = join(PACKAGE_ROOT, 'schemas', 'device-profile.schema.json');

export function profileJsonSchema(): string {
  const schema = z.toJSONSchema(profileSchemaFor(), {
    io: 'input',
    unrepresentable: 'any',
    // Text fields take a YAML number as its text (firmware: 3.0), so an editor should not flag one.
    override: ({ zodSchema, jsonSchema }) => {
      if (takesNumberAsText(zodSchema as unknown as z.ZodType) && jsonSchema.type === 'string') jsonSchema.type = ['string', 'number'];
    },
  }) as Record<string, unknown>;
  const document = {
    $schema: schema.$schema,
    title: 'IEC 62443-4-2 harness device profile',
    description: 'Describes the component under test: identity, target SL, host, endpoints, accounts, essential functions, declarations. ${NAME} in any string reads an environment variable.',
    ...Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$schema')),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

