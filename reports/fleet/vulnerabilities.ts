import type { ComplianceDocument } from '../../core/verdict/model.js';

/** The fleet KPI "unmitigated high-risk vulnerabilities", from each component's latest compliance.json. */

export const VULNERABILITY_DEFINITION =
  "Unmitigated high-risk vulnerabilities: per component, the vulnerabilities that the CSAF advisories given to its latest run (--advisories) report as known affected for the version it runs (as it reported itself in CR 7.8 and as its profile states), with a CVSS base score of 7.0 or more, and that its profile does not declare compensated or not applicable by CVE id. Fixed ones, and ones under investigation or whose version rule cannot be compared, are not counted (the component pages list them). Age: from the advisory's initial release date to the report time. A component whose latest run had no advisories is not assessed. Target: none.";

export interface FleetVulnerability {
  component: string;
  id: string;
  title: string;
  baseScore: number;
  severity: string;
  advisory: string;
  publisher: string;
  released: string;
  ageDays: number;
  fixedIn: string[];
}

export interface ComponentVulnerabilities {
  /** False when the latest run was given no advisories. */
  assessed: boolean;
  unmitigatedHighRisk: number;
  affected: number;
  mitigated: number;
  /** Under investigation or possibly affecting: for a person to look at. */
  toReview: number;
}

export interface FleetVulnerabilityKpi {
  unmitigatedHighRisk: number;
  componentsAssessed: number;
  componentsWithUnmitigated: number;
  oldestDays: number | null;
  meetsTarget: boolean;
}

const DAY_MS = 86_400_000;

export function componentVulnerabilities(document: ComplianceDocument): ComponentVulnerabilities {
  const known = document.vulnerabilities;
  if (!known?.summary) return { assessed: false, unmitigatedHighRisk: 0, affected: 0, mitigated: 0, toReview: 0 };
  const s = known.summary;
  return { assessed: true, unmitigatedHighRisk: s.unmitigatedHighRisk ?? 0, affected: s.affected ?? 0, mitigated: s.mitigated ?? 0, toReview: (s['under-investigation'] ?? 0) + (s['possibly-affected'] ?? 0) };
}

/** Each latest run's unmitigated high-risk vulnerabilities, oldest advisory first, and the KPI over them. */
export function fleetVulnerabilities(latest: Array<{ component: string; document: ComplianceDocument }>, asOf: Date): { kpi: FleetVulnerabilityKpi; open: FleetVulnerability[] } {
  const open: FleetVulnerability[] = [];
  let assessed = 0;
  for (const { component, document } of latest) {
    const known = document.vulnerabilities;
    if (!known || !Array.isArray(known.vulnerabilities)) continue;
    assessed++;
    for (const entry of known.vulnerabilities) {
      if (!entry.unmitigated || !entry.highRisk) continue;
      const released = Date.parse(entry.advisory.released);
      open.push({
        component,
        id: entry.id,
        title: entry.title,
        baseScore: entry.cvss?.baseScore ?? 0,
        severity: entry.cvss?.severity ?? '',
        advisory: entry.advisory.id,
        publisher: entry.advisory.publisher,
        released: entry.advisory.released,
        ageDays: Number.isNaN(released) ? 0 : Math.max(0, Math.floor((asOf.getTime() - released) / DAY_MS)),
        fixedIn: entry.fixedIn ?? [],
      });
    }
  }
  open.sort((a, b) => b.ageDays - a.ageDays || b.baseScore - a.baseScore || a.component.localeCompare(b.component) || a.id.localeCompare(b.id));
  return {
    kpi: {
      unmitigatedHighRisk: open.length,
      componentsAssessed: assessed,
      componentsWithUnmitigated: new Set(open.map((entry) => entry.component)).size,
      oldestDays: open.length ? open[0]!.ageDays : null,
      meetsTarget: open.length === 0,
    },
    open,
  };
}
