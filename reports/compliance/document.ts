import { FUNCTIONAL_REQUIREMENTS, frLabel } from '../../core/catalog/index.js';
import type { Profile } from '../../core/profile/schema.js';
import { achievedSL, countBy, VERDICTS, type RequirementVerdict, type Verdict } from './verdicts.js';

export interface ComplianceDocument {
  harness: { name: string; version: string };
  catalog: { edition: string };
  component: Profile['component'] & { host: string };
  targetSL: number;
  startedAt: string;
  finishedAt: string;
  /** How the run was limited (--only, --protocol, --disruptive); absent fields mean no limit. */
  scope: { only?: string[]; protocol?: string; disruptive: boolean; interrupted?: string; unreachable?: string };
  requirements: RequirementVerdict[];
  summary: {
    byVerdict: Partial<Record<Verdict, number>>;
    byFR: Record<string, { name: string; achievedSL: number; verdicts: Partial<Record<Verdict, number>> }>;
  };
}

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
  lines.push('', 'Confidence (H, M, L) is how well public sources agree on the SL-C assignment; re-check M and L items against the standard.', '');

  for (const fr of Object.keys(FUNCTIONAL_REQUIREMENTS).map(Number)) {
    const mine = doc.requirements.filter((requirement) => requirement.fr === fr);
    if (mine.length === 0) continue;
    lines.push(`## ${frLabel(fr)}`, '', '| Requirement | Title | SL-C | Conf. | Verdict | Checks and observations |', '|---|---|---|---|---|---|');
    for (const requirement of mine) {
      const checks = requirement.checks
        .map((check) => `\`${check.id}\` ${check.status}: ${cell(check.observed ?? check.message)}`)
        .concat(requirement.rationale ? [`*${cell(requirement.rationale)}*`] : [])
        .join('<br>');
      const sl = requirement.sl.length > 1 ? `${requirement.sl[0]}-${requirement.sl.at(-1)}` : String(requirement.sl[0]);
      lines.push(`| ${requirement.id} | ${cell(requirement.title)} | ${sl} | ${requirement.confidence.level} | ${ICON[requirement.verdict]} | ${checks} |`);
    }
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

const xml = (text: string) =>
  text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // XML 1.0 forbids most control characters even when escaped.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '');

/** JUnit XML with one testsuite per requirement and one testcase per check, for CI systems. */
export function complianceJUnit(doc: ComplianceDocument): string {
  const suites = doc.requirements.filter((requirement) => requirement.checks.length > 0 || requirement.verdict === 'manual' || requirement.verdict === 'compensated');
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const all = suites.flatMap((requirement) => requirement.checks);
  const count = (status: string) => all.filter((check) => check.status === status).length;
  const skippedTotal = all.length - count('pass') - count('fail') - count('error');
  out.push(
    `<testsuites name="${xml(`IEC 62443-4-2 ${doc.component.name}`)}" tests="${all.length}" failures="${count('fail')}" errors="${count('error')}" skipped="${skippedTotal}" timestamp="${doc.startedAt}">`,
  );
  for (const requirement of suites) {
    const checks = requirement.checks;
    const failures = checks.filter((check) => check.status === 'fail').length;
    const errors = checks.filter((check) => check.status === 'error').length;
    const skipped = checks.length - failures - errors - checks.filter((check) => check.status === 'pass').length;
    const time = checks.reduce((sum, check) => sum + check.durationMs, 0) / 1000;
    out.push(
      `  <testsuite name="${xml(`${requirement.id} ${requirement.title}`)}" tests="${checks.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${time.toFixed(3)}">`,
      `    <properties><property name="verdict" value="${requirement.verdict}"/><property name="fr" value="FR ${requirement.fr}"/><property name="sl" value="${requirement.sl.join(',')}"/>${requirement.rationale ? `<property name="rationale" value="${xml(requirement.rationale)}"/>` : ''}</properties>`,
    );
    for (const check of checks) {
      out.push(`    <testcase classname="${xml(requirement.id)}" name="${xml(`${check.id}: ${check.title}`)}" time="${(check.durationMs / 1000).toFixed(3)}">`);
      const text = xml(`expected: ${check.expectation}\nobserved: ${check.observed ?? check.message ?? ''}`);
      if (check.status === 'fail') out.push(`      <failure message="${xml(check.observed ?? 'requirement not met')}" type="requirement-not-met">${text}</failure>`);
      else if (check.status === 'error') out.push(`      <error message="${xml(check.message ?? 'error')}" type="harness-or-target-error">${text}</error>`);
      else if (check.status !== 'pass') out.push(`      <skipped message="${xml(`${check.status}: ${check.message ?? ''}`)}"/>`);
      else out.push(`      <system-out>${text}</system-out>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}
