import { writeFileSync } from 'node:fs';
import { JSON_SCHEMA_FILE, profileJsonSchema } from '../core/profile/json-schema.js';
import { loadProtocols } from './protocols.js';

/** `npm run schema`: writes schemas/device-profile.schema.json from the protocols found under adapters/. */
await loadProtocols();
writeFileSync(JSON_SCHEMA_FILE, profileJsonSchema());
console.log(`wrote ${JSON_SCHEMA_FILE}`);
