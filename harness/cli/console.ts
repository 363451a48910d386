import type { Check } from '../../core/check.js';
import { findRequirement, frLabel } from '../../core/catalog/index.js';
import type { CheckResult } from '../run/execute.js';
import type { ComplianceDocument } from '../../core/verdict/model.js';
import { VERDICTS } from '../../core/verdict/model.js';

const useColor = process.stderr.isTTY && !process.env.NO_COLOR;
const paint = (code: number) => (text: string) => (useColor ? `\u001b[${code}m${text}\u001b[0m` : text);
export const green = paint(32);
export const red = paint(31);
export const yellow = paint(33);
export const dim = paint(2);
export const bold = paint(1);

const STATUS: Record<string, (text: string) => string> = {
  pass: green,
  fail: red,
  error: yellow,
  compensated: green,
  'not-tested': dim,
  manual: dim,
  'not-applicable': dim,
};
const MARK: Record<string, string> = { pass: '✔', fail: '✘', error: '!', 'not-tested': '-', 'not-applicable': '·' };

/** Progress grouped by FR and requirement, written to stderr so stdout stays for the result lines. */
export class ConsoleProgress {
  private lastFr = -1;
  private lastRequirement = '';
  private readonly write: (line: string) => void;

  constructor(write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)) {
    this.write = write;
  }

  checkStart(check: Check, index: number, total: number): void {
    const requirementId = check.enhancement === undefined ? check.requirement : `${check.requirement} RE(${check.enhancement})`;
    const item = findRequirement(requirementId);
    if (item && item.fr !== this.lastFr) {
      this.lastFr = item.fr;
      this.write(bold(frLabel(item.fr)));
    }
    if (requirementId !== this.lastRequirement) {
      this.lastRequirement = requirementId;
      this.write(`  ${requirementId} ${item?.title ?? ''}`);
    }
    if (process.stderr.isTTY) process.stderr.write(dim(`    [${index}/${total}] ${check.title}…\r`));
  }

  checkEnd(result: CheckResult, check: Check, index: number, total: number): void {
    if (process.stderr.isTTY) process.stderr.write('\u001b[2K');
    const paintStatus = STATUS[result.status] ?? ((text: string) => text);
    const seconds = (result.durationMs / 1000).toFixed(1);
    this.write(`    ${paintStatus(`${MARK[result.status] ?? '?'} ${result.status.padEnd(14)}`)} ${dim(`[${index}/${total}]`)} ${check.title} ${dim(`(${check.id}, ${seconds} s)`)}`);
    const detail = result.observed ?? result.message;
    if (detail) this.write(`      ${dim(detail)}`);
  }

  summary(document: ComplianceDocument): void {
    this.write('');
    this.write(bold(`Requirements of ${document.component.name} at target SL ${document.targetSL}:`));
    this.write(
      '  ' +
        VERDICTS.filter((verdict) => document.summary.byVerdict[verdict])
          .map((verdict) => (STATUS[verdict] ?? ((text: string) => text))(`${verdict} ${document.summary.byVerdict[verdict]}`))
          .join(', '),
    );
    for (const [fr, entry] of Object.entries(document.summary.byFR)) {
      this.write(`  ${fr.padEnd(5)} ${entry.name.padEnd(45)} achieved SL-C ${entry.achievedSL}`);
    }
    const failed = document.requirements.filter((requirement) => requirement.verdict === 'fail');
    if (failed.length) this.write(red(`  not met: ${failed.map((requirement) => requirement.id).join(', ')}`));
  }
}
