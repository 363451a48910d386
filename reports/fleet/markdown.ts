import type { FleetReport } from './aggregate.js';

export const percent = (share: number | null): string => (share === null ? 'n/a' : `${Math.round(share * 1000) / 10}%`);

/** "35 min", "30 h", "54 h (2.3 d)". */
export function duration(hours: number | null): string {
  if (hours === null) return 'n/a';
  if (hours < 1) return `${Math.round(hours * 60)} min`;
  const text = `${Math.round(hours * 10) / 10} h`;
  return hours >= 48 ? `${text} (${(hours / 24).toFixed(1)} d)` : text;
}

export const shortTime = (iso: string): string => iso.replace('T', ' ').replace(/:\d{2}(\.\d+)?Z$/, 'Z');

const cell = (text: string | number | undefined) => String(text ?? '').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const mark = (ok: boolean) => (ok ? '✅ meets target' : '❌ misses target');

export function fleetMarkdown(report: FleetReport): string {
  const k = report.kpis;
  const lines: string[] = [];
  lines.push('# IEC 62443-4-2 fleet report', '');
  lines.push(
    `As of ${shortTime(report.asOf)}: ${k.components} component(s) from ${report.sources.runs} run(s)` +
      (report.sources.firstRunAt ? `, ${shortTime(report.sources.firstRunAt)} to ${shortTime(report.sources.latestRunAt!)}` : '') +
      `. ${report.harness.name} ${report.harness.version}.`,
    '',
  );

  lines.push('## KPIs', '', '| KPI | Value | Target | Status |', '|---|---|---|---|');
  lines.push(`| Components compliant at their target SL | ${k.compliant} of ${k.components} (${percent(k.compliantShare)}) | above ${percent(report.targets.compliantShare)} | ${mark(k.compliantShareMeetsTarget)} |`);
  const r = k.remediation;
  lines.push(
    `| Time to remediate a failed requirement (median) | ${duration(r.medianHours)} over ${r.remediated} remediated finding(s); mean ${duration(r.meanHours)}, longest ${duration(r.maxHours)}; ${r.withinTarget} within target | under ${report.targets.remediationHours} h | ${mark(r.meetsTarget)} |`,
  );
  const v = k.vulnerabilities;
  lines.push(`| Unmitigated high-risk vulnerabilities (CVSS ≥ 7.0) | ${v.unmitigatedHighRisk} in ${v.componentsWithUnmitigated} of ${v.componentsAssessed} component(s) assessed against advisories${v.oldestDays === null ? '' : `, oldest advisory ${v.oldestDays} d`} | none | ${mark(v.meetsTarget)} |`);
  lines.push(`| Open findings | ${k.open.findings} (${k.open.highRisk} high-risk, ${k.open.overTarget} older than ${report.targets.remediationHours} h, oldest ${duration(k.open.oldestHours)}) | none older than ${report.targets.remediationHours} h | ${mark(k.open.overTarget === 0)} |`, '');

  lines.push('## Components', '', '| Component | Type | Target SL | Latest run | Compliant | Achieved SL-C per FR | Verdicts | Open findings | Unmitigated high-risk vulnerabilities |', '|---|---|---|---|---|---|---|---|---|');
  for (const component of report.components) {
    const sl = Object.entries(component.achievedSL).map(([fr, level]) => `${fr}: ${level}`).join(', ');
    const verdicts = Object.entries(component.byVerdict).map(([verdict, count]) => `${verdict} ${count}`).join(', ');
    const status = component.compliant ? '✅ yes' : `❌ no: ${component.reasons.slice(0, 6).join('; ')}${component.reasons.length > 6 ? `; and ${component.reasons.length - 6} more` : ''}`;
    const notes = [component.latestRun.partialScope ? 'partial scope' : '', component.latestRun.interrupted ? `stopped: ${component.latestRun.interrupted}` : '', component.latestRun.unreachable ? 'unreachable' : ''].filter(Boolean);
    lines.push(
      `| ${cell(component.id)} | ${cell(component.type)} | ${component.targetSL} | [${shortTime(component.latestRun.startedAt)}](${encodeURI(component.latestRun.source.replace(/compliance\.json$/, 'compliance.md'))})${notes.length ? ` (${notes.join(', ')})` : ''}, ${component.runs} run(s) | ${cell(status)} | ${sl} | ${verdicts} | ${component.openFindings} | ${component.vulnerabilities.assessed ? component.vulnerabilities.unmitigatedHighRisk : 'not assessed'} |`,
    );
  }
  lines.push('');

  lines.push('## Requirements failing most often', '');
  if (report.failingMost.length === 0) lines.push('No requirement failed in any run.', '');
  else {
    lines.push('| Requirement | Title | Components failing now | Components that ever failed it | Failed runs |', '|---|---|---|---|---|');
    for (const entry of report.failingMost.slice(0, 20)) lines.push(`| ${entry.requirement} | ${cell(entry.title)} | ${entry.componentsFailingNow} | ${entry.componentsEverFailed} | ${entry.failedRuns} |`);
    lines.push('');
  }

  lines.push('## Open findings', '');
  if (report.openFindings.length === 0) lines.push('None.', '');
  else {
    lines.push('| Component | Requirement | Failing since | Last failed | Age | High-risk |', '|---|---|---|---|---|---|');
    for (const finding of report.openFindings) {
      lines.push(`| ${cell(finding.component)} | ${finding.requirement} ${cell(finding.title)} | ${shortTime(finding.failingSince)} | ${shortTime(finding.lastFailedAt)} | ${duration(finding.ageHours)}${finding.overTarget ? ' ❌' : ''} | ${finding.highRisk ? 'yes' : 'no'} |`);
    }
    lines.push('');
  }

  lines.push('## Unmitigated high-risk vulnerabilities', '');
  if (report.vulnerabilities.length === 0) lines.push(v.componentsAssessed ? 'None.' : 'No run was given CSAF advisories (run --advisories DIR).', '');
  else {
    lines.push('| Component | Vulnerability | CVSS base | Advisory | Released | Age | Fixed in |', '|---|---|---|---|---|---|---|');
    for (const entry of report.vulnerabilities) {
      lines.push(`| ${cell(entry.component)} | ${cell(entry.id)} ${cell(entry.title)} | ${entry.baseScore.toFixed(1)} ${entry.severity} | ${cell(entry.advisory)} (${cell(entry.publisher)}) | ${entry.released.slice(0, 10)} | ${entry.ageDays} d | ${cell(entry.fixedIn.join(', ') || '—')} |`);
    }
    lines.push('');
  }

  lines.push('## Remediated findings', '');
  if (report.remediations.length === 0) lines.push('None yet.', '');
  else {
    lines.push('| Component | Requirement | First failed | Passed again | Time to remediate |', '|---|---|---|---|---|');
    for (const entry of report.remediations) {
      lines.push(`| ${cell(entry.component)} | ${entry.requirement} ${cell(entry.title)} | ${shortTime(entry.failedAt)} | ${shortTime(entry.remediatedAt)} | ${duration(entry.hours)} ${entry.withinTarget ? '✅' : '❌'} |`);
    }
    lines.push('');
  }

  lines.push('## Inventory', '', '| Component | Type | Vendor | Model | Firmware | From | Host | Last run |', '|---|---|---|---|---|---|---|---|');
  for (const entry of report.inventory) {
    lines.push(`| ${cell(entry.component)} | ${cell(entry.type)} | ${cell(entry.vendor ?? '—')} | ${cell(entry.model ?? '—')} | ${cell(entry.firmware ?? '—')} | ${entry.source} | ${cell(entry.host)} | ${shortTime(entry.lastSeen)} |`);
  }
  const byType = new Map<string, number>();
  for (const entry of report.inventory) byType.set(entry.type, (byType.get(entry.type) ?? 0) + 1);
  lines.push('', [...byType].map(([type, count]) => `${count} ${type}`).join(', ') || 'No component.', '');

  lines.push('## Trend', '', '| Day (UTC) | Components | Compliant | Compliant share | Open findings |', '|---|---|---|---|---|');
  for (const point of report.trend) lines.push(`| ${point.date} | ${point.components} | ${point.compliant} | ${percent(point.compliantShare)} | ${point.openFindings} |`);
  lines.push('');

  lines.push('## Definitions', '');
  for (const text of Object.values(report.definitions)) lines.push(`- ${text}`);
  lines.push('');
  if (report.sources.skipped.length || report.sources.duplicates) {
    lines.push('## Files not used', '');
    if (report.sources.duplicates) lines.push(`- ${report.sources.duplicates} duplicate run(s) (the same component and start time reached twice) counted once`);
    for (const entry of report.sources.skipped) lines.push(`- ${cell(entry.file)}: ${cell(entry.reason)}`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
