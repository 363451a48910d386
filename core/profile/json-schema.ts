/**
 * The device profile as JSON Schema, for editors (yaml-language-server) and other tools.
 * Run: node --import tsx core/profile/json-schema.ts  → writes schemas/device-profile.schema.json
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { profileSchema } from './schema.js';

export const JSON_SCHEMA_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'schemas', 'device-profile.schema.json');

export function profileJsonSchema(): string {
  const schema = z.toJSONSchema(profileSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  const document = {
    $schema: schema.$schema,
    title: 'IEC 62443-4-2 harness device profile',
    description: 'Describes the component under test: identity, target SL, host, endpoints, accounts, essential functions, declarations. ${NAME} in any string reads an environment variable.',
    ...Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$schema')),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(JSON_SCHEMA_FILE, profileJsonSchema());
  console.log(`wrote ${JSON_SCHEMA_FILE}`);
}
