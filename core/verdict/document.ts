import { FUNCTIONAL_REQUIREMENTS } from '../catalog/index.js';
import type { ComplianceDocument, RequirementVerdict, Verdict } from './model.js';

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

/** The document every report renders: the verdicts with their summary per verdict and per FR. */
export function buildComplianceDocument(input: Omit<ComplianceDocument, 'summary'>): ComplianceDocument {
  const byFR: ComplianceDocument['summary']['byFR'] = {};
  for (const fr of Object.keys(FUNCTIONAL_REQUIREMENTS).map(Number)) {
    const mine = input.requirements.filter((requirement) => requirement.fr === fr);
    if (mine.length === 0) continue;
    byFR[`FR ${fr}`] = {
      name: FUNCTIONAL_REQUIREMENTS[fr]!.name,
      achievedSL: achievedSL(fr, input.requirements, input.targetSL),
      verdicts: countBy(mine.map((requirement) => requirement.verdict)),
    };
  }
  return { ...input, summary: { byVerdict: countBy(input.requirements.map((requirement) => requirement.verdict)), byFR } };
}
