import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PROTOCOLS, type Check } from '../../core/check.js';

export const SUITES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'suites');

export interface DiscoveredCheck {
  check: Check;
  /** Path relative to the project root, e.g. "suites/fr7/tcp-least-functionality-open-ports.check.ts". */
  file: string;
}

let cache: Promise<DiscoveredCheck[]> | undefined;

/** Every check under suites/, in file order. Files are imported once per process. */
export function discoverChecks(dir = SUITES_DIR): Promise<DiscoveredCheck[]> {
  if (dir !== SUITES_DIR) return importChecks(dir);
  cache ??= importChecks(dir);
  return cache;
}

async function importChecks(dir: string): Promise<DiscoveredCheck[]> {
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((file) => file.endsWith('.check.ts')).sort();
  const found: DiscoveredCheck[] = [];
  for (const file of files) {
    const path = join(dir, file);
    const module = (await import(pathToFileURL(path).href)) as { default?: Check };
    const check = module.default;
    const shown = relative(join(dir, '..'), path);
    if (!check || typeof check.run !== 'function' || typeof check.id !== 'string') throw new Error(`${shown}: default export is not a check made with defineCheck`);
    if (!PROTOCOLS.includes(check.protocol)) throw new Error(`${shown}: unknown protocol "${check.protocol}"`);
    found.push({ check, file: shown });
  }
  const seen = new Map<string, string>();
  for (const { check, file } of found) {
    const other = seen.get(check.id);
    if (other) throw new Error(`check id ${check.id} is used twice: ${other} and ${file}`);
    seen.set(check.id, file);
  }
  return found;
}
