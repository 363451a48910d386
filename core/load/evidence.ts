import type { CheckContext } from '../check.js';
import type { AvailabilityReport } from './availability.js';
import { renderLatencySvg, renderRampSvg, toCsv } from './chart.js';
import type { RampReport } from './ramp.js';

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

/**
 * What a ramped availability check shows: the ramp chart (worst p99 and loss per step, held or broken), the latency
 * chart with each step shaded, the samples (CSV) and the figures with every step (JSON).
 */
export function attachRampEvidence(ctx: Pick<CheckContext, 'attach'>, report: RampReport, options: { title: string; loadLine: string; extra?: unknown }): void {
  const { ramp } = report;
  const bars = ramp.steps.map((step) => ({
    ratePerSecond: step.ratePerSecond,
    worstP99Ms: step.probes.some((probe) => probe.stats.p99 === undefined) ? undefined : Math.max(0, ...step.probes.map((probe) => probe.stats.p99!)),
    worstLoss: Math.max(0, ...step.probes.map((probe) => probe.stats.lossRatio)),
    held: step.held,
  }));
  ctx.attach({
    name: 'Essential functions by load rate',
    contentType: 'image/svg+xml',
    extension: 'svg',
    content: renderRampSvg(bars, {
      title: options.title,
      subtitle: options.loadLine,
      boundMs: Math.min(...report.probes.map((probe) => probe.maxLatencyMs)),
      requiredRatePerSecond: ramp.requiredRatePerSecond,
      plannedRates: ramp.plannedRates,
    }),
  });
  const phases = report.phases.flatMap((phase): Array<{ name: string; fromMs: number; toMs: number; fill?: string }> =>
    phase.name === 'load'
      ? ramp.steps.map((step, index) => ({ name: `${step.ratePerSecond}/s`, fromMs: step.fromMs, toMs: step.toMs, fill: index % 2 === 0 ? '#fde0c5' : '#fbc99a' }))
      : [phase],
  );
  ctx.attach({
    name: 'Essential-function latency under load',
    contentType: 'image/svg+xml',
    extension: 'svg',
    content: renderLatencySvg(report.series, { title: options.title, subtitle: options.loadLine, phases }),
  });
  ctx.attach({ name: 'Essential-function samples', contentType: 'text/csv', extension: 'csv', content: toCsv(report.series) });
  ctx.attach({
    name: 'Load and monitoring figures',
    contentType: 'application/json',
    extension: 'json',
    content: JSON.stringify({ load: report.load, phases: report.phases, probes: report.probes, ramp, ...(options.extra !== undefined ? { extra: options.extra } : {}) }, null, 2),
  });
}
