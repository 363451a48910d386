import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Check, CheckMeta } from '../../core/check.js';
import { writeAtomically } from '../../core/files.js';
import { definitionOfCheckProtocol } from '../../core/protocol.js';
import { FROM_SOURCES, PACKAGE_ROOT } from '../../core/paths.js';
import { loadProtocols, pluginRoots, ROOT_DIR, typeScriptLoader } from '../protocols.js';

export const SUITES_DIR = join(ROOT_DIR, 'suites');

/**
 * A check's metadata without its code: what selection, planning and the catalog need. Importing a check imports its
 * adapter and protocol library (node-opcua takes seconds), so the harness reads these entries instead and imports a
 * check only when it runs. The compiled package carries them in suites/checks.json (written by the build); from the
 * sources they are computed once and cached until a file under suites/, adapters/ or core/ changes.
 */
export interface CheckEntry extends Omit<CheckMeta, 'requires'> {
  /** Path relative to its root, e.g. "suites/fr7/tcp-least-functionality-open-ports.check.ts". */
  file: string;
}

export interface DiscoveredCheck {
  check: Check;
  /** Path relative to its root, e.g. "suites/fr7/tcp-least-functionality-open-ports.check.ts". */
  file: string;
}

/** The manifest of a root's checks, beside them: suites/checks.json. */
export const MANIFEST_NAME = 'checks.json';
const MANIFEST_VERSION = 1;

interface Manifest {
  version: number;
  /** Fingerprint of the files the entries were read from; absent in a built package, whose files do not change. */
  sources?: string;
  checks: CheckEntry[];
}

/** One root's entries, with the absolute path of each file for importing it. */
interface RootEntry extends CheckEntry {
  path: string;
}

let manifestCache: Promise<RootEntry[]> | undefined;
const loadedChecks = new Map<string, Promise<Check>>();

/**
 * Every check's metadata, in file order, under suites/ and the suites/ of each IEC62443_PLUGINS folder, without
 * importing any check that a manifest describes.
 */
export async function checkManifest(): Promise<CheckEntry[]> {
  return (await rootEntries()).map(({ path: _path, ...entry }) => entry);
}

/** Imports the checks these entries describe (each file once per process). */
export async function loadChecks(entries: readonly CheckEntry[]): Promise<DiscoveredCheck[]> {
  const all = await rootEntries();
  return Promise.all(
    entries.map(async (entry) => {
      const found = all.find((candidate) => candidate.id === entry.id);
      if (!found) throw new Error(`no check with id ${entry.id}`);
      return { check: await importCheck(found), file: found.file };
    }),
  );
}

/**
 * Every check under suites/ (and under the suites/ of each IEC62443_PLUGINS folder), in file order, imported. For
 * tests and tools that need every check's code; the CLI reads checkManifest() and imports only what runs.
 */
export function discoverChecks(dirs?: string[]): Promise<DiscoveredCheck[]> {
  if (dirs) return importAll(dirs);
  return checkManifest().then(loadChecks);
}

function rootEntries(): Promise<RootEntry[]> {
  manifestCache ??= (async () => {
    await loadProtocols();
    const entries: RootEntry[] = [];
    for (const root of pluginRoots()) entries.push(...(await entriesOfRoot(root)));
    validate(entries);
    return entries;
  })();
  return manifestCache;
}

function validate(entries: readonly CheckEntry[]): void {
  const seen = new Map<string, string>();
  for (const { id, file, protocol } of entries) {
    if (!definitionOfCheckProtocol(protocol)) throw new Error(`${file}: protocol "${protocol}" is not provided by any adapters/<name>/protocol.ts`);
    const other = seen.get(id);
    if (other) throw new Error(`check id ${id} is used twice: ${other} and ${file}`);
    seen.set(id, file);
  }
}

async function entriesOfRoot(root: string): Promise<RootEntry[]> {
  const suites = join(root, 'suites');
  if (!existsSync(suites)) return [];
  const withPaths = (manifest: Manifest) => manifest.checks.map((entry) => ({ ...entry, path: join(root, entry.file) }));
  const shipped = readManifest(join(suites, MANIFEST_NAME));
  // A built package's manifest describes its files; a repository's sources change, so theirs is a cache checked against them.
  if (shipped && shipped.sources === undefined && !FROM_SOURCES) return withPaths(shipped);
  // An installed harness computes a plugin's entries each time rather than write into its own package folder.
  if (!FROM_SOURCES) return withPaths({ version: MANIFEST_VERSION, checks: await computeEntries(root) });
  const fingerprint = sourcesFingerprint(root);
  const cacheFile = join(PACKAGE_ROOT, 'node_modules', '.cache', 'iec62443-harness', `checks-${createHash('sha256').update(root).digest('hex').slice(0, 16)}.json`);
  const cached = readManifest(cacheFile);
  if (cached?.sources === fingerprint) return withPaths(cached);
  const checks = await computeEntries(root);
  try {
    // Harness processes started together never read half a file.
    writeAtomically(cacheFile, JSON.stringify({ version: MANIFEST_VERSION, sources: fingerprint, checks } satisfies Manifest));
  } catch {
    // A read-only checkout computes the entries each time; slower, still correct.
  }
  return withPaths({ version: MANIFEST_VERSION, checks });
}

function readManifest(file: string): Manifest | undefined {
  try {
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    return manifest.version === MANIFEST_VERSION && Array.isArray(manifest.checks) ? manifest : undefined;
  } catch {
    return undefined;
  }
}

const isCheckFile = (file: string) => /\.check\.[jt]s$/.test(file) && !file.endsWith('.d.ts');

/** Size and modification time of every file a check's metadata can come from. */
function sourcesFingerprint(root: string): string {
  const hash = createHash('sha256');
  for (const folder of ['suites', 'adapters', 'core']) {
    const dir = join(root, folder);
    if (!existsSync(dir)) continue;
    for (const file of (readdirSync(dir, { recursive: true }) as string[]).sort()) {
      const stats = statSync(join(dir, file));
      if (stats.isFile()) hash.update(`${folder}/${file} ${stats.size} ${stats.mtimeMs}\n`);
    }
  }
  return hash.digest('hex');
}

/** The metadata of one root's checks, by importing every one of them. */
export async function computeEntries(root: string): Promise<CheckEntry[]> {
  return (await importAll([join(root, 'suites')])).map(({ check, file }) => entryOf(check, file));
}

function entryOf(check: Check, file: string): CheckEntry {
  const { run: _run, requires: _requires, ...meta } = check;
  return JSON.parse(JSON.stringify({ ...meta, file: file.split(sep).join('/') })) as CheckEntry;
}

async function importCheck(entry: RootEntry): Promise<Check> {
  let loading = loadedChecks.get(entry.path);
  if (!loading) {
    loading = importCheckFile(entry.path, entry.file);
    loadedChecks.set(entry.path, loading);
  }
  const check = await loading;
  if (check.id !== entry.id) throw new Error(`${entry.file}: holds check ${check.id}, but its manifest entry says ${entry.id}; rebuild (npm run build)`);
  return check;
}

async function importCheckFile(path: string, shown: string): Promise<Check> {
  if (path.endsWith('.ts')) await typeScriptLoader(path);
  const module = (await import(pathToFileURL(path).href)) as { default?: Check };
  const check = module.default;
  if (!check || typeof check.run !== 'function' || typeof check.id !== 'string') throw new Error(`${shown}: default export is not a check made with defineCheck`);
  return check;
}

async function importAll(dirs: string[]): Promise<DiscoveredCheck[]> {
  await loadProtocols();
  const found: DiscoveredCheck[] = [];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    const files = (readdirSync(dir, { recursive: true }) as string[]).filter(isCheckFile).sort();
    for (const file of files) {
      const path = join(dir, file);
      const shown = relative(join(dir, '..'), path);
      let loading = loadedChecks.get(path);
      if (!loading) {
        loading = importCheckFile(path, shown);
        loadedChecks.set(path, loading);
      }
      found.push({ check: await loading, file: shown });
    }
  }
  validate(found.map(({ check, file }) => ({ ...check, file })));
  return found;
}
