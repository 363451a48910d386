import { readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { protocolDefinitions } from '../../core/protocol.js';

const HOOK = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), 'record-imports.mjs')).href;

/** Environment for a harness process that writes every module it resolves to `file` (record-imports.mjs). */
export function recordImportsEnv(file: string): NodeJS.ProcessEnv {
  return { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${HOOK}`.trim(), IEC62443_RECORD_IMPORTS: file };
}

/** npm packages the protocol definitions reserve for their adapters (node's own modules are not counted). */
export function protocolLibraries(): string[] {
  return [...new Set(protocolDefinitions().flatMap((definition) => definition.libraries ?? []))].filter((name) => !isBuiltin(name));
}

/** The packages, among `libraries`, that the recorded process resolved a module of. */
export function loadedLibraries(file: string, libraries: readonly string[]): string[] {
  let recorded = '';
  try {
    recorded = readFileSync(file, 'utf8');
  } catch {
    // Nothing resolved at all.
  }
  return libraries.filter((name) => recorded.includes(`/node_modules/${name}/`));
}
