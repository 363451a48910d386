import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the harness's files are, the same from the TypeScript sources (run through tsx) and from the compiled
 * package: code and the data files beside it live under CODE_ROOT (the repository root, or its dist/ folder once
 * built); package.json, schemas/ and bin/ live under PACKAGE_ROOT (the repository root, or the installed package).
 */

const here = dirname(fileURLToPath(import.meta.url));

/** The folder holding core/, adapters/, suites/, simulators/: the sources' root, or dist/ in the compiled package. */
export const CODE_ROOT = join(here, '..');

/** True when this process runs the TypeScript sources (through tsx), false when it runs the compiled dist/. */
export const FROM_SOURCES = import.meta.url.endsWith('.ts');

function packageRootFrom(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}

/** The folder with package.json, schemas/ and bin/. */
export const PACKAGE_ROOT = packageRootFrom(CODE_ROOT);

/** Module files are .ts in the sources and .js once compiled: discovery by folder accepts both, never a declaration. */
export const isModuleFile = (name: string): boolean => /\.(ts|js)$/.test(name) && !name.endsWith('.d.ts');

/** The command users run; the harness starts its own children (simulators, one run per profile) through it too. */
export const HARNESS_BIN = join(PACKAGE_ROOT, 'bin', 'iec62443-harness.js');

/** The environment for such a child: it runs the same code as this process, the sources or the compiled dist/. */
export function harnessChildEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return FROM_SOURCES ? { ...env, IEC62443_FROM_SOURCES: '1' } : env;
}
