import { FUNCTIONAL_REQUIREMENTS, frLabel } from '../../core/catalog/index.js';
import { VERDICTS, type ComplianceDocument, type Verdict } from '../../core/verdict/model.js';

const ICON: Record<Verdict, string> = {
  pass: '✅ pass',
  fail: '❌ fail',
  error: '⚠️ error',
  compensated: '🛡️ compensated',
  'not-tested': '⏸️ not-tested',
  manual: '📄 manual',
  'not-applicable': '➖ not-applicable',
};

const cell = (text: string | undefined) => (text ?? '').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

export function complianceMarkdown(doc: ComplianceDocument): string {
  const lines: string[] = [];
  const c = doc.component;
  lines.push(`# IEC 62443-4-2 compliance report: ${c.name}`, '');
  lines.push(`| | |`, `|---|---|`);
  lines.push(`| Component | ${cell([c.vendor, c.model, c.name].filter(Boolean).join(' '))} (${c.type}) |`);
  if (c.firmware) lines.push(`| Firmware | ${cell(c.firmware)} |`);
  lines.push(`| Host | ${c.host} |`, `| Target SL | ${doc.targetSL} |`);
  lines.push(`| Run | ${doc.startedAt} → ${doc.finishedAt} |`, `| Harness | ${doc.harness.name} ${doc.harness.version} |`, `| Catalog | ${cell(doc.catalog.edition)} |`);
  const scope = [doc.scope.only ? `only ${doc.scope.only.join(', ')}` : '', doc.scope.protocol ? `protocol ${doc.scope.protocol}` : '', `disruptive checks ${doc.scope.disruptive ? 'on' : 'off'}`];
  if (doc.scope.interrupted) scope.push(`**stopped before the end: ${cell(doc.scope.interrupted)}**`);
  if (doc.scope.unreachable) scope.push(`**target unreachable: ${cell(doc.scope.unreachable)}**`);
  lines.push(`| Scope | ${scope.filter(Boolean).join('; ')} |`, '');

  lines.push('## Summary', '', '| Verdict | Requirements |', '|---|---|');
  for (const verdict of VERDICTS) if (doc.summary.byVerdict[verdict]) lines.push(`| ${ICON[verdict]} | ${doc.summary.byVerdict[verdict]} |`);
  lines.push('', '| FR | Achieved SL-C | ' + VERDICTS.join(' | ') + ' |', '|---|---|' + VERDICTS.map(() => '---|').join(''));
  for (const [fr, entry] of Object.entries(doc.summary.byFR)) {
    lines.push(`| ${fr} ${entry.name} | ${entry.achievedSL} | ${VERDICTS.map((verdict) => entry.verdicts[verdict] ?? 0).join(' | ')} |`);
  }
  if (doc.interfaces.length > 0) {
    lines.push('', '## Interfaces', '', '| Interface | Kind | Where |', '|---|---|---|');
    for (const entry of doc.interfaces) lines.push(`| ${cell(entry.name)} | ${cell(entry.kind)} | ${cell(entry.label)}${entry.found ? ' (found by the port scan; no endpoint declared, untested)' : ''} |`);
    lines.push('', 'A requirement that concerns every interface passes only when each one passes or is declared.');
  }
  if (doc.failedLogins && doc.failedLogins.length > 0) {
    lines.push('', '## Failed logins sent', '', '| Interface | Account | Sent | Most in a row |', '|---|---|---|---|');
    for (const entry of doc.failedLogins) lines.push(`| ${cell(entry.interface)} | ${cell(entry.username)} | ${entry.sent} | ${entry.mostInARow} |`);
  }
  lines.push('', 'Confidence (H, M, L) is how well public sources agree on the SL-C assignment; re-check M and L items against the standard.', '');

  for (const fr of Object.keys(FUNCTIONAL_REQUIREMENTS).map(Number)) {
    const mine = doc.requirements.filter((requirement) => requirement.fr === fr);
    if (mine.length === 0) continue;
    lines.push(`## ${frLabel(fr)}`, '', '| Requirement | Title | SL-C | Conf. | Verdict | Interfaces | Checks and observations |', '|---|---|---|---|---|---|---|');
    for (const requirement of mine) {
      const checks = requirement.checks
        .map((check) => `\`${check.id}\`${check.interface ? ` on ${cell(check.interface)}` : ''} ${check.status}: ${cell(check.observed ?? check.message)}`)
        .concat(requirement.rationale ? [`*${cell(requirement.rationale)}*`] : [])
        .join('<br>');
      const sl = requirement.sl.length > 1 ? `${requirement.sl[0]}-${requirement.sl.at(-1)}` : String(requirement.sl[0]);
      const interfaces = requirement.interfaces.map((entry) => `${cell(entry.name)} (${cell(entry.kind)}): ${entry.verdict}`).join('<br>');
      lines.push(`| ${requirement.id} | ${cell(requirement.title)} | ${sl} | ${requirement.confidence.level} | ${ICON[requirement.verdict]} | ${interfaces} | ${checks} |`);
    }
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

