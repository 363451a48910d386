import type { FleetReport } from '../reports/fleet/aggregate.js';

/**
 * `fleet --fail-under KPI=VALUE`: the gate a nightly pipeline puts on the fleet's key figures. Each KPI names its
 * direction: the compliant share must not fall below its value, the median time to remediate and the age of the
 * oldest open finding must not exceed theirs, and open high-risk findings must not outnumber theirs.
 */
export const GATE_KPIS = {
  'compliant-share': { unit: 'share of components compliant at their target SL (0.9 or 90%)', default: 0.9 },
  'remediation-hours': { unit: 'hours: median time to remediate, and age of the oldest open finding', default: 48 },
  'open-high-risk': { unit: 'open findings of requirements required at SL 1', default: 0 },
} as const;
export type GateKpi = keyof typeof GATE_KPIS;

export class GateSyntaxError extends Error {}

/** "compliant-share=95%,open-high-risk=0" (the flag may also be repeated); a bare name takes its default target. */
export function parseGate(specs: string[]): Map<GateKpi, number> {
  const gate = new Map<GateKpi, number>();
  for (const part of specs.flatMap((spec) => spec.split(',')).map((text) => text.trim()).filter(Boolean)) {
    const [name, raw] = part.split('=', 2) as [string, string | undefined];
    if (!(name in GATE_KPIS)) throw new GateSyntaxError(`--fail-under: unknown KPI "${name}"; one of ${Object.keys(GATE_KPIS).join(', ')}`);
    const kpi = name as GateKpi;
    if (raw === undefined) {
      gate.set(kpi, GATE_KPIS[kpi].default);
      continue;
    }
    const percent = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(raw);
    const value = percent ? Number(percent[1]) / 100 : Number(raw);
    if (!Number.isFinite(value) || value < 0 || (kpi === 'compliant-share' && value > 1)) throw new GateSyntaxError(`--fail-under: ${kpi} needs ${GATE_KPIS[kpi].unit}, not "${raw}"`);
    gate.set(kpi, value);
  }
  return gate;
}

/** One line per KPI that misses its target, with the figure and the target. */
export function gateMisses(report: FleetReport, gate: Map<GateKpi, number>): string[] {
  const misses: string[] = [];
  const { kpis } = report;
  for (const [kpi, target] of gate) {
    if (kpi === 'compliant-share') {
      if (kpis.compliantShare === null) misses.push('compliant-share: no component in the fleet');
      else if (kpis.compliantShare < target) misses.push(`compliant-share ${pct(kpis.compliantShare)} is below ${pct(target)}`);
    } else if (kpi === 'remediation-hours') {
      if (kpis.remediation.medianHours !== null && kpis.remediation.medianHours > target) misses.push(`remediation-hours: median ${kpis.remediation.medianHours} h exceeds ${target} h`);
      if (kpis.open.oldestHours !== null && kpis.open.oldestHours > target) misses.push(`remediation-hours: the oldest open finding is ${kpis.open.oldestHours} h old, over ${target} h`);
    } else if (kpis.open.highRisk > target) {
      misses.push(`open-high-risk: ${kpis.open.highRisk} open high-risk finding(s), more than ${target}`);
    }
  }
  return misses;
}

const pct = (share: number) => `${Math.round(share * 1000) / 10}%`;
