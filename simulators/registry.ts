import { readdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SimulatorDefinition } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));

/** simulators/<kind>/index.ts in the sources, index.js once compiled. */
const indexFile = (kind: string) => ['index.ts', 'index.js'].map((name) => join(here, kind, name)).find((path) => existsSync(path));

/** Every simulator under simulators/<kind>/index.ts, sorted by kind. */
export async function loadSimulators(): Promise<SimulatorDefinition[]> {
  const kinds = readdirSync(here, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && indexFile(entry.name) !== undefined)
    .map((entry) => entry.name)
    .sort();
  const definitions: SimulatorDefinition[] = [];
  for (const kind of kinds) {
    const module = (await import(pathToFileURL(indexFile(kind)!).href)) as { default?: SimulatorDefinition };
    if (module.default?.kind === kind) definitions.push(module.default);
  }
  return definitions;
}

export async function findSimulator(kind: string): Promise<SimulatorDefinition | undefined> {
  return (await loadSimulators()).find((definition) => definition.kind === kind);
}
