import { defineCheck, fail, pass } from '../../core/check.js';
import { attachFuzzEvidence, casesByCategory, deviationLines, fuzzOptions, runFuzzCorpus } from '../../core/fuzz/engine.js';
import { CATEGORIES, modbusFuzzing, modbusTarget } from '../../adapters/modbus/index.js';

export default defineCheck({
  id: 'modbus.robustness.malformed-requests',
  requirement: 'CR 3.5',
  sl: [1, 2, 3, 4],
  protocol: 'modbus',
  disruptive: true,
  title: 'Malformed Modbus requests are rejected without harm',
  expectation:
    'Every malformed request of the generated corpus (bad MBAP protocol id or length, truncated PDU, unknown function code, quantity or address out of range, byte count mismatch, unit id variants) does no harm: the device keeps serving, serves other connections, executes no invalid write and answers or closes; the prescribed exception code or a clean close is the strict answer, and a lenient but harmless answer is reported as an observation with its case id and replay command',
  timeoutMs: 300_000,
  async run(ctx) {
    const { label } = modbusTarget(ctx);
    // Byte-count cases write back the value just read, so even a device that wrongly executes them changes nothing.
    const campaign = await ctx.step('find the end of each table and the write-back value (single-item reads)', () => modbusFuzzing.prepare(ctx));
    const { corpus, parameters: { boundaries } } = campaign;
    ctx.log(`corpus: ${corpus.length} cases in ${new Set(corpus.map((entry) => entry.category)).size} categories; at most ${ctx.settings.load.fuzzCasesPerSecond} cases/s`);
    const report = await ctx.step(`send ${corpus.length} malformed requests to ${label}`, () => runFuzzCorpus(corpus, campaign.driver, fuzzOptions(ctx)));
    attachFuzzEvidence(ctx, report);

    const byCategory = casesByCategory(report.results, CATEGORIES);
    const wrong = report.results.filter((result) => result.verdict === 'wrong');
    const rate = `${report.casesRun} cases run in ${(report.durationMs / 1000).toFixed(2)} s (${report.casesPerSecond} cases/s, ${report.livenessChecks} liveness checks)`;
    const deviations = report.results.filter((result) => result.verdict === 'deviation');
    const details = { casesPerSecond: report.casesPerSecond, durationMs: report.durationMs, casesRun: report.casesRun, corpus: corpus.length, boundaries, byCategory, stoppedAfter: report.stoppedAfter, wrong, deviations };
    const observation = deviations.length
      ? `; observation: ${deviations.length} lenient but harmless answers (the device kept answering and serving others, and acted on none): ${deviationLines(deviations, 'modbus').join('; ')}`
      : '';
    if (wrong.length > 0 || report.stoppedAfter) {
      const categories = byCategory.filter((entry) => entry.wrong > 0).map((entry) => `${entry.category} ${entry.wrong}/${entry.cases}`);
      const examples = wrong.slice(0, 3).map((result) => `${result.id}: ${result.problem}`);
      const stopped = report.stoppedAfter
        ? `; the device stopped answering after ${report.stoppedAfter.cases.length > 3 ? `the batch starting ${report.stoppedAfter.cases[0]}` : report.stoppedAfter.cases.join(', ')} (${report.stoppedAfter.detail})${report.stoppedAfter.recoveredAfterMs === undefined ? ' and did not recover within 5 s' : `, back after ${report.stoppedAfter.recoveredAfterMs} ms`}`
        : '';
      return fail(`${wrong.length} of ${corpus.length} cases mishandled by ${label} (${categories.join(', ')})${stopped}; e.g. ${examples.join('; ')}; ${rate}; replay one with run --replay modbus:<case id>${observation}`, details);
    }
    const handled = deviations.length
      ? `${label} came to no harm from any of the ${corpus.length} malformed requests: ${corpus.length - deviations.length} handled as prescribed, ${deviations.length} tolerated`
      : `${label} handled all ${corpus.length} malformed requests as prescribed`;
    return pass(`${handled} (${byCategory.map((entry) => `${entry.category} ${entry.cases}`).join(', ')}); ${rate}${observation}`, details);
  },
});
