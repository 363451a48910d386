/**
 * The second half of `npm run build`, run from dist/ once tsc has compiled the sources there: copies the data files
 * the code reads beside itself (the catalog, the credential lists) and writes the check manifest, so the compiled
 * harness selects and lists checks without importing them.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CODE_ROOT, FROM_SOURCES, PACKAGE_ROOT } from '../core/paths.js';
import { computeEntries, MANIFEST_NAME } from './run/discover.js';

/** Folders whose data files go beside the compiled code; reports/ holds only code (and report output, never shipped). */
const FOLDERS = ['core', 'harness', 'adapters', 'suites', 'simulators'];
/** JSON data and hand-written declarations of untyped packages; simulators/docker/ is read from the package root. */
const isAsset = (file: string) => (file.endsWith('.json') || file.endsWith('.d.ts')) && !file.startsWith(join('simulators', 'docker'));

if (FROM_SOURCES) throw new Error('run the build from dist/ (npm run build), not from the sources');

let copied = 0;
for (const folder of FOLDERS) {
  const dir = join(PACKAGE_ROOT, folder);
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const file = join(folder, name);
    if (!isAsset(file)) continue;
    mkdirSync(dirname(join(CODE_ROOT, file)), { recursive: true });
    copyFileSync(join(PACKAGE_ROOT, file), join(CODE_ROOT, file));
    copied++;
  }
}

const checks = await computeEntries(CODE_ROOT);
writeFileSync(join(CODE_ROOT, 'suites', MANIFEST_NAME), `${JSON.stringify({ version: 1, checks }, null, 2)}\n`);
process.stdout.write(`dist/: ${copied} data files copied, ${checks.length} checks in suites/${MANIFEST_NAME}\n`);
