import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { protocolsRegistered, registerProtocols, type ProtocolDefinition } from '../core/protocol.js';
import { CODE_ROOT, FROM_SOURCES } from '../core/paths.js';

/**
 * Protocols are found by folder: every adapters/<name>/protocol.ts default-exports a definition named <name>.
 * Folders named in IEC62443_PLUGINS (separated by the path delimiter) are searched the same way, each laid out like
 * this repository (adapters/<name>/protocol.ts, suites/**\/*.check.ts), so a lab can add a protocol of its own.
 */

/** The built-in folders: the repository root from the sources, dist/ in the compiled package. */
export const ROOT_DIR = CODE_ROOT;

/** The project root and the plugin folders, in that order. */
export function pluginRoots(env: NodeJS.ProcessEnv = process.env): string[] {
  const extra = (env.IEC62443_PLUGINS ?? '').split(delimiter).filter(Boolean);
  return [ROOT_DIR, ...extra];
}

const definitionFile = (folder: string) => ['protocol.ts', 'protocol.js'].map((name) => join(folder, name)).find((path) => existsSync(path));

export async function discoverProtocols(roots: string[] = pluginRoots()): Promise<ProtocolDefinition[]> {
  const found: Array<{ definition: ProtocolDefinition; file: string }> = [];
  for (const root of roots) {
    const adapters = join(root, 'adapters');
    if (!existsSync(adapters)) continue;
    const folders = readdirSync(adapters, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    for (const name of folders) {
      const file = definitionFile(join(adapters, name));
      if (!file) continue;
      const shown = relative(root, file);
      if (file.endsWith('.ts')) await typeScriptLoader(file);
      const module = (await import(pathToFileURL(file).href)) as { default?: ProtocolDefinition };
      const definition = module.default;
      if (!definition || typeof definition.interfaces !== 'function') throw new Error(`${shown}: default export is not a protocol made with defineProtocol`);
      if (definition.name !== name) throw new Error(`${shown}: the definition is named "${definition.name}"; it must carry its folder's name "${name}"`);
      const twin = found.find((entry) => entry.definition.name === name);
      if (twin) throw new Error(`protocol "${name}" is defined twice: ${twin.file} and ${file}`);
      found.push({ definition, file });
    }
  }
  return found.map((entry) => entry.definition);
}

let loading: Promise<readonly ProtocolDefinition[]> | undefined;

/** Discovers and registers the protocols once per process; profiles can be read afterwards. */
export function loadProtocols(roots?: string[]): Promise<readonly ProtocolDefinition[]> {
  if (roots) {
    loading = discoverProtocols(roots).then((definitions) => {
      registerProtocols(definitions);
      return definitions;
    });
    return loading;
  }
  loading ??= discoverProtocols().then((definitions) => {
    if (!protocolsRegistered()) registerProtocols(definitions);
    return definitions;
  });
  return loading;
}

let tsxRegistered: Promise<void> | undefined;

/** A plugin folder the harness cannot load as it is set up (the CLI exits 2 with the message). */
export class PluginError extends Error {}

/**
 * The compiled harness runs JavaScript; a plugin folder may still hold TypeScript (adapters/<name>/protocol.ts,
 * suites/**\/*.check.ts). Then tsx, when the lab has it installed, is registered once, on first need, so that commands
 * without such plugins never load it. From the sources tsx is already registered.
 */
export function typeScriptLoader(file: string): Promise<void> {
  if (FROM_SOURCES) return Promise.resolve();
  tsxRegistered ??= import('tsx/esm/api').then(
    ({ register }) => void register(),
    () => {
      tsxRegistered = undefined;
      throw new PluginError(`${file} is TypeScript: install tsx beside the harness (npm install tsx) or compile the plugin to .js`);
    },
  );
  return tsxRegistered;
}
