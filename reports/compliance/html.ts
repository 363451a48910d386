import { FUNCTIONAL_REQUIREMENTS, findRequirement, frLabel } from '../../core/catalog/index.js';
import { VERDICTS, type ComplianceDocument, type RequirementVerdict, type Verdict } from '../../core/verdict/model.js';
import { escapeHtml as esc } from '../html/escape.js';

/**
 * compliance.html: one self-contained page (inline CSS, SVG and a few lines of script) that a vendor can hand to a lab
 * and a QA lead can read in the morning. No external assets, so it opens from an evidence bundle offline.
 */

const COLORS: Record<Verdict, string> = {
  pass: '#2e7d32',
  fail: '#c62828',
  error: '#ef6c00',
  compensated: '#00838f',
  'not-tested': '#757575',
  manual: '#5c6bc0',
  'not-applicable': '#bdbdbd',
};


const slRange = (sl: number[]) => (sl.length > 1 ? `${sl[0]}–${sl.at(-1)}` : String(sl[0]));

/** Horizontal stacked bars: one row per FR, segments by verdict. */
function verdictChart(doc: ComplianceDocument): string {
  const rows = Object.entries(doc.summary.byFR);
  const width = 640;
  const label = 190;
  const barHeight = 22;
  const gap = 8;
  const height = rows.length * (barHeight + gap) + 40;
  const max = Math.max(1, ...rows.map(([, entry]) => Object.values(entry.verdicts).reduce((a, b) => a + (b ?? 0), 0)));
  const scale = (width - label - 20) / max;
  const bars = rows
    .map(([fr, entry], index) => {
      const y = index * (barHeight + gap);
      let x = label;
      const segments = VERDICTS.filter((verdict) => entry.verdicts[verdict])
        .map((verdict) => {
          const count = entry.verdicts[verdict]!;
          const w = count * scale;
          const segment = `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${COLORS[verdict]}"><title>${esc(`${fr} ${verdict}: ${count}`)}</title></rect>${w > 18 ? `<text x="${(x + w / 2).toFixed(1)}" y="${y + 15}" class="seg">${count}</text>` : ''}`;
          x += w;
          return segment;
        })
        .join('');
      return `<text x="${label - 8}" y="${y + 15}" class="lbl">${esc(`${fr} ${FUNCTIONAL_REQUIREMENTS[Number(fr.slice(3))]?.code ?? ''}`)}</text>${segments}`;
    })
    .join('');
  const legendY = rows.length * (barHeight + gap) + 16;
  let legendX = 20;
  const legend = VERDICTS.map((verdict) => {
    const item = `<rect x="${legendX}" y="${legendY}" width="10" height="10" fill="${COLORS[verdict]}"/><text x="${legendX + 14}" y="${legendY + 9}" class="leg">${verdict}</text>`;
    legendX += 22 + verdict.length * 6.2;
    return item;
  }).join('');
  return `<svg role="img" aria-label="Verdicts by foundational requirement" viewBox="0 0 ${width} ${height}" width="100%" style="max-width:${width}px">${bars}${legend}</svg>`;
}

/** Achieved SL-C per FR against the target, as a small column chart. */
function slChart(doc: ComplianceDocument): string {
  const rows = Object.entries(doc.summary.byFR);
  const width = 420;
  const height = 190;
  const left = 30;
  const bottom = 160;
  const unit = 32;
  const column = (width - left) / Math.max(1, rows.length);
  const grid = [1, 2, 3, 4].map((level) => `<line x1="${left}" x2="${width}" y1="${bottom - level * unit}" y2="${bottom - level * unit}" class="grid"/><text x="${left - 6}" y="${bottom - level * unit + 4}" class="lbl">${level}</text>`).join('');
  const target = `<line x1="${left}" x2="${width}" y1="${bottom - doc.targetSL * unit}" y2="${bottom - doc.targetSL * unit}" class="target"><title>target SL ${doc.targetSL}</title></line>`;
  const columns = rows
    .map(([fr, entry], index) => {
      const x = left + index * column + column * 0.2;
      const h = entry.achievedSL * unit;
      const fill = entry.achievedSL >= doc.targetSL ? COLORS.pass : entry.achievedSL === 0 ? COLORS.fail : COLORS.error;
      return `<rect x="${x.toFixed(1)}" y="${bottom - h}" width="${(column * 0.6).toFixed(1)}" height="${h}" fill="${fill}"><title>${esc(`${fr}: achieved SL-C ${entry.achievedSL} of target ${doc.targetSL}`)}</title></rect><text x="${(x + column * 0.3).toFixed(1)}" y="${bottom - h - 4}" class="axis">${entry.achievedSL}</text><text x="${(x + column * 0.3).toFixed(1)}" y="${bottom + 16}" class="axis">${esc(fr.replace(' ', ''))}</text>`;
    })
    .join('');
  return `<svg role="img" aria-label="Achieved SL-C per foundational requirement" viewBox="0 0 ${width} ${height}" width="100%" style="max-width:${width}px">${grid}${columns}${target}</svg>`;
}

function checkCell(requirement: RequirementVerdict, allureHref: string | undefined): string {
  const checks = requirement.checks
    .map((check) => {
      const link = allureHref ? ` <a href="${esc(allureHref)}" title="open the Allure report">Allure</a>` : '';
      const on = check.interface ? ` <span class="iface">on ${esc(check.interface)}</span>` : '';
      return `<div class="check ${esc(check.status)}"><code>${esc(check.id)}</code>${on} <b>${esc(check.status)}</b>${link}<div class="exp">expected: ${esc(check.expectation)}</div>${
        check.observed !== undefined ? `<div class="obs">observed: ${esc(check.observed)}</div>` : check.message ? `<div class="obs">${check.status === 'error' ? 'error' : 'reason'}: ${esc(check.message)}</div>` : ''
      }</div>`;
    })
    .join('');
  const rationale = requirement.rationale ? `<div class="why">${esc(requirement.rationale)}</div>` : '';
  return checks + rationale;
}

/** Each interface the requirement concerns, with its own verdict: the requirement is their sum. */
function interfaceCell(requirement: RequirementVerdict): string {
  return requirement.interfaces
    .map(
      (entry) =>
        `<div class="iface-verdict" title="${esc(entry.rationale ?? entry.label ?? '')}"><span class="dot" style="--c:${COLORS[entry.verdict]}"></span>${esc(entry.name)} <span class="muted">${esc(entry.kind)}${entry.found ? ', found by the scan' : ''}</span> <b>${esc(entry.verdict)}</b></div>`,
    )
    .join('');
}

function interfaceList(doc: ComplianceDocument): string {
  return doc.interfaces
    .map((entry) => `<li><b>${esc(entry.name)}</b> <span class="muted">${esc(entry.kind)}</span> ${esc(entry.label)}${entry.found ? ` <span class="warn">found by the port scan, no endpoint declared: untested</span>` : ''}</li>`)
    .join('');
}

export interface HtmlOptions {
  /** Relative link to the Allure report, when one was rendered. */
  allureHref?: string;
}

export function complianceHtml(doc: ComplianceDocument, options: HtmlOptions = {}): string {
  const c = doc.component;
  const title = `IEC 62443-4-2 compliance: ${c.name}`;
  const counts = VERDICTS.filter((verdict) => doc.summary.byVerdict[verdict])
    .map((verdict) => `<button class="chip" data-verdict="${verdict}" style="--c:${COLORS[verdict]}">${verdict} <b>${doc.summary.byVerdict[verdict]}</b></button>`)
    .join('');
  const sections = Object.keys(FUNCTIONAL_REQUIREMENTS)
    .map(Number)
    .map((fr) => {
      const mine = doc.requirements.filter((requirement) => requirement.fr === fr);
      if (mine.length === 0) return '';
      const summary = doc.summary.byFR[`FR ${fr}`];
      const rows = mine
        .map(
          (requirement) =>
            `<tr class="req" data-verdict="${requirement.verdict}" id="${esc(requirement.id.replace(/[ ()]/g, '-'))}"><td class="id">${esc(requirement.id)}</td><td>${esc(requirement.title)}</td><td class="sl">${slRange(requirement.sl)}</td><td class="conf" title="${esc(requirement.confidence.note ?? 'confidence in the SL-C assignment')}">${esc(requirement.confidence.level)}</td><td><span class="badge" style="--c:${COLORS[requirement.verdict]}">${esc(requirement.verdict)}</span></td><td class="ifaces">${interfaceCell(requirement)}</td><td>${checkCell(requirement, options.allureHref)}</td></tr>`,
        )
        .join('');
      return `<section><h2>${esc(frLabel(fr))} <small>achieved SL-C ${summary?.achievedSL ?? 0} of ${doc.targetSL}</small></h2><table><thead><tr><th>Requirement</th><th>Title</th><th>SL-C</th><th>Conf.</th><th>Verdict</th><th>Interfaces</th><th>Checks: expected and observed</th></tr></thead><tbody>${rows}</tbody></table></section>`;
    })
    .join('');
  const outstanding = doc.requirements.filter((requirement) => requirement.verdict === 'manual');
  const outstandingList = outstanding
    .map((requirement) => `<li><b>${esc(requirement.id)}</b> ${esc(requirement.title)} <span class="muted">(${esc(requirement.testClass)})</span><div class="muted">${esc(findRequirement(requirement.id)?.guidance ?? '')}</div></li>`)
    .join('');
  const scope = [
    doc.scope.only ? `only ${doc.scope.only.join(', ')}` : 'all requirements',
    doc.scope.protocol ? `protocol ${doc.scope.protocol}` : '',
    `disruptive checks ${doc.scope.disruptive ? 'on' : 'off'}`,
    doc.scope.interrupted ? `<b class="warn">stopped before the end: ${esc(doc.scope.interrupted)}</b>` : '',
    doc.scope.unreachable ? `<b class="warn">target unreachable: ${esc(doc.scope.unreachable)}</b>` : '',
  ]
    .filter(Boolean)
    .join(' · ');

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#212121;background:#fafafa}
header{background:#263238;color:#fff;padding:20px 28px}header h1{margin:0 0 6px;font-size:22px}header .meta{opacity:.85}
main{padding:20px 28px;max-width:1400px}
.cards{display:flex;flex-wrap:wrap;gap:20px;margin-bottom:12px}.card{background:#fff;border:1px solid #e0e0e0;border-radius:8px;padding:14px 18px;flex:1 1 380px}
.card h3{margin:0 0 8px;font-size:15px}
.chip{border:1px solid var(--c);color:var(--c);background:#fff;border-radius:14px;padding:3px 10px;margin:0 6px 6px 0;cursor:pointer;font:inherit}
.chip.off{opacity:.35}
table{border-collapse:collapse;width:100%;background:#fff;margin-bottom:22px}th,td{border-bottom:1px solid #eee;padding:6px 8px;vertical-align:top;text-align:left}
th{background:#eceff1;font-weight:600}td.id{white-space:nowrap;font-weight:600}td.sl,td.conf{text-align:center;white-space:nowrap}
.badge{background:var(--c);color:#fff;border-radius:4px;padding:2px 8px;white-space:nowrap}
.check{margin-bottom:6px}.check .exp,.check .obs{color:#555;font-size:12.5px}.check.fail .obs{color:#b71c1c}.check.error .obs{color:#e65100}
.iface{color:#37474f;font-size:12px}.iface-verdict{white-space:nowrap;font-size:12.5px}.dot{display:inline-block;width:9px;height:9px;border-radius:50%;background:var(--c);margin-right:5px}
.why{font-style:italic;color:#555;font-size:12.5px}.muted{color:#777;font-size:12.5px}.warn{color:#c62828}
h2{font-size:18px;margin:26px 0 8px}h2 small{font-weight:400;color:#666;font-size:13px;margin-left:8px}
svg text.lbl{font-size:12px;text-anchor:end;fill:#424242}svg text.seg{font-size:11px;text-anchor:middle;fill:#fff}svg text.leg{font-size:11px;fill:#424242}
svg text.axis{font-size:11px;text-anchor:middle;fill:#424242}svg .grid{stroke:#e0e0e0}svg .target{stroke:#263238;stroke-dasharray:6 4;stroke-width:2}
code{font-size:12px;background:#f5f5f5;padding:0 3px;border-radius:3px}
@media print{.chip{display:none}header{background:#fff;color:#000}}
</style></head>
<body>
<header><h1>${esc(title)}</h1>
<div class="meta">${esc([c.vendor, c.model].filter(Boolean).join(' '))} ${esc(c.type)} · firmware ${esc(c.firmware ?? 'not stated')} · host ${esc(c.host)} · target SL ${doc.targetSL}</div>
<div class="meta">run ${esc(doc.startedAt)} → ${esc(doc.finishedAt)} · ${esc(doc.harness.name)} ${esc(doc.harness.version)} · ${esc(doc.catalog.edition)}</div>
<div class="meta">scope: ${scope}${options.allureHref ? ` · <a style="color:#80deea" href="${esc(options.allureHref)}">Allure report</a>` : ''}</div></header>
<main>
<div class="cards">
<div class="card"><h3>Verdicts by foundational requirement</h3>${verdictChart(doc)}</div>
<div class="card"><h3>Achieved SL-C per FR (dashed line: target SL ${doc.targetSL})</h3>${slChart(doc)}</div>
</div>
<div class="card"><h3>Interfaces of the component</h3><ul>${interfaceList(doc)}</ul><p class="muted">A requirement that concerns every interface passes only when each one passes or is declared; an interface with no automated check for it needs documentary evidence.</p></div>
${
  doc.failedLogins && doc.failedLogins.length > 0
    ? `<div class="card"><h3>Failed logins sent, per account</h3><table><thead><tr><th>Interface</th><th>Account</th><th>Sent</th><th>Most in a row</th></tr></thead><tbody>${doc.failedLogins
        .map((entry) => `<tr><td>${esc(entry.interface)}</td><td>${esc(entry.username)}</td><td>${entry.sent}</td><td>${entry.mostInARow}</td></tr>`)
        .join('')}</tbody></table></div>`
    : ''
}
<div id="filters">${counts}</div>
<p class="muted">Confidence (H, M, L) says how well public sources agree on a requirement's SL-C assignment; check M and L items against the standard. Click a verdict to hide or show its rows.</p>
${sections}
<section id="outstanding"><h2>Documentary evidence still to supply <small>${outstanding.length} requirement(s) without an automated verdict</small></h2><ul>${outstandingList}</ul></section>
</main>
<script>
document.querySelectorAll('.chip').forEach(function (chip) {
  chip.addEventListener('click', function () {
    chip.classList.toggle('off');
    var hidden = chip.classList.contains('off');
    document.querySelectorAll('tr.req[data-verdict="' + chip.dataset.verdict + '"]').forEach(function (row) { row.style.display = hidden ? 'none' : ''; });
  });
});
</script>
</body></html>
`;
}
