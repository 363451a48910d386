import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { requirementIdOf, type Check, type ProgressUpdate, type RunSettings } from '../../core/check.js';
import { catalog, compareRequirementIds, findRequirement } from '../../core/catalog/index.js';
import { secretsOf } from '../../core/profile/load.js';
import { DEFAULT_INTERFACES_AT_ONCE, type Profile } from '../../core/profile/schema.js';
import { declaredTcpPorts, definitionOfCheckProtocol, type ComponentInterface } from '../../core/protocol.js';
import { probePort } from '../../adapters/tcp/scan.js';
import { AllureResultsWriter } from '../../reports/allure/results.js';
import { judgeAll, judgedInterfaces } from '../../core/verdict/judge.js';
import { buildComplianceDocument } from '../../core/verdict/document.js';
import type { ComplianceDocument } from '../../core/verdict/model.js';
import { checkManifest, loadChecks, type CheckEntry, type DiscoveredCheck } from './discover.js';
import { executeCheck, interfacesFor, type CheckResult } from './execute.js';
import { Redactor } from '../../core/evidence/redact.js';
import { FailedLoginLedger } from '../../core/safety/failed-logins.js';
import { SharedResults } from '../../core/shared-results.js';
import { loadProtocols } from '../protocols.js';
import { scheduleRuns } from './schedule.js';
import { HARNESS } from '../../core/version.js';
import { identitiesOf } from '../../core/advisories/identity.js';
import { vulnerabilityDeclarations } from '../../core/advisories/declarations.js';
import type { LoadedAdvisories } from '../advisories/load.js';

export interface CampaignOptions {
  profile: Profile;
  outDir: string;
  /** Requirement ids; a base id also selects its enhancements. */
  only?: string[];
  /** A protocol definition's name (adapters/<name>/): only its checks run. */
  protocol?: string;
  disruptive?: boolean;
  settings?: Partial<RunSettings>;
  signal: AbortSignal;
  /** Progress callbacks for the console, as checks start and end: several may run at once, so index counts starts or ends. */
  onCheckStart?: (check: Check, index: number, total: number, target?: ComponentInterface) => void;
  onCheckEnd?: (result: CheckResult, check: Check, index: number, total: number) => void;
  onLog?: (line: string) => void;
  /** Live progress of a long check; several checks may run at once, so each update names its check and interface. */
  onProgress?: (update: ProgressUpdate, check: Check, target?: ComponentInterface) => void;
  /** Overrides the profile's interfacesAtOnce (harness/run/schedule.ts). */
  interfacesAtOnce?: number;
  /** CSAF advisories to match the component against (harness/advisories/load.ts); the report then lists known vulnerabilities. */
  advisories?: LoadedAdvisories;
}

export interface CampaignResult {
  document: ComplianceDocument;
  results: CheckResult[];
  unreachable?: string;
  /** Why the run stopped early ("interrupted by the user", "run deadline reached"), if it did. */
  interrupted?: string;
  allureResultsDir: string;
}

export function selectsRequirement(only: string[] | undefined, requirementId: string): boolean {
  if (!only) return true;
  const item = findRequirement(requirementId);
  return only.some((wanted) => wanted === requirementId || (item !== undefined && item.kind === 'enhancement' && wanted === item.base));
}

/** Checks the run will consider, in catalog order (FR, requirement, file). */
export function planChecks<T extends { check: Pick<CheckEntry, 'requirement' | 'enhancement' | 'protocol'>; file: string }>(discovered: T[], options: Pick<CampaignOptions, 'only' | 'protocol'>): T[] {
  return discovered
    .filter(({ check }) => selectsRequirement(options.only, requirementIdOf(check)))
    .filter(({ check }) => !options.protocol || definitionOfCheckProtocol(check.protocol)?.name === options.protocol)
    .sort((a, b) => compareRequirementIds(requirementIdOf(a.check), requirementIdOf(b.check)) || a.file.localeCompare(b.file));
}

/** One planned execution: a check on one interface, or on none when the profile declares no interface for it. */
export interface PlannedRun extends DiscoveredCheck {
  interface?: ComponentInterface;
}

/** Every check once per interface that serves its protocol; a check no interface serves runs once to record why. */
export function planRuns(planned: DiscoveredCheck[], profile: Profile): PlannedRun[] {
  return planned.flatMap((entry) => {
    const targets = interfacesFor(entry.check, profile);
    return targets.length === 0 ? [entry] : targets.map((target) => ({ ...entry, interface: target }));
  });
}

/**
 * A dead target should cost seconds, not one timeout per check: when none of the declared ports accepts a
 * connection, the network checks are recorded as errors with that reason instead of being run.
 */
export async function preflight(profile: Profile, signal: AbortSignal, timeoutMs: number): Promise<string | undefined> {
  // UDP services show nothing to a TCP probe; a component with UDP interfaces only is not judged here.
  const ports = declaredTcpPorts(profile);
  if (ports.length === 0) return undefined;
  const states = await Promise.all(ports.map((port) => probePort(profile.host, port, timeoutMs, signal)));
  if (states.some((state) => state === 'open')) return undefined;
  return `no declared port of ${profile.host} accepts TCP connections (${ports.map((port, index) => `${port} ${states[index]}`).join(', ')})`;
}

export async function runCampaign(options: CampaignOptions): Promise<CampaignResult> {
  const { profile } = options;
  const startedAt = new Date();
  const redactor = new Redactor(secretsOf(profile));
  const allureResultsDir = join(options.outDir, 'allure-results');
  rmSync(allureResultsDir, { recursive: true, force: true });
  mkdirSync(allureResultsDir, { recursive: true });

  await loadProtocols();
  // Only the selected checks are imported, and with them only the adapters (and protocol libraries) they use.
  const manifest = await checkManifest();
  const selected = planChecks(manifest.map((entry) => ({ check: entry, file: entry.file })), options);
  // A check whose protocol no interface of the profile serves is recorded as not applicable from its metadata
  // alone, so its module (and protocol library: node-opcua starts generating a key pair when imported) stays unloaded.
  const served = selected.filter(({ check }) => interfacesFor(check, profile).length > 0).map(({ check }) => check);
  const loaded = new Map((await loadChecks(served)).map((entry) => [entry.check.id, entry]));
  const planned = planRuns(
    selected.map(({ check, file }) => loaded.get(check.id) ?? { check: unloadedCheck(check), file }),
    profile,
  );
  const checkProtocols = new Map<string, string[]>();
  for (const check of manifest) {
    const id = requirementIdOf(check);
    checkProtocols.set(id, [...new Set([...(checkProtocols.get(id) ?? []), check.protocol])]);
  }
  const several = new Set(planned.filter((run, index) => planned.findIndex((other) => other.check === run.check) !== index).map((run) => run.check.id));

  const logins = new FailedLoginLedger();
  const shared = new SharedResults();
  const connectTimeoutMs = profile.timeouts?.connectMs ?? 3_000;
  const unreachable = await preflight(profile, options.signal, connectTimeoutMs);

  // Checks execute as the schedule allows; their results are recorded in catalog order once all have ended.
  const total = planned.length;
  let started = 0;
  let ended = 0;
  const executions = scheduleRuns(
    planned.map(({ check, interface: target }) => {
      const definition = definitionOfCheckProtocol(check.protocol);
      return { lane: target?.name, runsAlone: check.runsAlone ?? definition?.runsAlone, mostlyWaits: definition?.mostlyWaits !== undefined, disruptive: check.disruptive };
    }),
    async (position) => {
      const { check, interface: target } = planned[position]!;
      options.onCheckStart?.(check, ++started, total, target);
      const executeOptions = { disruptive: options.disruptive, settings: options.settings, signal: options.signal, logins, shared, ...(target ? { interface: target.name } : {}) };
      const result =
        unreachable && check.protocol !== 'tcp'
          ? await unreachableResult(check, profile, executeOptions, unreachable)
          : await executeCheck(check, profile, { ...executeOptions, onLog: options.onLog, onProgress: (update) => options.onProgress?.(update, check, target) });
      // A storm, flood or fuzz run may have changed what the device serves: later checks scan again.
      if (check.disruptive && (result.status === 'pass' || result.status === 'fail' || result.status === 'error')) shared.clear();
      if (result.disclosed) redactor.disclose(result.disclosed);
      options.onCheckEnd?.(result, check, ++ended, total);
      return result;
    },
    options.interfacesAtOnce ?? profile.interfacesAtOnce ?? DEFAULT_INTERFACES_AT_ONCE,
  );

  const results = await Promise.all(executions);
  const writer = new AllureResultsWriter(allureResultsDir, profile, redactor);
  writer.writeRunInfo(environmentOf(profile));
  planned.forEach(({ check, file, interface: target }, position) => {
    const result = results[position]!;
    // A check that runs on several interfaces gets one test each, named after the interface.
    const name = target && several.has(check.id) ? `${check.title} [${target.name}]` : check.title;
    result.allureId = writer.write({ check, result, target, file, name });
  });

  const interrupted = options.signal.aborted ? String((options.signal.reason as Error | undefined)?.message ?? options.signal.reason ?? 'interrupted') : undefined;
  const requirements = judgeAll(profile, results, checkProtocols, { only: options.only?.flatMap((id) => expandOnly(id)) });
  const interfaces = judgedInterfaces(profile, results).map(({ name, kind, label, found, profilePath }) => ({ name, kind, label, ...(found ? { found } : {}), ...(profilePath ? { profilePath } : {}) }));
  const document = buildComplianceDocument({
    harness: { name: HARNESS.name, version: HARNESS.version },
    catalog: { edition: catalog().edition },
    component: { ...profile.component, host: profile.host },
    targetSL: profile.targetSL,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    scope: {
      ...(options.only ? { only: options.only } : {}),
      ...(options.protocol ? { protocol: options.protocol } : {}),
      disruptive: options.disruptive ?? profile.disruptive,
      ...(interrupted ? { interrupted } : {}),
      ...(unreachable ? { unreachable } : {}),
      ...(profile.unsetAccounts ? { unsetAccounts: profile.unsetAccounts } : {}),
    },
    interfaces,
    failedLogins: logins.report(),
    requirements,
    ...(options.advisories
      ? { vulnerabilities: (await assessment()).assessVulnerabilities({ ...options.advisories, identities: identitiesOf(results, profile.component), declarations: vulnerabilityDeclarations(profile) }) }
      : {}),
  });
  return { document: redactor.value(document), results, ...(unreachable ? { unreachable } : {}), ...(interrupted ? { interrupted } : {}), allureResultsDir };
}

/** The advisory matching and its CVSS calculator, imported only by a run that was given advisories. */
const assessment = () => import('../../core/advisories/assess.js');

/** A check no interface serves, from its manifest entry: executeCheck records it as not applicable without running it. */
function unloadedCheck({ file, ...meta }: CheckEntry): Check {
  return { ...meta, run: () => Promise.reject(new Error(`${meta.id} (${file}) was not loaded: no interface of the profile serves ${meta.protocol}`)) };
}

/** "CR 7.1" in --only also stands for its enhancements in the report. */
function expandOnly(id: string): string[] {
  return catalog()
    .items.filter((item) => item.id === id || (item.kind === 'enhancement' && item.base === id))
    .map((item) => item.id);
}

async function unreachableResult(check: Check, profile: Profile, options: Parameters<typeof executeCheck>[2], reason: string): Promise<CheckResult> {
  // Selection still decides first: a check that would not run anyway keeps its own reason.
  return executeCheck({ ...check, run: async () => Promise.reject(new Error(`target unreachable: ${reason}`)) }, profile, options);
}

function environmentOf(profile: Profile): Record<string, string> {
  const c = profile.component;
  return {
    Component: [c.vendor, c.model, c.name].filter(Boolean).join(' '),
    'Component type': c.type,
    Firmware: c.firmware ?? 'not stated',
    Host: profile.host,
    'Target SL': String(profile.targetSL),
    Harness: `${HARNESS.name} ${HARNESS.version}`,
    Catalog: catalog().edition,
    Node: process.version,
  };
}
