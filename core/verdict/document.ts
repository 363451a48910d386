import { FUNCTIONAL_REQUIREMENTS } from '../catalog/index.js';
import type { ComplianceDocument, RequirementVerdict, Verdict } from './model.js';

export function countBy<T extends string>(values: T[]): Partial<Record<T, number>> {
  const counts: Partial<Record<T, number>> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

const MEETS = new Set<Verdict>(['pass', 'compensated', 'not-applicable']);
/** What the automated evidence supports: requirements that only documents can show are left aside, not counted as unmet. */
const AUTOMATED_MEETS = new Set<Verdict>([...MEETS, 'manual']);

const requiredAt = (fr: number, level: number, requirements: RequirementVerdict[]) =>
  requirements.filter((requirement) => requirement.fr === fr && requirement.sl.some((sl) => sl <= level));

function highestLevel(fr: number, requirements: RequirementVerdict[], targetSL: number, meets: Set<Verdict>): number {
  let achieved = 0;
  for (let level = 1; level <= targetSL; level++) {
    if (requiredAt(fr, level, requirements).every((requirement) => meets.has(requirement.verdict))) achieved = level;
    else break;
  }
  return achieved;
}

/**
 * The highest SL at which every requirement of the FR that is required at that level is met
 * (pass, compensated or not applicable). Capped at the target SL, since higher items were not assessed.
 */
export function achievedSL(fr: number, requirements: RequirementVerdict[], targetSL: number): number {
  return highestLevel(fr, requirements, targetSL, MEETS);
}

/**
 * The highest SL the automated evidence supports, with requirements that need documents left aside, and how many such
 * requirements up to the target SL stay open until the documents are supplied.
 */
export function automatedSL(fr: number, requirements: RequirementVerdict[], targetSL: number): { level: number; awaitingDocuments: number } {
  return {
    level: highestLevel(fr, requirements, targetSL, AUTOMATED_MEETS),
    awaitingDocuments: requiredAt(fr, targetSL, requirements).filter((requirement) => requirement.verdict === 'manual').length,
  };
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
      ...(() => {
        const automated = automatedSL(fr, input.requirements, input.targetSL);
        return { automatedSL: automated.level, awaitingDocuments: automated.awaitingDocuments };
      })(),
      verdicts: countBy(mine.map((requirement) => requirement.verdict)),
    };
  }
  return { ...input, summary: { byVerdict: countBy(input.requirements.map((requirement) => requirement.verdict)), byFR } };
}
