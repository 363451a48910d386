import type { Check, ProgressUpdate } from '../../core/check.js';
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

/**
 * A terminal gets a live status line for the running check (what runs, elapsed, what remains, the rate), redrawn in
 * place and cleared when the check ends; CI logs and pipes get one line per check and no control characters.
 */
export function wantsLiveStatus(stream: NodeJS.WriteStream = process.stderr, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.CI && env.TERM !== 'dumb';
}

/** Progress grouped by FR and requirement, written to stderr so stdout stays for the result lines. */
export class ConsoleProgress {
  private lastFr = -1;
  private lastRequirement = '';
  private readonly write: (line: string) => void;
  private readonly live: boolean;
  private status?: { title: string; position: string; started: number; update?: ProgressUpdate; timer: NodeJS.Timeout };

  constructor(write: (line: string) => void = (line) => process.stderr.write(`${line}\n`), live = wantsLiveStatus()) {
    this.write = write;
    this.live = live;
  }

  private draw(): void {
    if (!this.status) return;
    const { title, position, started, update } = this.status;
    const parts = [`${((Date.now() - started) / 1000).toFixed(0)} s`];
    if (update) {
      parts.push(update.phase);
      if (update.done !== undefined) parts.push(update.total !== undefined ? `${update.done}/${update.total}` : String(update.done));
      if (update.ratePerSecond !== undefined) parts.push(`${Math.round(update.ratePerSecond)}/s`);
      if (update.remainingMs !== undefined) parts.push(`${Math.ceil(update.remainingMs / 1000)} s left`);
    }
    // A pseudo-terminal may report no size; the status then assumes a common width. The title gives way first.
    const width = Math.max(40, (process.stderr.columns || Number(process.env.COLUMNS) || 100) - 5);
    const tail = ` · ${parts.join(' · ')}`;
    const room = Math.max(10, width - position.length - 1 - tail.length);
    const shown = title.length > room ? `${title.slice(0, room - 1)}…` : title;
    process.stderr.write(`\r\u001b[2K    ${dim(`${position} ${shown}${tail}`.slice(0, width))}`);
  }

  /** The running check reports how far it has come (ctx.progress). */
  progress(update: ProgressUpdate): void {
    if (!this.status) return;
    this.status.update = update;
    this.draw();
  }

  private clearStatus(): void {
    if (!this.status) return;
    clearInterval(this.status.timer);
    this.status = undefined;
    process.stderr.write('\r\u001b[2K');
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
    if (this.live) {
      this.clearStatus();
      this.status = { title: `${check.title}…`, position: `[${index}/${total}]`, started: Date.now(), timer: setInterval(() => this.draw(), 1_000) };
      this.status.timer.unref();
      this.draw();
    }
  }

  checkEnd(result: CheckResult, check: Check, index: number, total: number): void {
    this.clearStatus();
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
      const documents = entry.awaitingDocuments ? `; automated evidence supports ${entry.automatedSL}, ${entry.awaitingDocuments} requirement(s) await documents` : '';
      this.write(`  ${fr.padEnd(5)} ${entry.name.padEnd(45)} achieved SL-C ${entry.achievedSL}${documents}`);
    }
    const failed = document.requirements.filter((requirement) => requirement.verdict === 'fail');
    if (failed.length) this.write(red(`  not met: ${failed.map((requirement) => requirement.id).join(', ')}`));
  }
}
