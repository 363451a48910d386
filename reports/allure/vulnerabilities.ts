import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ComplianceDocument, CvssScore, KnownVulnerability } from '../../core/verdict/model.js';
import { cvssText, matchText, remediationText, vulnerabilityVerdict } from '../compliance/vulnerabilities.js';
import type { AllureLabel, AllureSeverity, AllureStatus, AllureTestResult } from './format.js';

/** Every message of a vulnerability result starts so; the categories below match on it. */
export const VULNERABILITY_MESSAGE_PREFIX = 'Known vulnerability';

/** Allure categories of known vulnerabilities; they go before the requirement categories, which match any failure. */
export const vulnerabilityCategories = [
  { name: 'Known vulnerability affecting this version', matchedStatuses: ['failed'], messageRegex: `^${VULNERABILITY_MESSAGE_PREFIX}[\\s\\S]*` },
  { name: 'Known vulnerability to review (under investigation, version not comparable)', matchedStatuses: ['broken'], messageRegex: `^${VULNERABILITY_MESSAGE_PREFIX}[\\s\\S]*` },
];

const SEVERITY: Record<CvssScore['severity'], AllureSeverity> = { CRITICAL: 'blocker', HIGH: 'critical', MEDIUM: 'normal', LOW: 'minor', NONE: 'trivial' };

function statusOf(entry: KnownVulnerability): AllureStatus {
  const { tone } = vulnerabilityVerdict(entry);
  return tone === 'bad' ? 'failed' : tone === 'review' ? 'broken' : 'passed';
}

function resultOf(doc: ComplianceDocument, entry: KnownVulnerability, at: number): AllureTestResult {
  const verdict = vulnerabilityVerdict(entry);
  const component = `${doc.component.name} @ ${doc.component.host}`;
  const labels: AllureLabel[] = [
    { name: 'epic', value: 'Known vulnerabilities' },
    { name: 'feature', value: `${entry.advisory.id} ${entry.advisory.title}` },
    { name: 'story', value: entry.id },
    { name: 'severity', value: entry.cvss ? SEVERITY[entry.cvss.severity] : 'normal' },
    { name: 'tag', value: 'known-vulnerability' },
    { name: 'tag', value: entry.status },
    ...(entry.declaration ? [{ name: 'tag', value: `declared ${entry.declaration.verdict}` }] : []),
    { name: 'vulnerability', value: entry.id },
  ];
  const links: AllureTestResult['links'] = [
    ...(entry.advisory.url ? [{ name: entry.advisory.id, url: entry.advisory.url, type: 'link' }] : []),
    ...(entry.cve ? [{ name: entry.cve, url: `https://www.cve.org/CVERecord?id=${entry.cve}`, type: 'issue' }] : []),
  ];
  const message = `${VULNERABILITY_MESSAGE_PREFIX} ${entry.id}: ${verdict.label}${entry.declaration ? ` (${entry.declaration.rationale})` : ''}; CVSS ${cvssText(entry)}`;
  const description = [
    `**Advisory:** ${entry.advisory.id} (${entry.advisory.publisher}, released ${entry.advisory.released}, file ${entry.advisory.file})`,
    `**Status for this component:** ${verdict.label}${entry.declaration ? `: ${entry.declaration.rationale}` : ''}`,
    `**CVSS:** ${cvssText(entry)}${entry.cvss ? ` ${entry.cvss.vector}` : ''}`,
    ...(entry.remediations.length ? [`**Remediation:** ${remediationText(entry)}`] : []),
    `**Why it matches:**\n${matchText(entry).map((line) => `- ${line}`).join('\n')}`,
  ].join('\n\n');
  return {
    uuid: randomUUID(),
    historyId: createHash('md5').update(`known-vulnerability\n${entry.id}`).digest('hex'),
    testCaseId: createHash('md5').update(`known-vulnerability\n${entry.id}`).digest('hex'),
    name: `${entry.id} ${entry.title}`,
    fullName: `Known vulnerabilities: ${entry.id} on ${component}`,
    status: statusOf(entry),
    statusDetails: { message },
    stage: 'finished',
    description,
    start: at,
    stop: at,
    labels,
    links,
    parameters: [{ name: 'target', value: component }],
    steps: [],
    attachments: [],
  };
}

/** One Allure result per known vulnerability of the finished document, beside the checks' results. */
export function writeVulnerabilityResults(doc: ComplianceDocument, resultsDir: string): number {
  const known = doc.vulnerabilities;
  if (!known || known.vulnerabilities.length === 0) return 0;
  mkdirSync(resultsDir, { recursive: true });
  const at = Date.parse(doc.finishedAt) || Date.now();
  for (const entry of known.vulnerabilities) {
    const result = resultOf(doc, entry, at);
    writeFileSync(join(resultsDir, `${result.uuid}-result.json`), JSON.stringify(result, null, 2));
  }
  return known.vulnerabilities.length;
}
