import { readdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SimulatorDefinition } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));

/** simulators/<kind>/index.ts in the sources, index.js once compiled. */
const indexFile = (kind: string) => ['index.ts', 'index.js'].map((name) => join(here, kind, name)).find((path) => existsSync(path));

/** The kinds, by folder name, without importing any simulator (each imports its protocol library). */
export function simulatorKinds(): string[] {
  return readdirSync(here, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && indexFile(entry.name) !== undefined)
    .map((entry) => entry.name)
    .sort();
}

async function importSimulator(kind: string): Promise<SimulatorDefinition | undefined> {
  const file = indexFile(kind);
  if (!file) return undefined;
  const module = (await import(pathToFileURL(file).href)) as { default?: SimulatorDefinition };
  return module.default?.kind === kind ? module.default : undefined;
}

/** Every simulator under simulators/<kind>/index.ts, sorted by kind. */
export async function loadSimulators(): Promise<SimulatorDefinition[]> {
  const definitions: SimulatorDefinition[] = [];
  for (const kind of simulatorKinds()) {
    const definition = await importSimulator(kind);
    if (definition) definitions.push(definition);
  }
  return definitions;
}

/** One simulator, importing only its own folder. */
export async function findSimulator(kind: string): Promise<SimulatorDefinition | undefined> {
  return simulatorKinds().includes(kind) ? importSimulator(kind) : undefined;
}
