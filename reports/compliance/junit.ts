import type { ComplianceDocument } from '../../core/verdict/model.js';

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
      out.push(`    <testcase classname="${xml(requirement.id)}" name="${xml(`${check.id}: ${check.title}${check.interface ? ` [${check.interface}]` : ''}`)}" time="${(check.durationMs / 1000).toFixed(3)}">`);
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
