import type { Series } from './monitor.js';
import { csvDocument } from '../evidence/csv.js';

export interface ChartOptions {
  title: string;
  /** A second line, e.g. the achieved load rate. */
  subtitle?: string;
  /** Shaded time windows (ms since the monitor started), e.g. the load phase; `fill` overrides the phase's colour. */
  phases?: Array<{ name: string; fromMs: number; toMs: number; fill?: string }>;
  width?: number;
  height?: number;
}

const COLOURS = ['#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#17becf', '#bcbd22'];
const PHASE_FILL: Record<string, string> = { load: '#fde0c5', baseline: '#eef5ee', recovery: '#e8eef8' };

/**
 * A self-contained SVG line chart of essential-function latency over time: one line per series, missed samples as
 * red crosses along the top, each series' latency bound dashed, phases shaded. No fonts or scripts are referenced.
 */
export function renderLatencySvg(series: Series[], options: ChartOptions): string {
  const width = options.width ?? 900;
  const height = options.height ?? 380;
  const margin = { left: 64, right: 20, top: options.subtitle ? 58 : 42, bottom: 64 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;

  const allSamples = series.flatMap((entry) => entry.samples);
  const lastT = Math.max(1, ...allSamples.map((sample) => sample.t), ...(options.phases ?? []).map((phase) => phase.toMs));
  const highestLatency = Math.max(1, ...allSamples.filter((sample) => !sample.missed).map((sample) => sample.latencyMs ?? 0));
  const highestBound = Math.max(0, ...series.map((entry) => entry.maxLatencyMs ?? 0));
  const yMax = niceCeiling(Math.max(highestLatency, highestBound * 1.25));
  const xMax = niceCeiling(lastT);
  const x = (t: number) => margin.left + (t / xMax) * plotWidth;
  const y = (latency: number) => margin.top + plotHeight - (Math.min(latency, yMax) / yMax) * plotHeight;

  const parts = chartOpening(width, height, margin.left, options);

  for (const phase of options.phases ?? []) {
    const from = x(Math.max(0, phase.fromMs));
    const to = x(Math.min(xMax, phase.toMs));
    parts.push(`<rect x="${n(from)}" y="${margin.top}" width="${n(Math.max(0, to - from))}" height="${plotHeight}" fill="${phase.fill ?? PHASE_FILL[phase.name] ?? '#f0f0f0'}"/>`);
    parts.push(`<text x="${n(from + 4)}" y="${margin.top + 14}" fill="#666">${escapeXml(phase.name)}</text>`);
  }

  for (const tick of ticks(yMax)) {
    parts.push(`<line x1="${margin.left}" x2="${margin.left + plotWidth}" y1="${n(y(tick))}" y2="${n(y(tick))}" stroke="#e3e3e3"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${n(y(tick) + 4)}" text-anchor="end">${formatNumber(tick)}</text>`);
  }
  for (const tick of ticks(xMax)) {
    parts.push(`<line x1="${n(x(tick))}" x2="${n(x(tick))}" y1="${margin.top + plotHeight}" y2="${margin.top + plotHeight + 4}" stroke="#333"/>`);
    parts.push(`<text x="${n(x(tick))}" y="${margin.top + plotHeight + 17}" text-anchor="middle">${formatNumber(tick / 1000)}</text>`);
  }
  parts.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${margin.left + plotWidth / 2}" y="${height - 30}" text-anchor="middle">time (s)</text>`);
  parts.push(`<text transform="translate(16 ${margin.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">latency (ms)</text>`);

  series.forEach((entry, index) => {
    const colour = COLOURS[index % COLOURS.length]!;
    if (entry.maxLatencyMs !== undefined && entry.maxLatencyMs <= yMax) {
      parts.push(`<line x1="${margin.left}" x2="${margin.left + plotWidth}" y1="${n(y(entry.maxLatencyMs))}" y2="${n(y(entry.maxLatencyMs))}" stroke="${colour}" stroke-dasharray="6 4" opacity="0.8"/>`);
    }
    // A gap in the line where samples were missed, so a miss never looks like a fast answer.
    const runs: string[][] = [[]];
    for (const sample of entry.samples) {
      if (sample.missed || sample.latencyMs === undefined) {
        if (runs.at(-1)!.length > 0) runs.push([]);
        continue;
      }
      runs.at(-1)!.push(`${n(x(sample.t))},${n(y(sample.latencyMs))}`);
    }
    for (const run of runs.filter((points) => points.length > 0)) {
      if (run.length === 1) parts.push(`<circle cx="${run[0]!.split(',')[0]}" cy="${run[0]!.split(',')[1]}" r="2" fill="${colour}"/>`);
      else parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${run.join(' ')}"/>`);
    }
    const missY = margin.top + 6 + index * 7;
    for (const sample of entry.samples.filter((candidate) => candidate.missed)) {
      const cx = x(sample.t);
      parts.push(`<path d="M${n(cx - 3)} ${n(missY - 3)}L${n(cx + 3)} ${n(missY + 3)}M${n(cx - 3)} ${n(missY + 3)}L${n(cx + 3)} ${n(missY - 3)}" stroke="#d62728" stroke-width="1.5"/>`);
    }
  });

  let legendX = margin.left;
  const legendY = height - 10;
  series.forEach((entry, index) => {
    const colour = COLOURS[index % COLOURS.length]!;
    const label = `${entry.name}${entry.maxLatencyMs !== undefined ? ` (bound ${entry.maxLatencyMs} ms)` : ''}`;
    parts.push(`<line x1="${legendX}" x2="${legendX + 18}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="${colour}" stroke-width="2"/>`);
    parts.push(`<text x="${legendX + 22}" y="${legendY}">${escapeXml(label)}</text>`);
    legendX += 30 + label.length * 6.5;
  });
  parts.push(`<path d="M${legendX - 3} ${legendY - 7}L${legendX + 3} ${legendY - 1}M${legendX - 3} ${legendY - 1}L${legendX + 3} ${legendY - 7}" stroke="#d62728" stroke-width="1.5"/>`);
  parts.push(`<text x="${legendX + 8}" y="${legendY}">missed sample</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** One step of a rate ramp as the ramp chart draws it. */
export interface RampBar {
  ratePerSecond: number;
  /** The worst p99 of the essential functions at this step; absent when none answered. */
  worstP99Ms?: number;
  /** The highest share of samples lost by one function at this step (0..1). */
  worstLoss: number;
  held: boolean;
}

/**
 * A self-contained SVG chart of a rate ramp: one bar per step (height: the worst p99 latency of the essential
 * functions, green where they held, red where they broke), the tightest latency bound dashed, the loss printed above
 * each bar, and the required rate marked on the rate axis.
 */
export function renderRampSvg(bars: readonly RampBar[], options: { title: string; subtitle?: string; boundMs: number; requiredRatePerSecond: number; plannedRates: readonly number[] }): string {
  const width = 900;
  const height = 380;
  const margin = { left: 64, right: 20, top: options.subtitle ? 58 : 42, bottom: 64 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const rates = options.plannedRates.length > 0 ? options.plannedRates : bars.map((bar) => bar.ratePerSecond);
  const yMax = niceCeiling(Math.max(1, options.boundMs * 1.25, ...bars.map((bar) => bar.worstP99Ms ?? 0)));
  const slot = plotWidth / Math.max(1, rates.length);
  const y = (latency: number) => margin.top + plotHeight - (Math.min(latency, yMax) / yMax) * plotHeight;
  const parts = chartOpening(width, height, margin.left, options);
  for (const tick of ticks(yMax)) {
    parts.push(`<line x1="${margin.left}" x2="${margin.left + plotWidth}" y1="${n(y(tick))}" y2="${n(y(tick))}" stroke="#e3e3e3"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${n(y(tick) + 4)}" text-anchor="end">${formatNumber(tick)}</text>`);
  }
  rates.forEach((rate, index) => {
    const centre = margin.left + slot * (index + 0.5);
    const bar = bars.find((entry) => entry.ratePerSecond === rate);
    const label = `${formatNumber(rate)}/s${rate === options.requiredRatePerSecond ? ' (required)' : ''}`;
    parts.push(`<text x="${n(centre)}" y="${margin.top + plotHeight + 17}" text-anchor="middle"${rate === options.requiredRatePerSecond ? ' font-weight="bold"' : ''}>${escapeXml(label)}</text>`);
    if (!bar) {
      parts.push(`<text x="${n(centre)}" y="${margin.top + plotHeight - 6}" text-anchor="middle" fill="#888">not run</text>`);
      return;
    }
    const top = bar.worstP99Ms === undefined ? margin.top : y(bar.worstP99Ms);
    parts.push(`<rect x="${n(centre - slot * 0.3)}" y="${n(top)}" width="${n(slot * 0.6)}" height="${n(margin.top + plotHeight - top)}" fill="${bar.held ? '#2ca02c' : '#d62728'}" opacity="${bar.worstP99Ms === undefined ? 0.35 : 0.8}"/>`);
    const note = `${bar.worstP99Ms === undefined ? 'no answer' : `p99 ${formatNumber(Math.round(bar.worstP99Ms * 10) / 10)} ms`}, ${formatNumber(Math.round(bar.worstLoss * 1000) / 10)} % lost`;
    parts.push(`<text x="${n(centre)}" y="${n(Math.max(margin.top + 12, top - 6))}" text-anchor="middle">${escapeXml(note)}</text>`);
  });
  if (options.boundMs <= yMax) {
    parts.push(`<line x1="${margin.left}" x2="${margin.left + plotWidth}" y1="${n(y(options.boundMs))}" y2="${n(y(options.boundMs))}" stroke="#1f77b4" stroke-dasharray="6 4"/>`);
  }
  parts.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${margin.left + plotWidth / 2}" y="${height - 30}" text-anchor="middle">load rate per step</text>`);
  parts.push(`<text transform="translate(16 ${margin.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">worst p99 latency (ms)</text>`);
  const legendY = height - 10;
  parts.push(`<rect x="${margin.left}" y="${legendY - 9}" width="10" height="10" fill="#2ca02c"/><text x="${margin.left + 14}" y="${legendY}">held</text>`);
  parts.push(`<rect x="${margin.left + 60}" y="${legendY - 9}" width="10" height="10" fill="#d62728"/><text x="${margin.left + 74}" y="${legendY}">broke</text>`);
  parts.push(`<line x1="${margin.left + 130}" x2="${margin.left + 148}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="#1f77b4" stroke-dasharray="6 4"/><text x="${margin.left + 152}" y="${legendY}">${escapeXml(`tightest latency bound (${options.boundMs} ms)`)}</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** series,t_ms,phase,latency_ms,missed,error — one row per sample, RFC 4180 quoting. */
export function toCsv(series: Series[]): string {
  return csvDocument(
    ['series', 't_ms', 'phase', 'latency_ms', 'missed', 'error'],
    series.flatMap((entry) => entry.samples.map((sample) => [entry.name, sample.t, sample.phase, sample.latencyMs, sample.missed, sample.error])),
  );
}

function niceCeiling(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

function ticks(max: number): number[] {
  const step = niceCeiling(max / 5);
  const values: number[] = [];
  for (let value = 0; value <= max + 1e-9; value += step) values.push(value);
  return values;
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 1 ? 2 : 1).replace(/\.?0+$/, '');
}

function n(value: number): string {
  return value.toFixed(1);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[char]!);
}

/** The SVG element, its white ground, the title and the optional subtitle every chart here opens with. */
function chartOpening(width: number, height: number, left: number, text: { title: string; subtitle?: string }): string[] {
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="20" font-size="15" font-weight="bold">${escapeXml(text.title)}</text>`,
  ];
  if (text.subtitle) parts.push(`<text x="${left}" y="38" fill="#444">${escapeXml(text.subtitle)}</text>`);
  return parts;
}
