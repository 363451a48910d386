import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Check } from '../../core/check.js';
import { definitionOfCheckProtocol } from '../../core/protocol.js';
import { loadProtocols, pluginRoots, ROOT_DIR } from '../protocols.js';

export const SUITES_DIR = join(ROOT_DIR, 'suites');

export interface DiscoveredCheck {
  check: Check;
  /** Path relative to its root, e.g. "suites/fr7/tcp-least-functionality-open-ports.check.ts". */
  file: string;
}

let cache: Promise<DiscoveredCheck[]> | undefined;

/**
 * Every check under suites/ (and under the suites/ of each IEC62443_PLUGINS folder), in file order. Files are
 * imported once per process. A check's protocol must be one a discovered protocol definition provides.
 */
export function discoverChecks(dirs?: string[]): Promise<DiscoveredCheck[]> {
  if (dirs) return importChecks(dirs);
  cache ??= importChecks(pluginRoots().map((root) => join(root, 'suites')));
  return cache;
}

const isCheckFile = (file: string) => /\.check\.[jt]s$/.test(file) && !file.endsWith('.d.ts');

async function importChecks(dirs: string[]): Promise<DiscoveredCheck[]> {
  await loadProtocols();
  const found: DiscoveredCheck[] = [];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    const files = (readdirSync(dir, { recursive: true }) as string[]).filter(isCheckFile).sort();
    for (const file of files) {
      const path = join(dir, file);
      const module = (await import(pathToFileURL(path).href)) as { default?: Check };
      const check = module.default;
      const shown = relative(join(dir, '..'), path);
      if (!check || typeof check.run !== 'function' || typeof check.id !== 'string') throw new Error(`${shown}: default export is not a check made with defineCheck`);
      if (!definitionOfCheckProtocol(check.protocol)) throw new Error(`${shown}: protocol "${check.protocol}" is not provided by any adapters/<name>/protocol.ts`);
      found.push({ check, file: shown });
    }
  }
  const seen = new Map<string, string>();
  for (const { check, file } of found) {
    const other = seen.get(check.id);
    if (other) throw new Error(`check id ${check.id} is used twice: ${other} and ${file}`);
    seen.set(check.id, file);
  }
  return found;
}
