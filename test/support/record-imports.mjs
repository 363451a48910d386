// `node --import ./record-imports.mjs` appends every module URL the process resolves to the file named in
// IEC62443_RECORD_IMPORTS, one a line: the lazy-loading test reads which packages a command loaded.
import { register } from 'node:module';

const file = process.env.IEC62443_RECORD_IMPORTS;
if (file) register('./record-imports-hooks.mjs', import.meta.url, { data: { file } });
