import type { CheckContext } from '../check.js';
import type { AvailabilityReport } from './availability.js';
import { renderLatencySvg, toCsv } from './chart.js';

/**
 * Attaches what every availability check shows: the latency chart (SVG), the samples (CSV) and the figures (JSON),
 * with the achieved load rate in the chart's subtitle.
 */
export function attachAvailabilityEvidence(ctx: Pick<CheckContext, 'attach'>, report: AvailabilityReport, options: { title: string; loadLine: string; extra?: unknown }): void {
  ctx.attach({
    name: 'Essential-function latency under load',
    contentType: 'image/svg+xml',
    extension: 'svg',
    content: renderLatencySvg(report.series, { title: options.title, subtitle: options.loadLine, phases: report.phases }),
  });
  ctx.attach({ name: 'Essential-function samples', contentType: 'text/csv', extension: 'csv', content: toCsv(report.series) });
  ctx.attach({
    name: 'Load and monitoring figures',
    contentType: 'application/json',
    extension: 'json',
    content: JSON.stringify({ load: report.load, phases: report.phases, probes: report.probes, ...(options.extra !== undefined ? { extra: options.extra } : {}) }, null, 2),
  });
}
