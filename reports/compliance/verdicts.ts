import type { CheckStatus } from '../../core/check.js';
import { catalogItems, compareRequirementIds, type CatalogItem } from '../../core/catalog/index.js';
import type { Profile } from '../../core/profile/schema.js';
import type { CheckResult } from '../../harness/run/execute.js';

export const VERDICTS = ['pass', 'fail', 'error', 'compensated', 'not-tested', 'manual', 'not-applicable'] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface CheckEntry {
  id: string;
  title: string;
  status: CheckStatus;
  expectation: string;
  observed?: string;
  message?: string;
  durationMs: number;
}

export interface RequirementVerdict {
  id: string;
  title: string;
  fr: number;
  sl: number[];
  confidence: CatalogItem['confidence'];
  testClass: CatalogItem['testClass'];
  verdict: Verdict;
  /** Why the verdict is what it is, when the checks alone do not say it. */
  rationale?: string;
  evidence?: string;
  checks: CheckEntry[];
}

export interface Scope {
  /** Requirement ids the run was limited to (--only); undefined for all. */
  only?: string[];
}

function entryOf(result: CheckResult): CheckEntry {
  return {
    id: result.checkId,
    title: result.title,
    status: result.status,
    expectation: result.expectation,
    ...(result.observed !== undefined ? { observed: result.observed } : {}),
    ...(result.message !== undefined ? { message: result.message } : {}),
    durationMs: result.durationMs,
  };
}

function outOfScope(item: CatalogItem, profile: Profile): string | undefined {
  const type = profile.component.type;
  if (!item.appliesTo.includes(type)) return `applies to ${item.appliesTo.join(', ')}, not to a ${type}`;
  const lowest = Math.min(...item.sl);
  if (lowest > profile.targetSL) return `required from SL-C ${lowest}; the target is SL ${profile.targetSL}`;
  if (item.wirelessOnly && !profile.component.wireless) return 'applies only to wireless interfaces; the profile declares none (component.wireless)';
  return undefined;
}

/**
 * One verdict per catalog item (base requirement and each RE).
 * Order of precedence among the checks that ran: fail, error, not-tested, pass.
 */
export function judge(item: CatalogItem, profile: Profile, results: CheckResult[], mappedCheckCount: number): Omit<RequirementVerdict, 'checks'> {
  const base = { id: item.id, title: item.title, fr: item.fr, sl: item.sl, confidence: item.confidence, testClass: item.testClass };
  const scope = outOfScope(item, profile);
  if (scope) return { ...base, verdict: 'not-applicable', rationale: scope };
  const declared = profile.declarations[item.id] ?? profile.declarations[item.base];
  if (declared && declared.verdict !== 'compensated') {
    return { ...base, verdict: declared.verdict, rationale: declared.rationale, ...(declared.evidence ? { evidence: declared.evidence } : {}) };
  }
  const statuses = new Set(results.map((result) => result.status));
  const ran = results.filter((result) => result.status === 'pass' || result.status === 'fail' || result.status === 'error');
  if (statuses.has('fail')) {
    if (declared?.verdict === 'compensated') {
      return { ...base, verdict: 'compensated', rationale: declared.rationale, ...(declared.evidence ? { evidence: declared.evidence } : {}) };
    }
    return { ...base, verdict: 'fail' };
  }
  if (statuses.has('error')) return { ...base, verdict: 'error', rationale: 'a check could not reach a verdict; see its message' };
  if (statuses.has('not-tested')) {
    const reasons = [...new Set(results.filter((result) => result.status === 'not-tested').map((result) => result.message ?? 'not run'))];
    const passed = ran.length ? `${ran.length} check(s) passed; ` : '';
    return { ...base, verdict: 'not-tested', rationale: `${passed}not run: ${reasons.join('; ')}` };
  }
  if (statuses.has('pass')) return { ...base, verdict: 'pass' };
  if (declared?.verdict === 'compensated') {
    return { ...base, verdict: 'compensated', rationale: declared.rationale, ...(declared.evidence ? { evidence: declared.evidence } : {}) };
  }
  if (mappedCheckCount === 0) {
    return { ...base, verdict: 'manual', rationale: `no automated check exists (test class ${item.testClass}); documentary evidence is needed` };
  }
  const reasons = [...new Set(results.map((result) => result.message ?? ''))].filter(Boolean);
  return {
    ...base,
    verdict: 'manual',
    rationale: `no automated check fits this component (${reasons.join('; ') || 'filtered out'}); documentary evidence is needed`,
  };
}

/** Verdicts for the whole catalog (or the --only subset), in catalog order. */
export function judgeAll(profile: Profile, results: CheckResult[], mappedChecks: Map<string, number>, scope: Scope = {}): RequirementVerdict[] {
  const only = scope.only ? new Set(scope.only) : undefined;
  return catalogItems()
    .filter((item) => !only || only.has(item.id))
    .sort((a, b) => compareRequirementIds(a.id, b.id))
    .map((item) => {
      const mine = results.filter((result) => result.requirementId === item.id);
      return { ...judge(item, profile, mine, mappedChecks.get(item.id) ?? 0), checks: mine.map(entryOf) };
    });
}

export function countBy<T extends string>(values: T[]): Partial<Record<T, number>> {
  const counts: Partial<Record<T, number>> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

const MEETS = new Set<Verdict>(['pass', 'compensated', 'not-applicable']);

/**
 * The highest SL at which every requirement of the FR that is required at that level is met
 * (pass, compensated or not applicable). Capped at the target SL, since higher items were not assessed.
 */
export function achievedSL(fr: number, requirements: RequirementVerdict[], targetSL: number): number {
  let achieved = 0;
  for (let level = 1; level <= targetSL; level++) {
    const required = requirements.filter((requirement) => requirement.fr === fr && requirement.sl.some((sl) => sl <= level));
    if (required.every((requirement) => MEETS.has(requirement.verdict))) achieved = level;
    else break;
  }
  return achieved;
}
