import { relative } from 'node:path';
import { compareRequirementIds } from '../../core/catalog/index.js';
import { HARNESS } from '../../core/version.js';
import type { ComplianceDocument } from '../../core/verdict/model.js';
import type { Verdict } from '../../core/verdict/model.js';
import type { CollectedRuns, FleetRun } from './collect.js';
import { inventoryOf, type InventoryEntry } from './inventory.js';

/** The asset owner's KPI targets (IEC 62443-2-1 style CSMS metrics) shown beside the figures. */
export const KPI_TARGETS = { compliantShare: 0.9, remediationHours: 48 } as const;

/** The definitions the figures follow; fleet.json, fleet.md and fleet.html state them. */
export const DEFINITIONS = {
  component: 'A component is identified by vendor, model, name and host as its compliance.json states them; its status is its latest run.',
  runTime: "A run's time is its startedAt; runs are grouped into days by the UTC date of that time.",
  compliant:
    'Compliant at its target SL: the latest run has no requirement with verdict fail or error, and every FR the run covers has an achieved SL-C of at least the target SL. A run limited with --only or --protocol is judged on what it covered (marked as partial scope).',
  remediation:
    'A finding is a requirement with verdict fail for a component. It is open from the first run that fails it until the next run where it is pass or compensated; that span is its time to remediate. Runs where it is error, not-tested, manual or absent leave it open. A later fail opens a new finding.',
  remediationKpi: 'The time-to-remediate KPI is met when the median time to remediate is under the target and no open finding is older than the target.',
  compliantKpi: 'The compliant-share KPI is met when the share of components compliant at their target SL is above the target.',
  openAge: 'The age of an open finding is the time from the run that first failed it to the report time (asOf).',
  highRisk: 'High-risk: a finding of a requirement already required at SL 1.',
  inventory: 'Vendor, model and firmware as the device itself reported them in a CR 7.8 check of its latest run (Modbus device identification, OPC UA BuildInfo), else as its profile states them.',
} as const;

const HOUR_MS = 3_600_000;
const MEETS: ReadonlySet<string> = new Set<Verdict>(['pass', 'compensated']);

export interface ComponentIdentity {
  vendor?: string;
  model?: string;
  name: string;
  host: string;
}

export interface FleetComponent {
  id: string;
  identity: ComponentIdentity;
  type: string;
  targetSL: number;
  inventory: InventoryEntry;
  runs: number;
  firstRunAt: string;
  latestRun: { startedAt: string; finishedAt: string; source: string; partialScope: boolean; interrupted?: string; unreachable?: string };
  compliant: boolean;
  /** Why the component is not compliant, e.g. "CR 4.3 fail", "FR 4 achieved SL-C 0 of target 2". */
  reasons: string[];
  byVerdict: Partial<Record<Verdict, number>>;
  achievedSL: Record<string, number>;
  requirements: Array<{ id: string; title: string; verdict: Verdict }>;
  openFindings: number;
}

export interface Remediation {
  component: string;
  requirement: string;
  title: string;
  failedAt: string;
  remediatedAt: string;
  hours: number;
  withinTarget: boolean;
}

export interface OpenFinding {
  component: string;
  requirement: string;
  title: string;
  failingSince: string;
  lastFailedAt: string;
  ageHours: number;
  overTarget: boolean;
  highRisk: boolean;
}

export interface TrendPoint {
  date: string;
  components: number;
  compliant: number;
  compliantShare: number;
  openFindings: number;
}

export interface FleetReport {
  kind: 'iec62443-fleet';
  harness: { name: string; version: string };
  asOf: string;
  definitions: typeof DEFINITIONS;
  targets: { compliantShare: number; remediationHours: number };
  sources: { runs: number; firstRunAt?: string; latestRunAt?: string; duplicates: number; skipped: Array<{ file: string; reason: string }> };
  kpis: {
    components: number;
    compliant: number;
    /** null when there is no component. */
    compliantShare: number | null;
    compliantShareMeetsTarget: boolean;
    remediation: { remediated: number; medianHours: number | null; meanHours: number | null; maxHours: number | null; withinTarget: number; meetsTarget: boolean };
    open: { findings: number; highRisk: number; overTarget: number; oldestHours: number | null };
  };
  components: FleetComponent[];
  failingMost: Array<{ requirement: string; title: string; fr: number; componentsFailingNow: number; componentsEverFailed: number; failedRuns: number }>;
  remediations: Remediation[];
  openFindings: OpenFinding[];
  inventory: Array<{ component: string; type: string; host: string } & InventoryEntry & { lastSeen: string }>;
  trend: TrendPoint[];
}

export const componentKey = (c: ComplianceDocument['component']): string => JSON.stringify([c.vendor ?? '', c.model ?? '', c.name, c.host]);
export const componentLabel = (c: ComplianceDocument['component']): string => `${[c.vendor, c.model, c.name].filter(Boolean).join(' ')} @ ${c.host}`;

const timeOf = (run: FleetRun) => Date.parse(run.document.startedAt);
const dayOf = (time: number) => new Date(time).toISOString().slice(0, 10);
const round = (value: number) => Math.round(value * 100) / 100;

export function complianceOf(document: ComplianceDocument): { compliant: boolean; reasons: string[] } {
  const reasons: string[] = [];
  for (const requirement of document.requirements) {
    if (requirement.verdict === 'fail' || requirement.verdict === 'error') reasons.push(`${requirement.id} ${requirement.verdict}`);
  }
  for (const [fr, entry] of Object.entries(document.summary.byFR)) {
    if (entry.achievedSL < document.targetSL) reasons.push(`${fr} achieved SL-C ${entry.achievedSL} of target ${document.targetSL}`);
  }
  if (Object.keys(document.summary.byFR).length === 0) reasons.push('the run judged no requirement');
  return { compliant: reasons.length === 0, reasons };
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

interface Episode {
  component: string;
  requirement: string;
  title: string;
  sl: number[];
  openedAt: number;
  lastFailedAt: number;
}

export interface FleetOptions {
  /** The report time open findings are aged to; default now. */
  asOf?: Date;
  /** Sources are written relative to this folder (the fleet output folder), so its pages can link to them. */
  relativeTo?: string;
}

/** The fleet view over every run found: latest status per component, KPIs, findings over time and the trend. */
export function buildFleet(collected: CollectedRuns, options: FleetOptions = {}): FleetReport {
  const asOf = options.asOf ?? new Date();
  const source = (file: string) => (options.relativeTo ? relative(options.relativeTo, file) || '.' : file);
  const runs = [...collected.runs].sort((a, b) => timeOf(a) - timeOf(b) || Date.parse(a.document.finishedAt) - Date.parse(b.document.finishedAt) || a.file.localeCompare(b.file));

  const latest = new Map<string, FleetRun>();
  const history = new Map<string, FleetRun[]>();
  const open = new Map<string, Episode>();
  const remediations: Remediation[] = [];
  const failedRuns = new Map<string, number>();
  const everFailed = new Map<string, Set<string>>();
  const titles = new Map<string, { title: string; fr: number }>();
  const trend: TrendPoint[] = [];
  const compliance = new Map<FleetRun, ReturnType<typeof complianceOf>>();
  const judged = (run: FleetRun) => {
    let result = compliance.get(run);
    if (!result) compliance.set(run, (result = complianceOf(run.document)));
    return result;
  };

  for (let index = 0; index < runs.length; index++) {
    const run = runs[index]!;
    const document = run.document;
    const key = componentKey(document.component);
    const label = componentLabel(document.component);
    const at = timeOf(run);
    latest.set(key, run);
    if (history.has(key)) history.get(key)!.push(run);
    else history.set(key, [run]);
    for (const requirement of document.requirements) {
      titles.set(requirement.id, { title: requirement.title, fr: requirement.fr });
      const findingKey = `${key}\n${requirement.id}`;
      const episode = open.get(findingKey);
      if (requirement.verdict === 'fail') {
        failedRuns.set(requirement.id, (failedRuns.get(requirement.id) ?? 0) + 1);
        everFailed.set(requirement.id, (everFailed.get(requirement.id) ?? new Set()).add(key));
        if (episode) episode.lastFailedAt = at;
        else open.set(findingKey, { component: label, requirement: requirement.id, title: requirement.title, sl: requirement.sl, openedAt: at, lastFailedAt: at });
      } else if (episode && MEETS.has(requirement.verdict)) {
        const hours = round((at - episode.openedAt) / HOUR_MS);
        remediations.push({
          component: label,
          requirement: requirement.id,
          title: requirement.title,
          failedAt: new Date(episode.openedAt).toISOString(),
          remediatedAt: new Date(at).toISOString(),
          hours,
          withinTarget: hours < KPI_TARGETS.remediationHours,
        });
        open.delete(findingKey);
      }
    }
    const next = runs[index + 1];
    if (!next || dayOf(timeOf(next)) !== dayOf(at)) {
      const current = [...latest.values()];
      const compliant = current.filter((entry) => judged(entry).compliant).length;
      trend.push({ date: dayOf(at), components: current.length, compliant, compliantShare: round(compliant / current.length), openFindings: open.size });
    }
  }

  const openFindings: OpenFinding[] = [...open.values()]
    .map((episode) => {
      const ageHours = round(Math.max(0, asOf.getTime() - episode.openedAt) / HOUR_MS);
      return {
        component: episode.component,
        requirement: episode.requirement,
        title: episode.title,
        failingSince: new Date(episode.openedAt).toISOString(),
        lastFailedAt: new Date(episode.lastFailedAt).toISOString(),
        ageHours,
        overTarget: ageHours >= KPI_TARGETS.remediationHours,
        highRisk: Math.min(...episode.sl) <= 1,
      };
    })
    .sort((a, b) => b.ageHours - a.ageHours || a.component.localeCompare(b.component) || compareRequirementIds(a.requirement, b.requirement));

  const components: FleetComponent[] = [...latest.entries()]
    .map(([key, run]) => {
      const document = run.document;
      const c = document.component;
      const label = componentLabel(c);
      const { compliant, reasons } = judged(run);
      const runsOfComponent = history.get(key)!;
      return {
        id: label,
        identity: { ...(c.vendor ? { vendor: c.vendor } : {}), ...(c.model ? { model: c.model } : {}), name: c.name, host: c.host },
        type: c.type,
        targetSL: document.targetSL,
        inventory: inventoryOf(document),
        runs: runsOfComponent.length,
        firstRunAt: runsOfComponent[0]!.document.startedAt,
        latestRun: {
          startedAt: document.startedAt,
          finishedAt: document.finishedAt,
          source: source(run.file),
          partialScope: Boolean(document.scope?.only || document.scope?.protocol),
          ...(document.scope?.interrupted ? { interrupted: document.scope.interrupted } : {}),
          ...(document.scope?.unreachable ? { unreachable: document.scope.unreachable } : {}),
        },
        compliant,
        reasons,
        byVerdict: document.summary.byVerdict ?? {},
        achievedSL: Object.fromEntries(Object.entries(document.summary.byFR).map(([fr, entry]) => [fr, entry.achievedSL])),
        requirements: document.requirements.map((requirement) => ({ id: requirement.id, title: requirement.title, verdict: requirement.verdict })),
        openFindings: openFindings.filter((finding) => finding.component === label).length,
      };
    })
    .sort((a, b) => Number(a.compliant) - Number(b.compliant) || a.id.localeCompare(b.id));

  const failingNow = new Map<string, number>();
  for (const run of latest.values()) {
    for (const requirement of run.document.requirements) if (requirement.verdict === 'fail') failingNow.set(requirement.id, (failingNow.get(requirement.id) ?? 0) + 1);
  }
  const failingMost = [...failedRuns.entries()]
    .map(([requirement, count]) => ({
      requirement,
      title: titles.get(requirement)?.title ?? '',
      fr: titles.get(requirement)?.fr ?? 0,
      componentsFailingNow: failingNow.get(requirement) ?? 0,
      componentsEverFailed: everFailed.get(requirement)?.size ?? 0,
      failedRuns: count,
    }))
    .sort((a, b) => b.componentsFailingNow - a.componentsFailingNow || b.failedRuns - a.failedRuns || compareRequirementIds(a.requirement, b.requirement));

  const hours = remediations.map((entry) => entry.hours);
  const medianHours = median(hours);
  const compliantCount = components.filter((component) => component.compliant).length;
  const compliantShare = components.length ? round(compliantCount / components.length) : null;

  return {
    kind: 'iec62443-fleet',
    harness: { name: HARNESS.name, version: HARNESS.version },
    asOf: asOf.toISOString(),
    definitions: DEFINITIONS,
    targets: { ...KPI_TARGETS },
    sources: {
      runs: runs.length,
      ...(runs.length ? { firstRunAt: runs[0]!.document.startedAt, latestRunAt: runs.at(-1)!.document.startedAt } : {}),
      duplicates: collected.duplicates,
      skipped: collected.skipped.map((entry) => ({ file: source(entry.file), reason: entry.reason })),
    },
    kpis: {
      components: components.length,
      compliant: compliantCount,
      compliantShare,
      compliantShareMeetsTarget: compliantShare !== null && compliantShare > KPI_TARGETS.compliantShare,
      remediation: {
        remediated: remediations.length,
        medianHours,
        meanHours: hours.length ? round(hours.reduce((sum, value) => sum + value, 0) / hours.length) : null,
        maxHours: hours.length ? Math.max(...hours) : null,
        withinTarget: remediations.filter((entry) => entry.withinTarget).length,
        // Open findings already past the target count against it too: a fleet that never fixes anything must not look good.
        meetsTarget: (medianHours === null || medianHours < KPI_TARGETS.remediationHours) && openFindings.every((finding) => !finding.overTarget),
      },
      open: {
        findings: openFindings.length,
        highRisk: openFindings.filter((finding) => finding.highRisk).length,
        overTarget: openFindings.filter((finding) => finding.overTarget).length,
        oldestHours: openFindings.length ? openFindings[0]!.ageHours : null,
      },
    },
    components,
    failingMost,
    remediations: remediations.sort((a, b) => b.hours - a.hours || a.component.localeCompare(b.component) || compareRequirementIds(a.requirement, b.requirement)),
    openFindings,
    inventory: components.map((component) => ({
      component: component.id,
      type: component.type,
      host: component.identity.host,
      ...component.inventory,
      lastSeen: component.latestRun.startedAt,
    })),
    trend,
  };
}
