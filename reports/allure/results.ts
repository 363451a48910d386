import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { requirementIdOf, type Check, type CheckResult } from '../../core/check.js';
import { findRequirement, frLabel } from '../../core/catalog/index.js';
import type { Profile } from '../../core/profile/schema.js';
import type { ComponentInterface } from '../../core/protocol.js';
import type { Redactor } from '../../core/evidence/redact.js';
import { HARNESS } from '../../core/version.js';
import type { AllureAttachment, AllureLabel, AllureParameter, AllureSeverity, AllureStatus, AllureTestResult } from './format.js';
import { vulnerabilityCategories } from './vulnerabilities.js';

/**
 * The check results of a run as Allure result files (allure-results/), written by the harness itself rather than by
 * mocha and allure-mocha, whose loading alone took a fifth of a short run. The identities are computed as allure-mocha
 * 3.12 computed them, so that Allure's history and trends carry on from runs recorded that way: a check keeps its
 * testCaseId and historyId.
 */

/** Allure severity from the lowest SL that requires the item: what SL 1 requires matters most. */
function severityFor(sl: number[]): AllureSeverity {
  const lowest = Math.min(...sl);
  return lowest <= 1 ? 'critical' : lowest === 2 ? 'normal' : lowest === 3 ? 'minor' : 'trivial';
}

function targetIdentity(profile: Profile): string {
  const c = profile.component;
  return [c.vendor, c.model, c.name, c.firmware ? `fw ${c.firmware}` : undefined, `@ ${profile.host}`].filter(Boolean).join(' ');
}

const categories = [
  ...vulnerabilityCategories,
  { name: 'Requirement not met', matchedStatuses: ['failed'] },
  { name: 'Harness or target error', matchedStatuses: ['broken'] },
  { name: 'Not tested (disruptive off, interrupted, or declared)', matchedStatuses: ['skipped'] },
];

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/**
 * Where a test sits: the check's file and its suites (FR, then requirement). allure-mocha named the file relative to
 * the package.json nearest the working folder and prefixed that package's name, so the same check had other ids when
 * run from another folder; the harness's own name and the compiled file name are used here wherever it runs.
 */
export interface TestPlace {
  /** The check's file relative to its root, e.g. "suites/fr4/tls-cryptography-versions-and-suites.check.ts". */
  file: string;
  /** The FR's title, then the requirement's ("CR 4.3 Use of cryptography"). */
  suites: [string, string];
  /** The test's title: the check's, with the interface in brackets when the check ran on several. */
  name: string;
}

/** The suites a check's test is filed under: its FR, then its requirement (or enhancement) with its title. */
export function suitesOf(check: Check): [string, string] {
  const id = requirementIdOf(check);
  const item = findRequirement(id);
  return [frLabel(item?.fr ?? 0), `${id} ${item?.title ?? ''}`.trim()];
}

export function testIdentity({ file, suites, name }: TestPlace): { fullName: string; testCaseId: string; fallbackTestCaseId: string; packageName: string; titlePath: string[] } {
  const path = file.replaceAll('\\', '/').replace(/\.ts$/, '.js');
  const project = HARNESS.name;
  return {
    fullName: `${project}:${path}: ${[...suites, name].join(' > ')}`,
    testCaseId: md5(JSON.stringify([`${project}:${path}`, ...suites, name])),
    fallbackTestCaseId: md5(JSON.stringify([path, ...suites, name])),
    packageName: [project, ...path.split('/')].join('.'),
    titlePath: [project, ...path.split('/'), ...suites],
  };
}

/** Allure's history key: the test case and the values of its parameters, as allure-js-commons computes it. */
export function historyIdOf(testCaseId: string, parameters: AllureParameter[]): string {
  const values = parameters
    .filter((parameter) => !parameter.excluded)
    .sort((a, b) => a.name.localeCompare(b.name) || a.value.localeCompare(b.value))
    .map((parameter) => `${parameter.name}:${parameter.value}`)
    .join(',');
  return `${testCaseId}:${md5(values)}`;
}

/** Allure's test id in the rendered report: the single-file report routes a test as index.html#/<md5 of its uuid>. */
export const allureTestId = (uuid: string) => md5(uuid);

const EXTENSION_OF: Record<string, string> = {
  'application/json': 'json',
  'application/x-pem-file': 'pem',
  'image/svg+xml': 'svg',
  'text/csv': 'csv',
  'text/markdown': 'md',
  'text/plain': 'txt',
};

export interface RecordedCheck {
  check: Check;
  result: CheckResult;
  /** The check's file relative to its root. */
  file: string;
  /** The test's title (TestPlace.name). */
  name: string;
  target?: ComponentInterface;
}

/** Writes allure-results/: one result file per check and interface, its attachments, the environment and categories. */
export class AllureResultsWriter {
  private readonly host = process.env.ALLURE_HOST_NAME ?? hostname();
  /** ALLURE_LABEL_<name>=<value> in the environment adds a label to every result, as Allure's own reporters do. */
  private readonly environmentLabels = Object.entries(process.env)
    .filter(([key, value]) => key.startsWith('ALLURE_LABEL_') && key.length > 'ALLURE_LABEL_'.length && value)
    .map(([key, value]) => ({ name: key.slice('ALLURE_LABEL_'.length).trim(), value: value! }));

  constructor(
    private readonly dir: string,
    private readonly profile: Profile,
    private readonly redactor: Redactor,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  writeRunInfo(environment: Record<string, string>): void {
    const lines = Object.entries(environment).map(([key, value]) => `${propertiesText(key, 'key')}=${propertiesText(value, 'value')}`);
    writeFileSync(join(this.dir, 'environment.properties'), lines.join('\n'));
    writeFileSync(join(this.dir, 'categories.json'), JSON.stringify(categories));
  }

  /** Writes one check's result; returns its id in the rendered report. */
  write({ check, result, file, name, target }: RecordedCheck): string {
    const uuid = randomUUID();
    const suites = suitesOf(check);
    const identity = testIdentity({ file, suites, name });
    const item = findRequirement(requirementIdOf(check));
    const parameters: AllureParameter[] = [
      { name: 'target', value: targetIdentity(this.profile) },
      ...(target ? [{ name: 'interface', value: `${target.name} (${target.label})` }] : []),
    ];
    const labels: AllureLabel[] = [
      ...this.environmentLabels,
      { name: 'language', value: 'javascript' },
      { name: 'framework', value: HARNESS.name },
      { name: 'host', value: this.host },
      // Allure's timeline draws one row per host and thread: here, one per interface.
      { name: 'thread', value: target?.name ?? 'not run' },
      { name: 'package', value: identity.packageName },
      { name: '_fallbackTestCaseId', value: identity.fallbackTestCaseId },
      { name: 'epic', value: suites[0] },
      { name: 'feature', value: `${check.requirement} ${findRequirement(check.requirement)?.title ?? ''}`.trim() },
      ...(check.enhancement !== undefined ? [{ name: 'story', value: suites[1] }] : []),
      { name: 'severity', value: severityFor(check.sl) },
      ...[...check.sl.map((level) => `SL${level}`), check.protocol, ...(check.disruptive ? ['disruptive'] : [])].map((value) => ({ name: 'tag', value })),
      { name: 'requirement', value: requirementIdOf(check) },
      { name: 'checkId', value: check.id },
      ...(item ? [{ name: 'confidence', value: item.confidence.level }] : []),
      ...(target ? [{ name: 'interface', value: target.name }] : []),
      { name: 'parentSuite', value: suites[0] },
      { name: 'suite', value: suites[1] },
    ];
    const observed = this.redactor.text(result.observed ?? result.message ?? '');
    const message = this.statusMessage(result, check, observed);
    // The timeline shows when the check ran and beside which others.
    const start = Date.parse(result.startedAt);
    const record: AllureTestResult = {
      uuid,
      name,
      fullName: identity.fullName,
      testCaseId: identity.testCaseId,
      historyId: historyIdOf(identity.testCaseId, parameters),
      status: STATUS[result.status],
      statusDetails: { ...(message !== undefined ? { message } : {}) },
      stage: 'finished',
      description: `**Expected:** ${result.expectation}\n\n**Observed:** ${observed}`,
      start,
      stop: start + result.durationMs,
      labels,
      links: [],
      parameters,
      steps: [],
      attachments: this.attachments(result),
      titlePath: identity.titlePath,
    };
    writeFileSync(join(this.dir, `${uuid}-result.json`), JSON.stringify(record));
    return allureTestId(uuid);
  }

  private statusMessage(result: CheckResult, check: Check, observed: string): string | undefined {
    if (result.status === 'pass') return undefined;
    if (result.status === 'fail') return `${requirementIdOf(check)} not met\nexpected: ${check.expectation}\nobserved: ${observed}`;
    if (result.status === 'error') return `no verdict: ${observed}`;
    return `${result.status}: ${observed}`;
  }

  private attachments(result: CheckResult): AllureAttachment[] {
    const files: Array<{ name: string; type: string; extension: string; content: string | Buffer }> = [
      ...result.attachments.map((attachment) => ({
        name: attachment.name,
        type: attachment.contentType,
        extension: attachment.extension ?? EXTENSION_OF[attachment.contentType] ?? 'bin',
        content: this.redactor.content(attachment.content),
      })),
      ...(result.transcript.length > 0 ? [{ name: 'Step transcript', type: 'text/plain', extension: 'txt', content: this.redactor.text(result.transcript.join('\n')) }] : []),
      ...(result.details !== undefined ? [{ name: 'Observations', type: 'application/json', extension: 'json', content: JSON.stringify(this.redactor.value(result.details), null, 2) }] : []),
    ];
    return files.map(({ name, type, extension, content }) => {
      const source = `${randomUUID()}-attachment.${extension}`;
      writeFileSync(join(this.dir, source), content);
      return { name, source, type };
    });
  }
}

const STATUS: Record<CheckResult['status'], AllureStatus> = {
  pass: 'passed',
  fail: 'failed',
  error: 'broken',
  'not-applicable': 'skipped',
  'not-tested': 'skipped',
};

/**
 * Java properties escaping, which Allure reads environment.properties with: backslash, control characters and
 * anything beyond ASCII are escaped in both; a key also escapes its separators and spaces, a value its leading ones.
 */
function propertiesText(text: string, part: 'key' | 'value'): string {
  let leading = true;
  return [...text]
    .map((char) => {
      const code = char.charCodeAt(0);
      const blank = char === ' ' || char === '\t' || char === '\f';
      leading &&= blank;
      if (char === ' ') return part === 'key' || leading ? '\\ ' : ' ';
      if (char === '\\') return '\\\\';
      if (part === 'key' && (char === '=' || char === ':')) return `\\${char}`;
      const named = ({ '\t': 't', '\n': 'n', '\f': 'f', '\r': 'r' } as Record<string, string>)[char];
      if (named) return `\\${named}`;
      if (code < 32 || code > 126) return char.split('').map((unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
      return char;
    })
    .join('');
}
