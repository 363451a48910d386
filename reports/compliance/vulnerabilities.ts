import type { ComplianceDocument, KnownVulnerabilities, KnownVulnerability } from '../../core/verdict/model.js';
import { escapeHtml as esc } from '../html/escape.js';

/** The "Known vulnerabilities" section of compliance.md, compliance.html and results.sarif, from the finished document. */

/** How a vulnerability stands for this component, in words, with the profile's declaration applied. */
export function vulnerabilityVerdict(entry: KnownVulnerability): { label: string; tone: 'bad' | 'declared' | 'good' | 'review' } {
  if (entry.status === 'affected') {
    if (entry.declaration?.verdict === 'compensated') return { label: 'compensated (declared mitigated)', tone: 'declared' };
    if (entry.declaration?.verdict === 'not-applicable') return { label: 'not applicable (declared)', tone: 'declared' };
    return { label: 'affected', tone: 'bad' };
  }
  if (entry.status === 'fixed') return { label: `fixed in this version${entry.fixedIn.length ? ` (fixed in ${entry.fixedIn.join(', ')})` : ''}`, tone: 'good' };
  if (entry.status === 'not-affected') return { label: 'not affected', tone: 'good' };
  if (entry.status === 'under-investigation') return { label: 'under investigation by the vendor', tone: 'review' };
  return { label: 'possibly affected (version not comparable)', tone: 'review' };
}

export const cvssText = (entry: KnownVulnerability): string =>
  entry.cvss
    ? `${entry.cvss.baseScore.toFixed(1)} ${entry.cvss.severity} (CVSS ${entry.cvss.version})${entry.cvss.statedBaseScore !== undefined ? `; the advisory states ${entry.cvss.statedBaseScore}` : ''}`
    : 'no CVSS score';

export const remediationText = (entry: KnownVulnerability): string =>
  entry.remediations.map((remediation) => `${remediation.category.replace(/_/g, ' ')}: ${remediation.details}${remediation.url ? ` (${remediation.url})` : ''}`).join(' ');

export const matchText = (entry: KnownVulnerability): string[] =>
  entry.matches.map(
    (match) => `${match.identity.source}${match.identity.interface ? ` on ${match.identity.interface}` : ''} → ${match.advisory} product ${match.productId} (${match.product}): ${match.vendor}; ${match.productName}; ${match.version}`,
  );

const identityText = (identity: KnownVulnerabilities['identities'][number]): string =>
  `${identity.source}${identity.interface ? ` on ${identity.interface}` : ''}: ${[identity.vendor, ...identity.products, identity.version]
    .filter((value) => value !== undefined)
    .map((value) => `${value.field}="${value.value}"`)
    .join(', ')}`;

const summaryText = (known: KnownVulnerabilities): string => {
  const s = known.summary;
  return `${s.affected} affecting (${s.unmitigatedHighRisk} unmitigated with CVSS ≥ 7.0, ${s.mitigated} declared mitigated), ${s.fixed} fixed in this version, ${s['under-investigation']} under investigation, ${s['possibly-affected']} possibly affecting, ${s['not-affected']} not affecting`;
};

const cell = (text: string | undefined) => (text ?? '').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

export function vulnerabilitiesMarkdown(doc: ComplianceDocument): string[] {
  const known = doc.vulnerabilities;
  if (!known) return [];
  const lines = ['## Known vulnerabilities', ''];
  lines.push(`${summaryText(known)}; from ${known.advisories.length} CSAF advisories in \`${cell(known.folder)}\`.`, '');
  if (known.vulnerabilities.length > 0) {
    lines.push('| Vulnerability | Title | CVSS base | Status for this component | Advisory | Remediation | Why it matches |', '|---|---|---|---|---|---|---|');
    for (const entry of known.vulnerabilities) {
      const verdict = vulnerabilityVerdict(entry);
      const status = `**${verdict.label}**${entry.declaration ? `: ${cell(entry.declaration.rationale)}` : ''}`;
      const advisory = `${cell(entry.advisory.id)} (${entry.advisory.released.slice(0, 10)}, ${cell(entry.advisory.publisher)})${entry.alsoIn?.length ? `; also ${entry.alsoIn.map((other) => cell(other.id)).join(', ')}` : ''}`;
      lines.push(`| ${cell(entry.id)} | ${cell(entry.title)} | ${cell(cvssText(entry))} | ${status} | ${advisory} | ${cell(remediationText(entry))} | ${matchText(entry).map(cell).join('<br>')} |`);
    }
  } else {
    lines.push('No advisory names this component.');
  }
  lines.push('', `Identities matched: ${known.identities.map((identity) => cell(identityText(identity))).join('; ') || 'none (the device reported none and the profile states no vendor and model)'}.`);
  if (known.unusedDeclarations.length > 0) lines.push('', `Declared in the profile but named by no advisory here: ${known.unusedDeclarations.join(', ')}.`);
  if (known.problems.length > 0) {
    lines.push('', '| Advisory file | Problem |', '|---|---|');
    for (const problem of known.problems) lines.push(`| ${cell(problem.file)} | ${problem.kind}: ${cell(problem.message)} |`);
  }
  lines.push('', `Validation: ${cell(known.validation)}.`, '');
  return lines;
}

const TONE_COLOR = { bad: '#c62828', declared: '#00838f', good: '#2e7d32', review: '#ef6c00' } as const;

export function vulnerabilitiesHtml(doc: ComplianceDocument): string {
  const known = doc.vulnerabilities;
  if (!known) return '';
  const rows = known.vulnerabilities
    .map((entry) => {
      const verdict = vulnerabilityVerdict(entry);
      const advisory = `${entry.advisory.url ? `<a href="${esc(entry.advisory.url)}">${esc(entry.advisory.id)}</a>` : esc(entry.advisory.id)}<div class="muted">${esc(entry.advisory.title)}; ${esc(entry.advisory.publisher)}, released ${esc(entry.advisory.released.slice(0, 10))}, file ${esc(entry.advisory.file)}</div>${
        entry.alsoIn?.length ? `<div class="muted">also in ${entry.alsoIn.map((other) => esc(other.id)).join(', ')}</div>` : ''
      }`;
      return `<tr class="vuln" data-status="${esc(entry.status)}"><td class="id">${esc(entry.id)}</td><td>${esc(entry.title)}</td><td class="sl" title="${esc(entry.cvss?.vector ?? '')}">${esc(cvssText(entry))}</td><td><span class="badge" style="--c:${TONE_COLOR[verdict.tone]}">${esc(verdict.label)}</span>${
        entry.declaration ? `<div class="why">${esc(entry.declaration.rationale)}</div>` : ''
      }</td><td>${advisory}</td><td>${esc(remediationText(entry))}</td><td class="muted">${matchText(entry).map(esc).join('<br>')}</td></tr>`;
    })
    .join('');
  const table = rows
    ? `<table><thead><tr><th>Vulnerability</th><th>Title</th><th>CVSS base</th><th>Status for this component</th><th>Advisory</th><th>Remediation</th><th>Why it matches</th></tr></thead><tbody>${rows}</tbody></table>`
    : '<p>No advisory names this component.</p>';
  const problems = known.problems.length
    ? `<table><thead><tr><th>Advisory file</th><th>Problem</th></tr></thead><tbody>${known.problems
        .map((problem) => `<tr><td>${esc(problem.file)}</td><td><b${problem.kind === 'warning' || problem.kind === 'superseded' ? '' : ' class="warn"'}>${esc(problem.kind)}</b>: ${esc(problem.message)}</td></tr>`)
        .join('')}</tbody></table>`
    : '';
  const identities = known.identities.map((identity) => `<li>${esc(identityText(identity))}</li>`).join('');
  return `<section id="known-vulnerabilities"><h2>Known vulnerabilities <small>${esc(summaryText(known))}</small></h2>
<p class="muted">${known.advisories.length} CSAF advisories from ${esc(known.folder)}. Validation: ${esc(known.validation)}.</p>
${table}
<div class="card"><h3>Identities matched</h3><ul>${identities || '<li>none: the device reported none and the profile states no vendor and model</li>'}</ul>${
    known.unusedDeclarations.length ? `<p class="muted">Declared in the profile but named by no advisory here: ${esc(known.unusedDeclarations.join(', '))}</p>` : ''
  }</div>
${problems}</section>`;
}

/** SARIF rules and results: one rule per vulnerability, one result unless it is fixed or not affecting. */
export function vulnerabilitiesSarif(doc: ComplianceDocument, location: object[]): { rules: object[]; results: object[] } {
  const known = doc.vulnerabilities;
  if (!known) return { rules: [], results: [] };
  const rules: object[] = [];
  const results: object[] = [];
  for (const entry of known.vulnerabilities) {
    if (entry.status === 'fixed' || entry.status === 'not-affected') continue;
    const verdict = vulnerabilityVerdict(entry);
    rules.push({
      id: entry.id,
      name: entry.title,
      shortDescription: { text: `${entry.id}: ${entry.title}` },
      fullDescription: { text: `${entry.title} (${entry.advisory.id}, ${entry.advisory.publisher})` },
      ...(entry.advisory.url ? { helpUri: entry.advisory.url } : {}),
      properties: { tags: ['security', 'known-vulnerability'], ...(entry.cvss ? { 'security-severity': entry.cvss.baseScore.toFixed(1) } : {}) },
    });
    const level = verdict.tone === 'declared' ? 'note' : verdict.tone === 'review' ? 'warning' : entry.cvss && entry.cvss.baseScore < 4 ? 'warning' : 'error';
    results.push({
      ruleId: entry.id,
      level,
      message: { text: `${entry.id} ${verdict.label}${entry.declaration ? `: ${entry.declaration.rationale}` : ''}; CVSS ${cvssText(entry)}; ${matchText(entry).join(' | ')}` },
      locations: location,
      properties: {
        status: entry.status,
        advisory: entry.advisory.id,
        released: entry.advisory.released,
        ...(entry.cvss ? { cvss: entry.cvss } : {}),
        ...(entry.declaration ? { declaration: entry.declaration } : {}),
        ...(entry.fixedIn.length ? { fixedIn: entry.fixedIn } : {}),
      },
    });
  }
  return { rules, results };
}
