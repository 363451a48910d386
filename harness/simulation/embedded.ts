import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { randomLoopbackHost } from '../../core/net/loopback.js';
import type { Declaration, ProfileInput } from '../../core/profile/schema.js';
import { parseProfile } from '../../core/profile/load.js';
import { componentInterfaces } from '../../core/protocol.js';
import { HARNESS_BIN, harnessChildEnv } from '../../core/paths.js';
import { loadSimulators } from '../../simulators/registry.js';
import { SIMULATED_IDENTITY_ENV, type SimulatedIdentity, type SimulatorDefinition } from '../../simulators/types.js';

export const READY_PREFIX = 'ready:';

/**
 * The one identity every part of the embedded default reports, as the interfaces of one PLC do: the simulated tank
 * PLC's, which its Modbus device identification gives (VendorName, ProductCode, MajorMinorRevision V2.4.1). The
 * profile declares it, so the CR 7.8 checks find nothing to review.
 */
export const EMBEDDED_IDENTITY: SimulatedIdentity = { vendor: 'Example Automation', model: 'TPLC-100', firmware: '2.4.1' };
const START_TIMEOUT_MS = 60_000;

export interface SimulatedComponent {
  profile: ProfileInput;
  parts: Array<{ kind: string; profileName: string; ports: number[] }>;
  stop(): Promise<void>;
}

interface Part {
  kind: string;
  profileName: string;
  profile: ProfileInput;
  ports: number[];
  stop(): Promise<void>;
}

/** Starts one simulator as a child process (`simulate <kind>`) and reads its self-description once it is ready. */
export async function startSimulatorProcess(kind: string, profileName: string, host: string, workDir: string, signal?: AbortSignal, identity?: SimulatedIdentity): Promise<Part> {
  const profileFile = join(workDir, `${kind}.yaml`);
  const child = spawn(process.execPath, [HARNESS_BIN, 'simulate', kind, '--profile', profileName, '--host', host, '--write-profile', profileFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...harnessChildEnv(), ...(identity ? { [SIMULATED_IDENTITY_ENV]: JSON.stringify(identity) } : {}) },
  });
  const stderr: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const ports = await new Promise<number[]>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => fail(new Error(`the ${kind} simulator did not report ready within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    const onAbort = () => fail(new Error(`start of the ${kind} simulator interrupted`));
    signal?.addEventListener('abort', onAbort, { once: true });
    function fail(error: Error) {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      child.kill('SIGKILL');
      reject(error);
    }
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split('\n').find((candidate) => candidate.startsWith(READY_PREFIX));
      if (!line) return;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve((/ports ([\d,]+)/.exec(line)?.[1] ?? '').split(',').filter(Boolean).map(Number));
    });
    child.once('exit', (code) => fail(new Error(`the ${kind} simulator exited with code ${code} before it was ready: ${stderr.join('').trim().split('\n').slice(-3).join(' | ')}`)));
  });
  const profile = parse(readFileSync(profileFile, 'utf8')) as ProfileInput;
  return { kind, profileName, profile, ports, stop: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Parts of the embedded default merged into one component, as a PLC with OPC UA, Modbus and a web UI would be.
 * What a part says of itself stays about its own interfaces: its accounts and its declarations are limited to them,
 * so one simulator's countermeasure never covers another's interface.
 */
export function mergeProfiles(host: string, controlHost: string, parts: Array<Pick<Part, 'kind' | 'profileName' | 'profile'>>): ProfileInput {
  const endpoints: Record<string, unknown> = {};
  const accounts: NonNullable<ProfileInput['accounts']> = [];
  const declarations: Record<string, Declaration[]> = {};
  for (const { kind, profile } of parts) {
    for (const [key, section] of Object.entries(profile.endpoints ?? {})) {
      const merged = endpoints[key];
      if (merged === undefined) endpoints[key] = section;
      else if (Array.isArray(merged) && Array.isArray(section)) endpoints[key] = [...merged, ...section];
      else throw new Error(`two built-in simulators declare endpoints.${key}; a component has one such section`);
    }
    const names = componentInterfaces(parseProfile(profile, `${kind} simulator`)).map((entry) => entry.name);
    const own = (list: string[] | undefined) => list ?? names;
    for (const account of profile.accounts ?? []) accounts.push({ ...account, interfaces: own(account.interfaces) });
    for (const [id, value] of Object.entries(profile.declarations ?? {})) {
      const list = (Array.isArray(value) ? value : [value]) as Declaration[];
      declarations[id] = [
        ...(declarations[id] ?? []),
        ...list.flatMap((declaration) => (declaration.interface ? [declaration] : names.map((name) => ({ ...declaration, interface: name })))),
      ];
    }
  }
  return {
    component: {
      name: `Simulated PLC (embedded default: ${parts.map((part) => `${part.kind} ${part.profileName}`).join(', ')})`,
      ...EMBEDDED_IDENTITY,
      type: 'embedded-device',
    },
    targetSL: Math.max(1, ...parts.map((part) => part.profile.targetSL)),
    host,
    endpoints: endpoints as ProfileInput['endpoints'],
    openPorts: [...new Set(parts.flatMap((part) => part.profile.openPorts ?? []))].sort((a, b) => a - b),
    accounts,
    essentialFunctions: parts.flatMap((part) => part.profile.essentialFunctions ?? []),
    declarations,
    disruptive: false,
    scan: { controlHost },
    ...(parts.some((part) => part.profile.load) ? { load: Object.assign({}, ...parts.map((part) => part.profile.load ?? {})) } : {}),
  };
}

export interface EmbeddedOptions {
  mode: 'process' | 'inprocess' | 'container';
  /** Simulator profile per kind; default: each simulator's defaultProfile. */
  profiles?: Record<string, string>;
  signal?: AbortSignal;
  onStatus?: (line: string) => void;
}

/** The embedded default: every built-in simulator on one loopback host, described as one component. */
export async function startEmbeddedComponent(options: EmbeddedOptions): Promise<SimulatedComponent> {
  const definitions = (await loadSimulators()).filter((definition) => definition.embedded !== false);
  if (definitions.length === 0) throw new Error('there are no built-in simulators under simulators/');
  const host = randomLoopbackHost();
  let controlHost = randomLoopbackHost();
  while (controlHost === host) controlHost = randomLoopbackHost();
  const workDir = mkdtempSync(join(tmpdir(), 'iec62443-embedded-'));
  const parts: Part[] = [];
  const stopAll = async () => {
    await Promise.allSettled(parts.map((part) => part.stop()));
    rmSync(workDir, { recursive: true, force: true });
  };
  try {
    // One at a time: the simulators share one host and pick free ports as they start.
    for (const definition of definitions) {
      const profileName = options.profiles?.[definition.kind] ?? definition.defaultProfile;
      options.onStatus?.(`starting the ${definition.kind} simulator (${profileName}) on ${host}`);
      parts.push(
        options.mode === 'process'
          ? await startSimulatorProcess(definition.kind, profileName, host, workDir, options.signal, EMBEDDED_IDENTITY)
          : options.mode === 'container'
            ? await (await import('./container.js')).startSimulatorContainer({ kind: definition.kind, profile: profileName, host, workDir, identity: EMBEDDED_IDENTITY, signal: options.signal, onStatus: options.onStatus })
            : await startInProcess(definition, profileName, host, workDir),
      );
    }
    // Inside the try: a merged profile that does not parse must not leave the started simulators running.
    return {
      profile: mergeProfiles(host, controlHost, parts),
      parts: parts.map(({ kind, profileName, ports }) => ({ kind, profileName, ports })),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function startInProcess(definition: SimulatorDefinition, profileName: string, host: string, workDir: string): Promise<Part> {
  const own = mkdtempSync(join(workDir, `${definition.kind}-`));
  const running = await definition.start({ profile: profileName, host, workDir: own, identity: EMBEDDED_IDENTITY });
  return { kind: definition.kind, profileName, profile: running.profile, ports: running.ports, stop: () => running.stop() };
}
