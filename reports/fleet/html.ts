import type { FleetReport, TrendPoint } from './aggregate.js';
import { duration, percent, shortTime } from './markdown.js';
import { escapeHtml as esc } from '../html/escape.js';

/**
 * fleet.html: one self-contained page (inline CSS and SVG, no script needed) in the look of compliance.html, for the
 * QA lead's morning review and the asset owner's CSMS meeting. No external assets, so it opens offline.
 */

const GOOD = '#2e7d32';
const BAD = '#c62828';
const WARN = '#ef6c00';
const INK = '#263238';



/** x positions on a real time axis (days apart stay proportional); a single day sits in the middle. */
function timeAxis(points: TrendPoint[], left: number, right: number): number[] {
  const times = points.map((point) => Date.parse(`${point.date}T00:00:00Z`));
  const first = times[0] ?? 0;
  const span = (times.at(-1) ?? 0) - first;
  return times.map((time) => (span === 0 ? (left + right) / 2 : left + ((time - first) / span) * (right - left)));
}

function dateLabels(points: TrendPoint[], xs: number[], y: number): string {
  // At most about eight labels, so a year of nights stays readable.
  const every = Math.max(1, Math.ceil(points.length / 8));
  return points
    .map((point, index) => (index % every === 0 || index === points.length - 1 ? `<text x="${xs[index]!.toFixed(1)}" y="${y}" class="axis">${esc(point.date.slice(5))}</text>` : ''))
    .join('');
}

/** Share of components compliant at their target SL per day, with the KPI target as a dashed line. */
export function compliantShareChart(report: FleetReport): string {
  const points = report.trend;
  const width = 560;
  const height = 220;
  const left = 44;
  const right = width - 16;
  const top = 14;
  const bottom = 180;
  const y = (share: number) => bottom - share * (bottom - top);
  const xs = timeAxis(points, left, right);
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map((share) => `<line x1="${left}" x2="${right}" y1="${y(share).toFixed(1)}" y2="${y(share).toFixed(1)}" class="grid"/><text x="${left - 6}" y="${(y(share) + 4).toFixed(1)}" class="lbl">${share * 100}%</text>`)
    .join('');
  const target = report.targets.compliantShare;
  const targetLine = `<line x1="${left}" x2="${right}" y1="${y(target).toFixed(1)}" y2="${y(target).toFixed(1)}" class="target"><title>target: above ${percent(target)}</title></line><text x="${right}" y="${(y(target) - 5).toFixed(1)}" class="tgt">target ${percent(target)}</text>`;
  const path = points.map((point, index) => `${index === 0 ? 'M' : 'L'}${xs[index]!.toFixed(1)},${y(point.compliantShare).toFixed(1)}`).join(' ');
  const dots = points
    .map(
      (point, index) =>
        `<circle cx="${xs[index]!.toFixed(1)}" cy="${y(point.compliantShare).toFixed(1)}" r="4" fill="${point.compliantShare > target ? GOOD : BAD}"><title>${esc(`${point.date}: ${point.compliant} of ${point.components} compliant (${percent(point.compliantShare)})`)}</title></circle>`,
    )
    .join('');
  return `<svg role="img" aria-label="Compliant share over time" viewBox="0 0 ${width} ${height}" width="100%" style="max-width:${width}px">${grid}${targetLine}<path d="${path}" fill="none" stroke="${INK}" stroke-width="2"/>${dots}${dateLabels(points, xs, bottom + 18)}</svg>`;
}

/** Open findings (failed requirements not yet passing again) per day, as columns. */
export function openFindingsChart(report: FleetReport): string {
  const points = report.trend;
  const width = 560;
  const height = 220;
  const left = 44;
  const right = width - 16;
  const top = 14;
  const bottom = 180;
  const max = Math.max(1, ...points.map((point) => point.openFindings));
  const step = max <= 5 ? 1 : Math.ceil(max / 5);
  const ceiling = Math.ceil(max / step) * step;
  const y = (count: number) => bottom - (count / ceiling) * (bottom - top);
  const xs = timeAxis(points, left + 14, right - 14);
  const spacing = points.length > 1 ? Math.min(...xs.slice(1).map((x, index) => x - xs[index]!)) : 60;
  const barWidth = Math.max(3, Math.min(36, spacing * 0.6));
  const grid: string[] = [];
  for (let count = 0; count <= ceiling; count += step) grid.push(`<line x1="${left}" x2="${right}" y1="${y(count).toFixed(1)}" y2="${y(count).toFixed(1)}" class="grid"/><text x="${left - 6}" y="${(y(count) + 4).toFixed(1)}" class="lbl">${count}</text>`);
  const bars = points
    .map((point, index) => {
      const h = bottom - y(point.openFindings);
      const x = xs[index]! - barWidth / 2;
      return `<rect x="${x.toFixed(1)}" y="${y(point.openFindings).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${h.toFixed(1)}" fill="${point.openFindings ? WARN : GOOD}"><title>${esc(`${point.date}: ${point.openFindings} open finding(s)`)}</title></rect>${barWidth >= 14 ? `<text x="${xs[index]!.toFixed(1)}" y="${(y(point.openFindings) - 4).toFixed(1)}" class="axis">${point.openFindings}</text>` : ''}`;
    })
    .join('');
  return `<svg role="img" aria-label="Open findings over time" viewBox="0 0 ${width} ${height}" width="100%" style="max-width:${width}px">${grid.join('')}${bars}${dateLabels(points, xs, bottom + 18)}</svg>`;
}

function kpiCard(title: string, value: string, detail: string, target: string, ok: boolean): string {
  return `<div class="kpi" style="--c:${ok ? GOOD : BAD}"><div class="t">${esc(title)}</div><div class="v">${esc(value)}</div><div class="d">${esc(detail)}</div><div class="g">target ${esc(target)} · <b>${ok ? 'meets target' : 'misses target'}</b></div></div>`;
}

const badge = (text: string, color: string) => `<span class="badge" style="--c:${color}">${esc(text)}</span>`;

export function fleetHtml(report: FleetReport): string {
  const k = report.kpis;
  const r = k.remediation;
  const hoursTarget = `under ${report.targets.remediationHours} h`;
  const cards = [
    kpiCard('Compliant at target SL', percent(k.compliantShare), `${k.compliant} of ${k.components} component(s)`, `above ${percent(report.targets.compliantShare)}`, k.compliantShareMeetsTarget),
    kpiCard('Time to remediate (median)', duration(r.medianHours), `${r.remediated} remediated, mean ${duration(r.meanHours)}, longest ${duration(r.maxHours)}`, hoursTarget, r.meetsTarget),
    kpiCard(
      'Unmitigated high-risk vulnerabilities',
      String(k.vulnerabilities.unmitigatedHighRisk),
      `CVSS ≥ 7.0 · ${k.vulnerabilities.componentsWithUnmitigated} of ${k.vulnerabilities.componentsAssessed} assessed component(s)${k.vulnerabilities.oldestDays === null ? '' : ` · oldest advisory ${k.vulnerabilities.oldestDays} d`}`,
      'none',
      k.vulnerabilities.meetsTarget,
    ),
    kpiCard('Open findings', String(k.open.findings), `${k.open.highRisk} high-risk · ${k.open.overTarget} older than ${report.targets.remediationHours} h · oldest ${duration(k.open.oldestHours)}`, `none older than ${report.targets.remediationHours} h`, k.open.overTarget === 0),
  ].join('');

  const components = report.components
    .map((component) => {
      const link = component.latestRun.source.replace(/compliance\.json$/, 'compliance.html');
      const sl = Object.entries(component.achievedSL)
        .map(([fr, level]) => `<span class="sl" style="--c:${level >= component.targetSL ? GOOD : level === 0 ? BAD : WARN}" title="${esc(`${fr}: achieved SL-C ${level} of target ${component.targetSL}`)}">${esc(fr.replace(' ', ''))} ${level}</span>`)
        .join(' ');
      const verdicts = Object.entries(component.byVerdict).map(([verdict, count]) => `${esc(verdict)} ${count}`).join(', ');
      const notes = [component.latestRun.partialScope ? 'partial scope' : '', component.latestRun.interrupted ? `stopped: ${component.latestRun.interrupted}` : '', component.latestRun.unreachable ? `unreachable: ${component.latestRun.unreachable}` : ''].filter(Boolean);
      return `<tr><td><b>${esc(component.id)}</b><div class="muted">${esc(component.type)} · target SL ${component.targetSL}</div></td><td>${component.compliant ? badge('compliant', GOOD) : badge('not compliant', BAD)}${component.reasons.length ? `<div class="muted">${esc(component.reasons.join('; '))}</div>` : ''}</td><td>${sl}</td><td>${verdicts}</td><td class="num">${component.openFindings}</td><td class="num">${component.vulnerabilities.assessed ? component.vulnerabilities.unmitigatedHighRisk : '<span class="muted">not assessed</span>'}</td><td><a href="${esc(encodeURI(link))}">${esc(shortTime(component.latestRun.startedAt))}</a>${notes.length ? `<div class="muted">${esc(notes.join(' · '))}</div>` : ''}<div class="muted">${component.runs} run(s) since ${esc(shortTime(component.firstRunAt))}</div></td></tr>`;
    })
    .join('');

  const maxFailed = Math.max(1, ...report.failingMost.map((entry) => entry.failedRuns));
  const failing = report.failingMost
    .slice(0, 20)
    .map(
      (entry) =>
        `<tr><td class="id">${esc(entry.requirement)}</td><td>${esc(entry.title)}</td><td class="num">${entry.componentsFailingNow}</td><td class="num">${entry.componentsEverFailed}</td><td><svg viewBox="0 0 160 14" width="160" height="14" aria-hidden="true"><rect x="0" y="2" width="${((entry.failedRuns / maxFailed) * 130).toFixed(1)}" height="10" fill="${BAD}"/></svg> ${entry.failedRuns}</td></tr>`,
    )
    .join('');

  const open = report.openFindings
    .map(
      (finding) =>
        `<tr><td>${esc(finding.component)}</td><td><b>${esc(finding.requirement)}</b> ${esc(finding.title)}</td><td>${esc(shortTime(finding.failingSince))}</td><td>${esc(shortTime(finding.lastFailedAt))}</td><td>${finding.overTarget ? badge(duration(finding.ageHours), BAD) : esc(duration(finding.ageHours))}</td><td>${finding.highRisk ? badge('high-risk', BAD) : ''}</td></tr>`,
    )
    .join('');

  const vulnerable = report.vulnerabilities
    .map(
      (entry) =>
        `<tr><td>${esc(entry.component)}</td><td><b>${esc(entry.id)}</b> ${esc(entry.title)}</td><td>${badge(`${entry.baseScore.toFixed(1)} ${entry.severity}`, BAD)}</td><td>${esc(entry.advisory)} <span class="muted">${esc(entry.publisher)}</span></td><td>${esc(entry.released.slice(0, 10))}</td><td class="num">${entry.ageDays} d</td><td>${esc(entry.fixedIn.join(', ') || '—')}</td></tr>`,
    )
    .join('');

  const remediated = report.remediations
    .map(
      (entry) =>
        `<tr><td>${esc(entry.component)}</td><td><b>${esc(entry.requirement)}</b> ${esc(entry.title)}</td><td>${esc(shortTime(entry.failedAt))}</td><td>${esc(shortTime(entry.remediatedAt))}</td><td>${badge(duration(entry.hours), entry.withinTarget ? GOOD : BAD)}</td></tr>`,
    )
    .join('');

  const inventory = report.inventory
    .map(
      (entry) =>
        `<tr><td>${esc(entry.component)}</td><td>${esc(entry.type)}</td><td>${esc(entry.vendor ?? '—')}</td><td>${esc(entry.model ?? '—')}</td><td>${esc(entry.firmware ?? '—')}</td><td class="muted">${esc(entry.source)}</td><td>${esc(entry.host)}</td><td>${esc(shortTime(entry.lastSeen))}</td></tr>`,
    )
    .join('');

  const skipped = report.sources.skipped.map((entry) => `<li><code>${esc(entry.file)}</code>: ${esc(entry.reason)}</li>`).join('');
  const table = (head: string[], rows: string, empty: string) => (rows ? `<table><thead><tr>${head.map((title) => `<th>${esc(title)}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>` : `<p class="muted">${esc(empty)}</p>`);
  const span = report.sources.firstRunAt ? ` · runs ${esc(shortTime(report.sources.firstRunAt))} → ${esc(shortTime(report.sources.latestRunAt!))}` : '';

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>IEC 62443-4-2 fleet report</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#212121;background:#fafafa}
header{background:#263238;color:#fff;padding:20px 28px}header h1{margin:0 0 6px;font-size:22px}header .meta{opacity:.85}
main{padding:20px 28px;max-width:1400px}
.cards{display:flex;flex-wrap:wrap;gap:20px;margin-bottom:12px}.card{background:#fff;border:1px solid #e0e0e0;border-radius:8px;padding:14px 18px;flex:1 1 420px}
.card h3{margin:0 0 8px;font-size:15px}
.kpi{background:#fff;border:1px solid #e0e0e0;border-left:6px solid var(--c);border-radius:8px;padding:12px 18px;flex:1 1 260px}
.kpi .t{font-weight:600}.kpi .v{font-size:32px;font-weight:700;color:var(--c)}.kpi .d{color:#555}.kpi .g{margin-top:4px;font-size:12.5px;color:#555}.kpi .g b{color:var(--c)}
table{border-collapse:collapse;width:100%;background:#fff;margin-bottom:22px}th,td{border-bottom:1px solid #eee;padding:6px 8px;vertical-align:top;text-align:left}
th{background:#eceff1;font-weight:600}td.id{white-space:nowrap;font-weight:600}td.num{text-align:center}
.badge{background:var(--c);color:#fff;border-radius:4px;padding:2px 8px;white-space:nowrap}
.sl{border:1px solid var(--c);color:var(--c);border-radius:4px;padding:0 5px;white-space:nowrap;font-size:12.5px}
.muted{color:#777;font-size:12.5px}
h2{font-size:18px;margin:26px 0 8px}h2 small{font-weight:400;color:#666;font-size:13px;margin-left:8px}
svg text.lbl{font-size:11px;text-anchor:end;fill:#424242}svg text.axis{font-size:11px;text-anchor:middle;fill:#424242}svg text.tgt{font-size:11px;text-anchor:end;fill:#263238}
svg .grid{stroke:#e0e0e0}svg .target{stroke:#263238;stroke-dasharray:6 4;stroke-width:2}
code{font-size:12px;background:#f5f5f5;padding:0 3px;border-radius:3px}
dl{background:#fff;border:1px solid #e0e0e0;border-radius:8px;padding:10px 18px}dd{margin:0 0 8px 0;color:#444}
@media print{header{background:#fff;color:#000}}
</style></head>
<body>
<header><h1>IEC 62443-4-2 fleet report</h1>
<div class="meta">as of ${esc(shortTime(report.asOf))} · ${k.components} component(s) · ${report.sources.runs} run(s)${span}</div>
<div class="meta">${esc(report.harness.name)} ${esc(report.harness.version)}</div></header>
<main>
<div class="cards">${cards}</div>
<div class="cards">
<div class="card"><h3>Compliant share by day (dashed line: target above ${esc(percent(report.targets.compliantShare))})</h3>${compliantShareChart(report)}</div>
<div class="card"><h3>Open findings by day</h3>${openFindingsChart(report)}</div>
</div>
<section id="components"><h2>Components <small>latest run of each; compliant components last</small></h2>
${table(['Component', 'Compliant at target SL', 'Achieved SL-C per FR', 'Verdicts', 'Open findings', 'Unmitigated high-risk vulnerabilities', 'Latest run'], components, 'No compliance.json was found.')}</section>
<section id="failing"><h2>Requirements failing most often</h2>
${table(['Requirement', 'Title', 'Failing now', 'Ever failed (components)', 'Failed runs'], failing, 'No requirement failed in any run.')}</section>
<section id="open"><h2>Open findings <small>failed and not passing again yet; age to ${esc(shortTime(report.asOf))}</small></h2>
${table(['Component', 'Requirement', 'Failing since', 'Last failed', 'Age', 'Risk'], open, 'None.')}</section>
<section id="vulnerabilities"><h2>Unmitigated high-risk vulnerabilities <small>from the CSAF advisories given to each latest run; age from the advisory's release</small></h2>
${table(['Component', 'Vulnerability', 'CVSS base', 'Advisory', 'Released', 'Age', 'Fixed in'], vulnerable, k.vulnerabilities.componentsAssessed ? 'None.' : 'No run was given CSAF advisories (run --advisories DIR).')}</section>
<section id="remediated"><h2>Remediated findings <small>time from the first failing run to the next passing one</small></h2>
${table(['Component', 'Requirement', 'First failed', 'Passed again', 'Time to remediate'], remediated, 'None yet.')}</section>
<section id="inventory"><h2>Inventory</h2>
${table(['Component', 'Type', 'Vendor', 'Model', 'Firmware', 'From', 'Host', 'Last run'], inventory, 'No component.')}</section>
<section id="definitions"><h2>Definitions</h2><dl>${Object.values(report.definitions).map((text) => `<dd>${esc(text)}</dd>`).join('')}</dl></section>
${skipped || report.sources.duplicates ? `<section id="skipped"><h2>Files not used</h2><ul>${report.sources.duplicates ? `<li>${report.sources.duplicates} duplicate run(s) counted once</li>` : ''}${skipped}</ul></section>` : ''}
</main>
</body></html>
`;
}
