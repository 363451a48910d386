import { requirementIdOf, type Check, type ProgressUpdate } from '../../core/check.js';
import type { CheckResult } from '../run/execute.js';
import type { ComplianceDocument } from '../../core/verdict/model.js';
import { VERDICTS } from '../../core/verdict/model.js';

const runKey = (check: Check, target?: { name: string }) => `${check.id}@${target?.name ?? ''}`;

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

interface RunningCheck {
  title: string;
  started: number;
  update?: ProgressUpdate;
  updatedAt: number;
}

/**
 * One line per check as it ends, written to stderr so stdout stays for the result lines. Checks of different interfaces
 * run at once, so each line says which requirement and interface it is about instead of sitting under a heading.
 */
export class ConsoleProgress {
  private readonly write: (line: string) => void;
  private readonly live: boolean;
  private readonly running = new Map<string, RunningCheck>();
  private ended = 0;
  private total = 0;
  private timer?: NodeJS.Timeout;

  constructor(write: (line: string) => void = (line) => process.stderr.write(`${line}\n`), live = wantsLiveStatus()) {
    this.write = write;
    this.live = live;
  }

  /** The status line follows the check that reported last; the others are counted. */
  private draw(): void {
    const shown = [...this.running.values()].sort((a, b) => b.updatedAt - a.updatedAt)[0];
    if (!shown) return;
    const { title, started, update } = shown;
    const parts = [`${((Date.now() - started) / 1000).toFixed(0)} s`];
    if (update) {
      parts.push(update.phase);
      if (update.done !== undefined) parts.push(update.total !== undefined ? `${update.done}/${update.total}` : String(update.done));
      if (update.ratePerSecond !== undefined) parts.push(`${Math.round(update.ratePerSecond)}/s`);
      if (update.remainingMs !== undefined) parts.push(`${Math.ceil(update.remainingMs / 1000)} s left`);
    }
    if (this.running.size > 1) parts.push(`${this.running.size - 1} more running`);
    // A pseudo-terminal may report no size; the status then assumes a common width. The title gives way first.
    const width = Math.max(40, (process.stderr.columns || Number(process.env.COLUMNS) || 100) - 5);
    const position = `[${this.ended}/${this.total} done]`;
    const tail = ` · ${parts.join(' · ')}`;
    const room = Math.max(10, width - position.length - 1 - tail.length);
    const cut = title.length > room ? `${title.slice(0, room - 1)}…` : title;
    process.stderr.write(`\r\u001b[2K    ${dim(`${position} ${cut}${tail}`.slice(0, width))}`);
  }

  private clearStatus(): void {
    if (this.live) process.stderr.write('\r\u001b[2K');
  }

  /** A running check reports how far it has come (ctx.progress). */
  progress(update: ProgressUpdate, check: Check, target?: { name: string }): void {
    const entry = this.running.get(runKey(check, target));
    if (!entry) return;
    entry.update = update;
    entry.updatedAt = Date.now();
    if (this.live) this.draw();
  }

  checkStart(check: Check, _index: number, total: number, target?: { name: string }): void {
    this.total = total;
    this.running.set(runKey(check, target), { title: `${check.title}${target ? ` [${target.name}]` : ''}…`, started: Date.now(), updatedAt: Date.now() });
    if (!this.live) return;
    if (!this.timer) {
      this.timer = setInterval(() => this.draw(), 1_000);
      this.timer.unref();
    }
    this.draw();
  }

  checkEnd(result: CheckResult, check: Check, index: number, total: number): void {
    this.ended = index;
    this.running.delete(runKey(check, result.interface));
    if (this.running.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
    this.clearStatus();
    const paintStatus = STATUS[result.status] ?? ((text: string) => text);
    const seconds = (result.durationMs / 1000).toFixed(1);
    const on = result.interface ? ` on ${result.interface.name}` : '';
    this.write(`    ${paintStatus(`${MARK[result.status] ?? '?'} ${result.status.padEnd(14)}`)} ${dim(`[${index}/${total}]`)} ${requirementIdOf(check)} ${check.title} ${dim(`(${check.id}${on}, ${seconds} s)`)}`);
    const detail = result.observed ?? result.message;
    if (detail) this.write(`      ${dim(detail)}`);
    if (this.live && this.running.size > 0) this.draw();
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
