import * as cvssModule from 'ae-cvss-calculator';
import type { CvssScore } from '../verdict/model.js';

type Calculator = Pick<typeof cvssModule, 'fromVector'>;

/**
 * The package is a webpack bundle marked __esModule: native ESM sees its exports under `default`, a CommonJS loader
 * (mocha through tsx) sees them directly. Either way the calculator is the object that has fromVector.
 */
const cvssCalculator: Calculator = (() => {
  const namespace = cvssModule as unknown as Record<string, unknown> & { default?: Record<string, unknown> };
  const candidates = [namespace, namespace.default, namespace.CvssCalculator, namespace.default?.CvssCalculator];
  const found = candidates.find((candidate) => typeof (candidate as Partial<Calculator> | undefined)?.fromVector === 'function');
  if (!found) throw new Error('ae-cvss-calculator exports no fromVector');
  return found as Calculator;
})();

/**
 * CVSS base scores computed from the advisory's vector by a maintained calculator (ae-cvss-calculator: CVSS 2.0,
 * 3.0, 3.1 and 4.0), not taken on trust: a stated score that disagrees with its vector is shown beside the computed one.
 */

/** The base metrics each version needs; the calculator scores a vector that lacks some as if they were zero. */
const BASE_METRICS: Record<string, string[]> = {
  '2.0': ['AV', 'AC', 'Au', 'C', 'I', 'A'],
  '3.0': ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A'],
  '3.1': ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A'],
  '4.0': ['AV', 'AC', 'AT', 'PR', 'UI', 'VC', 'VI', 'VA', 'SC', 'SI', 'SA'],
};

/** FIRST's qualitative ratings: 3.x and 4.0 share one scale; 2.0 had no None and no Critical. */
export function severityOf(version: string, score: number): CvssScore['severity'] {
  if (version === '2.0') return score >= 7 ? 'HIGH' : score >= 4 ? 'MEDIUM' : 'LOW';
  if (score === 0) return 'NONE';
  return score >= 9 ? 'CRITICAL' : score >= 7 ? 'HIGH' : score >= 4 ? 'MEDIUM' : 'LOW';
}

function versionOf(vector: string): string {
  const prefix = /^CVSS:(\d\.\d)\//.exec(vector);
  return prefix ? prefix[1]! : '2.0';
}

export interface ScoreReading {
  score?: CvssScore;
  /** Why the vector could not be scored (the stated score is then used, if there is one). */
  problem?: string;
}

/** Scores one CSAF cvss_v2/cvss_v3 object (or a CVSS 4.0 one): computed from vectorString, compared with baseScore. */
export function readScore(entry: { vectorString?: unknown; baseScore?: unknown; version?: unknown }): ScoreReading {
  const vector = typeof entry.vectorString === 'string' ? entry.vectorString.trim() : '';
  const stated = typeof entry.baseScore === 'number' && entry.baseScore >= 0 && entry.baseScore <= 10 ? entry.baseScore : undefined;
  const fallback = (problem: string): ScoreReading => {
    const version = typeof entry.version === 'string' ? entry.version : vector ? versionOf(vector) : '3.1';
    return stated === undefined ? { problem } : { score: { version, vector, baseScore: stated, severity: severityOf(version, stated) }, problem: `${problem}; the advisory's base score ${stated} is used` };
  };
  if (!vector) return fallback('no CVSS vector');
  const version = versionOf(vector);
  const required = BASE_METRICS[version];
  if (!required) return fallback(`CVSS version ${version} is not known`);
  const metrics = new Map(
    vector
      .replace(/^CVSS:\d\.\d\//, '')
      .split('/')
      .map((part) => part.split(':') as [string, string | undefined]),
  );
  const missing = required.filter((metric) => !metrics.get(metric) || metrics.get(metric) === 'X');
  if (missing.length > 0) return fallback(`the CVSS ${version} vector lacks ${missing.join(', ')}`);
  let computed: number | undefined;
  try {
    computed = cvssCalculator.fromVector(vector)?.calculateScores().base as number | undefined;
  } catch (error) {
    return fallback(`the CVSS vector cannot be read (${(error as Error).message})`);
  }
  if (typeof computed !== 'number' || Number.isNaN(computed)) return fallback('the CVSS vector cannot be scored');
  return {
    score: {
      version,
      vector,
      baseScore: computed,
      severity: severityOf(version, computed),
      ...(stated !== undefined && Math.abs(stated - computed) >= 0.05 ? { statedBaseScore: stated } : {}),
    },
  };
}

const VERSION_RANK: Record<string, number> = { '4.0': 4, '3.1': 3, '3.0': 2, '2.0': 1 };

/** Of several scores for one product, the newest CVSS version, then the highest score. */
export function preferredScore(scores: CvssScore[]): CvssScore | undefined {
  return [...scores].sort((a, b) => (VERSION_RANK[b.version] ?? 0) - (VERSION_RANK[a.version] ?? 0) || b.baseScore - a.baseScore)[0];
}
