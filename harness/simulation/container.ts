import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { parse } from 'yaml';
import { randomLoopbackHost } from '../../core/net/loopback.js';
import { PACKAGE_ROOT } from '../../core/paths.js';
import type { ProfileInput } from '../../core/profile/schema.js';
import { findSimulator, loadSimulators } from '../../simulators/registry.js';
import { SIMULATED_IDENTITY_ENV, type SimulatedIdentity } from '../../simulators/types.js';

/**
 * Simulated components in containers, started through testcontainers. The image holds every simulator under
 * simulators/ and runs the same `simulate` command as the process mode; containers use host networking and bind the
 * loopback address they are given, so a check cannot tell a container from a process.
 */

// The image is built from a clone's sources and installed node_modules (not from an installed package's dist/).
const ROOT = PACKAGE_ROOT;
const SIMULATOR_DOCKERFILE = 'simulators/docker/Dockerfile';
const DEPENDENCIES_DOCKERFILE = 'simulators/docker/dependencies.Dockerfile';
const BASE_IMAGE_SCRIPT = join(ROOT, 'simulators', 'docker', 'build-base-image.sh');
export const SIMULATOR_IMAGE_REPOSITORY = 'iec62443-harness-simulators';
const DEPENDENCIES_REPOSITORY = 'iec62443-harness-dependencies';
const LOCAL_BASE_REPOSITORY = 'iec62443-harness-node-base';
/** Every container of ours carries these labels, so leftovers can be found with `docker ps -a --filter label=...`. */
export const CONTAINER_LABEL = 'iec62443-harness.simulator';
export const OWNER_PID_LABEL = 'iec62443-harness.pid';
const IMAGE_LABEL = 'iec62443-harness.image';
const READY_LINE = /^ready: .* ports ([\d,]*)/m;
const START_TIMEOUT_MS = 60_000;
const BUILD_TIMEOUT_MS = 15 * 60_000;
const STOP_GRACE_MS = 5_000;
const ABANDON_WAIT_MS = 10_000;
const OUTPUT_LIMIT = 64 * 1024;

// No Ryuk image can be pulled without a registry; containers are removed by stop(), the exit hook and the signal hooks.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';

export interface SimulatorContainerOptions {
  /** A simulator kind under simulators/, e.g. "modbus" or "opcua". */
  kind: string;
  /** The simulator profile, e.g. "hardened" or "weak"; default: the simulator's defaultProfile. */
  profile?: string;
  /** Loopback address the simulator binds; default: a random 127.x.y.z. */
  host?: string;
  /** Port of the main endpoint; default: a free port chosen in the container. */
  port?: number;
  /** Who the simulated device says it is (SimulatorStartOptions.identity). */
  identity?: SimulatedIdentity;
  /**
   * A folder below which the container gets its own work folder, mounted at the same absolute path, so paths to
   * the PKI and client certificates in the written profile stay valid on the host. Default: the system temp folder.
   */
  workDir?: string;
  /** Image to run; default: the image built from this checkout (see ensureSimulatorImage). */
  image?: string;
  signal?: AbortSignal;
  startupTimeoutMs?: number;
  onStatus?: (line: string) => void;
}

export interface SimulatorContainer {
  kind: string;
  profileName: string;
  host: string;
  /** Ports the simulator listens on, including any undeclared ones of a weak profile. */
  ports: number[];
  /** The simulator's self-description: a device profile (it may hold test passwords); parseProfile turns it into a Profile. */
  profile: ProfileInput;
  /** The endpoints of that profile, e.g. `endpoints.opcua.url` or `endpoints.modbus.port` on `host`. */
  endpoints: NonNullable<ProfileInput['endpoints']>;
  containerId: string;
  image: string;
  /** The folder mounted into the container; removed by stop(). */
  workDir: string;
  /** What the container printed so far (stdout and stderr). */
  output(): string;
  /** Stops and removes the container and its work folder; safe to call more than once. */
  stop(): Promise<void>;
}

export type EngineStatus = { available: true; version: string } | { available: false; reason: string };

interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  error?: Error;
}

function docker(args: string[], options: { timeoutMs?: number; input?: NodeJS.ReadableStream; signal?: AbortSignal } = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn('docker', args, { stdio: [options.input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let settled = false;
    const finish = (result: CommandResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({ code: null, stdout, stderr, error: new Error(`docker ${args[0]} did not finish within ${Math.round((options.timeoutMs ?? 30_000) / 1000)} s`) });
    }, options.timeoutMs ?? 30_000);
    const onAbort = () => {
      child.kill('SIGKILL');
      finish({ code: null, stdout, stderr, error: new Error(`docker ${args[0]} interrupted`) });
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (error) => finish({ code: null, stdout, stderr, error }));
    child.once('close', (code) => finish({ code, stdout, stderr }));
    if (options.input) {
      child.stdin!.on('error', () => undefined);
      options.input.pipe(child.stdin!);
    }
  });
}

function lastLines(text: string, count = 5): string {
  return text.trim().split('\n').slice(-count).join(' | ');
}

/** Whether a Docker engine answers here; the reason when not, in one line for a skipped test or an error. */
export async function containerEngineStatus(): Promise<EngineStatus> {
  const result = await docker(['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 20_000 });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return { available: false, reason: 'the docker CLI is not installed' };
  if (result.error) return { available: false, reason: `docker info failed: ${result.error.message}` };
  if (result.code !== 0) return { available: false, reason: `no Docker engine answers (${lastLines(result.stderr, 1) || `docker info exited with ${result.code}`})` };
  return { available: true, version: result.stdout.trim() };
}

async function imageId(reference: string): Promise<string | undefined> {
  const result = await docker(['image', 'inspect', '--format', '{{.Id}}', reference]);
  return result.code === 0 ? result.stdout.trim() : undefined;
}

/**
 * The base image the simulator image is built FROM: IEC62443_BASE_IMAGE when set; on Linux a minimal image made from
 * the installed Node by simulators/docker/build-base-image.sh (no registry needed, same Node as the host); elsewhere
 * the Dockerfile's default, the official Node slim image.
 */
async function resolveBaseImage(onStatus?: (line: string) => void, signal?: AbortSignal): Promise<string | undefined> {
  if (process.env.IEC62443_BASE_IMAGE) return process.env.IEC62443_BASE_IMAGE;
  if (process.platform !== 'linux') return undefined;
  const tag = `${LOCAL_BASE_REPOSITORY}:${process.versions.node}-${process.arch}`;
  if (await imageId(tag)) return tag;
  onStatus?.(`building the base image ${tag} from the installed Node (${process.execPath})`);
  const result = await new Promise<CommandResult>((resolve) => {
    const child = spawn('bash', [BASE_IMAGE_SCRIPT, tag], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE: process.execPath }, signal });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (error) => resolve({ code: null, stdout, stderr, error }));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
  if (result.code !== 0) throw new Error(`building the base image ${tag} failed: ${result.error?.message ?? lastLines(result.stderr)}`);
  return tag;
}

/** The folders the simulator Dockerfile copies; reports/ holds code and, below it, report output folders that are not code. */
const SOURCE_FOLDERS = ['bin', 'core', 'harness', 'adapters', 'reports', 'suites', 'simulators'];
const CODE_ONLY_FOLDERS = new Set(['reports']);
const CODE_FILE = /\.(ts|js|mjs|cjs)$/;
const DEPENDENCY_FILES = ['package.json', 'package-lock.json'];

/** Source files of this checkout that go into the simulator image, relative to the project root. */
export function imageSourceFiles(root = ROOT): string[] {
  const files = ['tsconfig.json', SIMULATOR_DOCKERFILE].filter((name) => existsSync(join(root, name)));
  for (const folder of SOURCE_FOLDERS) {
    if (!existsSync(join(root, folder))) continue;
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.isFile() && (!CODE_ONLY_FOLDERS.has(folder) || CODE_FILE.test(entry.name))) files.push(relative(root, path).split(sep).join('/'));
      }
    };
    walk(join(root, folder));
  }
  return [...new Set(files)].sort();
}

/** A tag that changes whenever anything that goes into the image changes, so an unchanged checkout reuses its image. */
function contentTag(repository: string, inputs: string[], files: string[]): string {
  const hash = createHash('sha256');
  for (const input of inputs) hash.update(`${input}\n`);
  for (const file of files) {
    hash.update(`${file}\n`);
    hash.update(readFileSync(join(ROOT, file)));
  }
  return `${repository}:${hash.digest('hex').slice(0, 16)}`;
}

let imageBuild: Promise<string> | undefined;

/**
 * The simulator image for this checkout, built on first use and reused while its content tag is unchanged
 * (IEC62443_SIMULATOR_IMAGE names a ready image instead). Two images: the dependencies (node_modules, rebuilt when the
 * installed tree or the base changes) and the sources on top (seconds to rebuild). Each build is sent only the files
 * it copies.
 */
export async function ensureSimulatorImage(options: { onStatus?: (line: string) => void; signal?: AbortSignal } = {}): Promise<string> {
  if (process.env.IEC62443_SIMULATOR_IMAGE) return process.env.IEC62443_SIMULATOR_IMAGE;
  // Another harness process on this machine may have pruned the image this one built earlier.
  if (imageBuild && !(await imageId(await imageBuild.catch(() => '')))) imageBuild = undefined;
  imageBuild ??= buildSimulatorImage(options).catch((error: unknown) => {
    imageBuild = undefined;
    throw error;
  });
  return imageBuild;
}

async function buildSimulatorImage({ onStatus, signal }: { onStatus?: (line: string) => void; signal?: AbortSignal }): Promise<string> {
  const engine = await containerEngineStatus();
  if (!engine.available) throw new Error(`simulators in containers need a running Docker engine: ${engine.reason}`);
  // npm writes node_modules/.package-lock.json: it describes the installed tree, which is what the image copies.
  const installed = 'node_modules/.package-lock.json';
  if (!existsSync(join(ROOT, installed))) throw new Error('the simulator image copies the installed node_modules: run npm ci first');

  const base = await resolveBaseImage(onStatus, signal);
  const baseId = base ? ((await imageId(base)) ?? 'pulled at build time') : 'Dockerfile default';
  const dependencies = contentTag(DEPENDENCIES_REPOSITORY, [`base ${base ?? 'default'} ${baseId}`], [DEPENDENCIES_DOCKERFILE, ...DEPENDENCY_FILES, installed]);
  if (!(await imageId(dependencies))) {
    onStatus?.(`building the dependency image ${dependencies}${base ? ` from ${base}` : ''} (once per change of node_modules)`);
    await buildImage(DEPENDENCIES_DOCKERFILE, dependencies, [DEPENDENCIES_DOCKERFILE, ...DEPENDENCY_FILES, 'node_modules'], base ? { BASE_IMAGE: base } : {}, signal);
    await removeOlderImages(DEPENDENCIES_REPOSITORY, dependencies, 2);
  }

  const files = imageSourceFiles();
  const simulators = contentTag(SIMULATOR_IMAGE_REPOSITORY, [`dependencies ${dependencies}`], files);
  if (!(await imageId(simulators))) {
    onStatus?.(`building the simulator image ${simulators} (once per change of the sources)`);
    await buildImage(SIMULATOR_DOCKERFILE, simulators, files, { DEPENDENCIES_IMAGE: dependencies }, signal);
    await removeOlderImages(SIMULATOR_IMAGE_REPOSITORY, simulators);
  }
  return simulators;
}

/** docker build with a context of exactly these files (folders recursively), streamed as a tar. */
async function buildImage(dockerfile: string, tag: string, files: string[], buildArgs: Record<string, string>, signal?: AbortSignal): Promise<void> {
  const listDir = mkdtempSync(join(tmpdir(), 'iec62443-image-context-'));
  const listFile = join(listDir, 'files');
  writeFileSync(listFile, files.join('\0'));
  try {
    const tar = spawn('tar', ['-c', '-f', '-', '-C', ROOT, '--null', '-T', listFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let tarError = '';
    tar.stderr.on('data', (chunk: Buffer) => (tarError += chunk.toString()));
    tar.once('error', (error) => (tarError += error.message));
    const args = ['build', '--quiet', '-f', dockerfile, '-t', tag, '--label', `${IMAGE_LABEL}=${tag.split(':')[0]}`];
    for (const [name, value] of Object.entries(buildArgs)) args.push('--build-arg', `${name}=${value}`);
    const result = await docker([...args, '-'], { input: tar.stdout, timeoutMs: BUILD_TIMEOUT_MS, signal });
    if (result.code !== 0) throw new Error(`building ${tag} failed: ${result.error?.message ?? ''} ${lastLines(`${tarError}\n${result.stderr}`)}`.trim());
  } finally {
    rmSync(listDir, { recursive: true, force: true });
  }
}

/**
 * Images of earlier states pile up with every edit; all but the newest few are removed (those a container still uses
 * stay). A few are kept because another harness process may still be about to start the one it built.
 */
async function removeOlderImages(repository: string, current: string, keep = 3): Promise<void> {
  const listed = await docker(['image', 'ls', '--filter', `label=${IMAGE_LABEL}=${repository}`, '--format', '{{.CreatedAt}}\t{{.Repository}}:{{.Tag}}']);
  const older = listed.stdout
    .split('\n')
    .map((line) => line.trim().split('\t'))
    .filter(([, reference]) => reference?.startsWith(`${repository}:`) && reference !== current && !reference.endsWith(':<none>'))
    .sort(([a], [b]) => b!.localeCompare(a!))
    .slice(keep - 1)
    .map(([, reference]) => reference!);
  if (older.length) await docker(['image', 'rm', ...older]);
}

// Containers and folders to remove when the process ends some other way than through stop().
const liveContainers = new Set<string>();
const liveFolders = new Set<string>();
let exitHookInstalled = false;
let signalHooksInstalled = false;
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function removeLeftoversNow(): void {
  if (liveContainers.size) spawnSync('docker', ['rm', '--force', '--volumes', ...liveContainers], { stdio: 'ignore', timeout: 20_000 });
  liveContainers.clear();
  for (const folder of liveFolders) rmSync(folder, { recursive: true, force: true });
  liveFolders.clear();
}

/**
 * Ctrl-C removes the containers at once, whoever else handles the signal. The process then ends as it would have
 * without us: another handler (the CLI's orderly stop, a library's exit hook) decides; with none left, the signal is
 * raised again for its default action.
 */
function onSignal(signal: NodeJS.Signals): void {
  removeLeftoversNow();
  for (const each of SIGNALS) process.off(each, onSignal);
  signalHooksInstalled = false;
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function installCleanupHooks(): void {
  if (!exitHookInstalled) process.on('exit', removeLeftoversNow);
  exitHookInstalled = true;
  // First in line: a library's exit hook (signal-exit) ends the process only when it sees itself alone.
  if (!signalHooksInstalled) for (const signal of SIGNALS) process.prependListener(signal, onSignal);
  signalHooksInstalled = true;
}

let bridgeChecked = false;

/**
 * Inside a container, testcontainers looks for the engine's host address in the "bridge" network, which an engine
 * started with --bridge=none does not have. Our containers publish no ports (host networking), so the host address
 * is never used: name one rather than fail.
 */
async function avoidBridgeLookup(): Promise<void> {
  if (bridgeChecked || process.env.TESTCONTAINERS_HOST_OVERRIDE !== undefined) return;
  bridgeChecked = true;
  if ((await docker(['network', 'inspect', 'bridge'])).code !== 0) process.env.TESTCONTAINERS_HOST_OVERRIDE = 'localhost';
}

/** Starts one simulator in a container with the chosen profile; resolves once it is ready, with its endpoint and profile. */
export async function startSimulatorContainer(options: SimulatorContainerOptions): Promise<SimulatorContainer> {
  const definition = await findSimulator(options.kind);
  if (!definition) throw new Error(`unknown simulator "${options.kind}"; built in: ${(await loadSimulators()).map((each) => each.kind).join(', ')}`);
  const profileName = options.profile ?? definition.defaultProfile;
  if (!definition.profiles.includes(profileName)) throw new Error(`the ${options.kind} simulator has no profile "${profileName}" (it has ${definition.profiles.join(', ')})`);
  const host = options.host ?? randomLoopbackHost();
  options.signal?.throwIfAborted();

  const image = options.image ?? (await ensureSimulatorImage({ onStatus: options.onStatus, signal: options.signal }));
  options.signal?.throwIfAborted();
  await avoidBridgeLookup();
  const { GenericContainer, Wait } = await import('testcontainers');

  installCleanupHooks();
  const workDir = mkdtempSync(join(options.workDir ?? tmpdir(), `iec62443-container-${options.kind}-`));
  liveFolders.add(workDir);
  const profileFile = join(workDir, `${options.kind}.yaml`);
  // Named before it exists, so an interrupted start or a sudden exit can remove it at any point after creation.
  const name = `iec62443-${options.kind}-${process.pid}-${randomBytes(4).toString('hex')}`;
  liveContainers.add(name);
  let abandoned = false;
  let output = '';

  class SimulatorContainerDefinition extends GenericContainer {
    protected override async containerCreated(): Promise<void> {
      if (abandoned) await forceRemove();
    }
  }
  const user = typeof process.getuid === 'function' ? `${process.getuid()}:${process.getgid!()}` : undefined;
  let definitionToStart = new SimulatorContainerDefinition(image)
    .withName(name)
    .withNetworkMode('host')
    .withCommand([options.kind, '--profile', profileName, '--host', host, ...(options.port !== undefined ? ['--port', String(options.port)] : []), '--write-profile', profileFile])
    .withBindMounts([{ source: workDir, target: workDir, mode: 'rw' }])
    // The simulate command makes its work folder under the temp folder: inside the mount, at a path valid on the host.
    .withEnvironment({ TMPDIR: workDir, ...(options.identity ? { [SIMULATED_IDENTITY_ENV]: JSON.stringify(options.identity) } : {}) })
    .withLabels({ [CONTAINER_LABEL]: options.kind, 'iec62443-harness.profile': profileName, [OWNER_PID_LABEL]: String(process.pid) })
    .withWaitStrategy(Wait.forLogMessage(READY_LINE))
    .withStartupTimeout(options.startupTimeoutMs ?? START_TIMEOUT_MS)
    // Only the start and the latest lines matter (the ready line, the last words of a crash); a chatty stack stays bounded.
    .withLogConsumer((stream) =>
      stream.on('data', (chunk: Buffer | string) => {
        output += chunk.toString();
        if (output.length > OUTPUT_LIMIT) output = `${output.slice(0, OUTPUT_LIMIT / 4)}\n…\n${output.slice(-OUTPUT_LIMIT / 2)}`;
      }),
    );
  // Files the simulator writes into the mount then belong to the caller, who removes them.
  if (user) definitionToStart = definitionToStart.withUser(user);

  const forceRemove = async () => {
    await docker(['rm', '--force', '--volumes', name]);
    liveContainers.delete(name);
    rmSync(workDir, { recursive: true, force: true });
    liveFolders.delete(workDir);
  };

  const starting = definitionToStart.start();
  let started: Awaited<typeof starting>;
  try {
    started = await new Promise<Awaited<typeof starting>>((resolve, reject) => {
      const onAbort = () => reject(new Error(`start of the ${options.kind} simulator container interrupted`));
      if (options.signal?.aborted) onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      starting.then(resolve, reject).finally(() => options.signal?.removeEventListener('abort', onAbort));
    });
  } catch (error) {
    // An interrupted start goes on in testcontainers: it ends once the container is gone (or, created later, is
    // removed on creation). Waiting for that, within bounds, means nothing is left when this rejects.
    abandoned = true;
    await forceRemove();
    const settled = starting.then((late) => late.stop({ timeout: 0 }), () => undefined).catch(() => undefined);
    await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, ABANDON_WAIT_MS).unref())]);
    await forceRemove();
    const said = lastLines(output);
    throw new Error(`the ${options.kind} simulator container (${profileName}) did not become ready: ${(error as Error).message}${said ? `; it printed: ${said}` : ''}`);
  }

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      try {
        await started.stop({ timeout: STOP_GRACE_MS, remove: true, removeVolumes: true });
        liveContainers.delete(name);
        rmSync(workDir, { recursive: true, force: true });
        liveFolders.delete(workDir);
      } catch {
        await forceRemove();
      }
    })());

  try {
    const ports = await readyPorts(() => output);
    const profile = parse(readFileSync(profileFile, 'utf8')) as ProfileInput;
    return {
      kind: options.kind,
      profileName,
      host,
      ports,
      profile,
      endpoints: profile.endpoints ?? {},
      containerId: started.getId(),
      image,
      workDir,
      output: () => output,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The wait strategy has seen the ready line; the log consumer's own copy of it follows within moments. */
async function readyPorts(output: () => string): Promise<number[]> {
  for (let waited = 0; waited < 5_000; waited += 50) {
    const match = READY_LINE.exec(output());
    if (match) return match[1].split(',').filter(Boolean).map(Number);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the simulator container reported ready, but its ready line never reached the log consumer');
}
