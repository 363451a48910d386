import Mocha from 'mocha';
import AllureMochaReporter from 'allure-mocha';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { familyOf, requirementIdOf, type Check, type ProtocolFamily, type RunSettings } from '../../core/check.js';
import { catalog, compareRequirementIds, findRequirement, frLabel } from '../../core/catalog/index.js';
import { secretsOf } from '../../core/profile/load.js';
import type { Profile } from '../../core/profile/schema.js';
import { declaredPorts } from '../../core/profile/ports.js';
import { probePort } from '../../adapters/tcp/scan.js';
import { categories, labelTest, recordResult } from '../../reports/allure/mapping.js';
import { judgeAll } from '../../reports/compliance/verdicts.js';
import { buildComplianceDocument, type ComplianceDocument } from '../../reports/compliance/document.js';
import { discoverChecks, type DiscoveredCheck } from './discover.js';
import { executeCheck, type CheckResult } from './execute.js';
import { Redactor } from '../../core/evidence/redact.js';
import { HARNESS } from '../../core/version.js';

export interface CampaignOptions {
  profile: Profile;
  outDir: string;
  /** Requirement ids; a base id also selects its enhancements. */
  only?: string[];
  protocol?: ProtocolFamily;
  disruptive?: boolean;
  settings?: Partial<RunSettings>;
  signal: AbortSignal;
  /** Progress callbacks for the console. */
  onCheckStart?: (check: Check, index: number, total: number) => void;
  onCheckEnd?: (result: CheckResult, check: Check, index: number, total: number) => void;
  onLog?: (line: string) => void;
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
export function planChecks(discovered: DiscoveredCheck[], options: Pick<CampaignOptions, 'only' | 'protocol'>): DiscoveredCheck[] {
  return discovered
    .filter(({ check }) => selectsRequirement(options.only, requirementIdOf(check)))
    .filter(({ check }) => !options.protocol || familyOf(check.protocol) === options.protocol)
    .sort((a, b) => compareRequirementIds(requirementIdOf(a.check), requirementIdOf(b.check)) || a.file.localeCompare(b.file));
}

/**
 * A dead target should cost seconds, not one timeout per check: when none of the declared ports accepts a
 * connection, the network checks are recorded as errors with that reason instead of being run.
 */
export async function preflight(profile: Profile, signal: AbortSignal, timeoutMs: number): Promise<string | undefined> {
  const ports = declaredPorts(profile);
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

  const discovered = await discoverChecks();
  const planned = planChecks(discovered, options);
  const mappedChecks = new Map<string, number>();
  for (const { check } of discovered) mappedChecks.set(requirementIdOf(check), (mappedChecks.get(requirementIdOf(check)) ?? 0) + 1);

  const connectTimeoutMs = profile.timeouts?.connectMs ?? 3_000;
  const unreachable = await preflight(profile, options.signal, connectTimeoutMs);
  const results: CheckResult[] = [];

  const mocha = new Mocha({
    reporter: AllureMochaReporter as unknown as Mocha.ReporterConstructor,
    reporterOptions: {
      resultsDir: allureResultsDir,
      environmentInfo: environmentOf(profile),
      categories,
    },
    timeout: 0,
  });
  const root = mocha.suite;
  let index = 0;
  const total = planned.length;
  const byFr = new Map<number, Mocha.Suite>();
  const byRequirement = new Map<string, Mocha.Suite>();
  for (const { check, file } of planned) {
    const item = findRequirement(requirementIdOf(check));
    const fr = item?.fr ?? 0;
    let frSuite = byFr.get(fr);
    if (!frSuite) {
      frSuite = Mocha.Suite.create(root, frLabel(fr));
      byFr.set(fr, frSuite);
    }
    const requirementId = requirementIdOf(check);
    let requirementSuite = byRequirement.get(requirementId);
    if (!requirementSuite) {
      requirementSuite = Mocha.Suite.create(frSuite, `${requirementId} ${item?.title ?? ''}`.trim());
      byRequirement.set(requirementId, requirementSuite);
    }
    const test = new Mocha.Test(check.title, async function (this: Mocha.Context) {
      const position = ++index;
      await labelTest(check, profile);
      options.onCheckStart?.(check, position, total);
      const result =
        unreachable && check.protocol !== 'tcp'
          ? await unreachableResult(check, profile, options, unreachable)
          : await executeCheck(check, profile, { disruptive: options.disruptive, settings: options.settings, signal: options.signal, onLog: options.onLog });
      results.push(result);
      options.onCheckEnd?.(result, check, position, total);
      await recordResult(result, redactor);
      const observed = redactor.text(result.observed ?? result.message ?? '');
      if (result.status === 'pass') return;
      if (result.status === 'fail') {
        const error = new Error(`${requirementId} not met\nexpected: ${check.expectation}\nobserved: ${observed}`);
        error.name = 'AssertionError';
        throw error;
      }
      if (result.status === 'error') throw new Error(`no verdict: ${observed}`);
      this.skip();
    });
    test.file = file;
    requirementSuite.addTest(test);
  }

  await new Promise<void>((resolve) => mocha.run(() => resolve()));

  const interrupted = options.signal.aborted ? String((options.signal.reason as Error | undefined)?.message ?? options.signal.reason ?? 'interrupted') : undefined;
  const requirements = judgeAll(profile, results, mappedChecks, { only: options.only?.flatMap((id) => expandOnly(id)) });
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
    },
    requirements,
  });
  return { document: redactor.value(document), results, ...(unreachable ? { unreachable } : {}), ...(interrupted ? { interrupted } : {}), allureResultsDir };
}

/** "CR 7.1" in --only also stands for its enhancements in the report. */
function expandOnly(id: string): string[] {
  return catalog()
    .items.filter((item) => item.id === id || (item.kind === 'enhancement' && item.base === id))
    .map((item) => item.id);
}

async function unreachableResult(check: Check, profile: Profile, options: CampaignOptions, reason: string): Promise<CheckResult> {
  // Selection still decides first: a check that would not run anyway keeps its own reason.
  const selected = await executeCheck({ ...check, run: async () => Promise.reject(new Error(`target unreachable: ${reason}`)) }, profile, {
    disruptive: options.disruptive,
    settings: options.settings,
    signal: options.signal,
  });
  return selected;
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
