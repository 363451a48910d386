/** The bench's figures, each judged against its target, printed as a table and kept in bench/results.json. */

export type Section = 'tools' | 'campaign' | 'memory' | 'flood' | 'fuzz' | 'scale';

export interface Target {
  /** "below": the value must stay under the bound; "at least": it must reach it. */
  comparison: 'below' | 'at least';
  bound: number;
  /** How the target reads in the table, e.g. "< 10 s" or ">= 50 % of the bare ceiling". */
  text: string;
}

export interface Figure {
  section: Section;
  name: string;
  /** Undefined when the part that measures it failed; the reason is in `note`. */
  value: number | undefined;
  unit: string;
  /** The number the target is compared with when it is not `value` itself (a ratio beside a rate). */
  compared?: number;
  target?: Target;
  note?: string;
}

export type Outcome = 'met' | 'missed' | 'info' | 'not measured';

export function outcomeOf(figure: Figure): Outcome {
  if (figure.value === undefined) return 'not measured';
  if (!figure.target) return 'info';
  const actual = figure.compared ?? figure.value;
  const ok = figure.target.comparison === 'below' ? actual < figure.target.bound : actual >= figure.target.bound;
  return ok ? 'met' : 'missed';
}

export function formatValue(value: number | undefined, unit: string): string {
  if (value === undefined) return '-';
  const digits = Math.abs(value) >= 100 || Number.isInteger(value) ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  const text = value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return unit ? `${text} ${unit}` : text;
}

export function renderTable(figures: readonly Figure[]): string {
  const rows = figures.map((figure) => {
    const outcome = outcomeOf(figure);
    const result = outcome === 'missed' ? 'MISSED' : outcome === 'met' ? 'met' : outcome === 'info' ? '' : 'NOT MEASURED';
    return [figure.section, figure.name, formatValue(figure.value, figure.unit), figure.target?.text ?? '', result];
  });
  const header = ['part', 'figure', 'measured', 'target', 'result'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === 2 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ').trimEnd();
  const out = [line(header), widths.map((width) => '-'.repeat(width)).join('  ')];
  let section: string | undefined;
  for (const [index, row] of rows.entries()) {
    if (section !== undefined && row[0] !== section) out.push('');
    section = row[0];
    out.push(line(row));
    const note = figures[index]!.note;
    if (note) out.push(`${' '.repeat(widths[0]! + 2)}  ${note}`);
  }
  return out.join('\n');
}
