import { defineCheck, fail, pass } from '../../core/check.js';
import { attachFuzzEvidence, casesByCategory, deviationLines, fuzzOptions, runFuzzCorpus } from '../../core/fuzz/engine.js';
import { CATEGORIES } from '../../adapters/enip/fuzz.js';
import { enipFuzzing } from '../../adapters/enip/fuzz-setup.js';
import { enipTarget } from '../../adapters/enip/target.js';

export default defineCheck({
  id: 'enip.robustness.malformed-messages',
  requirement: 'CR 3.5',
  sl: [1, 2, 3, 4],
  protocol: 'enip',
  disruptive: true,
  title: 'Malformed EtherNet/IP encapsulation and CIP requests are rejected without harm',
  expectation:
    'Every case of the corpus (unknown commands, lying or huge lengths, a truncated header, RegisterSession with a wrong revision or size, unknown session handles, broken common packet format, unknown CIP services, classes, instances, attributes and broken paths) gets the encapsulation status or CIP general status the specification prescribes, or a clean close where that is allowed, and the device keeps serving',
  timeoutMs: 300_000,
  async run(ctx) {
    const { label } = enipTarget(ctx);
    const campaign = await ctx.step('prepare the corpus and the liveness read', () => enipFuzzing.prepare(ctx));
    try {
      const { corpus } = campaign;
      ctx.log(`corpus: ${corpus.length} cases in ${new Set(corpus.map((entry) => entry.category)).size} categories; at most ${ctx.settings.load.fuzzCasesPerSecond} cases/s`);
      const report = await ctx.step(`send ${corpus.length} malformed messages to ${label}`, () => runFuzzCorpus(corpus, campaign.driver, fuzzOptions(ctx)));
      attachFuzzEvidence(ctx, report);
      const byCategory = casesByCategory(report.results, CATEGORIES);
      const wrong = report.results.filter((result) => result.verdict === 'wrong');
      const deviations = report.results.filter((result) => result.verdict === 'deviation');
      const observation = deviations.length
        ? `; observation: ${deviations.length} lenient but harmless answers (the device kept answering and serving others, and acted on none): ${deviationLines(deviations, 'enip').join('; ')}`
        : '';
      const rate = `${report.casesRun} cases run in ${(report.durationMs / 1000).toFixed(2)} s (${report.livenessChecks} liveness checks)`;
      const details = { durationMs: report.durationMs, casesRun: report.casesRun, corpus: corpus.length, byCategory, stoppedAfter: report.stoppedAfter, wrong, deviations };
      if (wrong.length > 0 || report.stoppedAfter) {
        const stopped = report.stoppedAfter
          ? `the device stopped answering after ${report.stoppedAfter.cases.join(', ')} (${report.stoppedAfter.detail})${report.stoppedAfter.recoveredAfterMs === undefined ? ' and did not recover within 5 s' : `, back after ${report.stoppedAfter.recoveredAfterMs} ms`}; `
          : '';
        const examples = wrong.slice(0, 3).map((result) => `${result.id}: ${result.problem}`);
        return fail(`${stopped}${wrong.length} of ${corpus.length} cases mishandled by ${label}${examples.length ? ` (e.g. ${examples.join('; ')})` : ''}; ${rate}; replay one with run --replay enip:<case id>${observation}`, details);
      }
      return pass(`${label} handled all ${corpus.length} malformed messages as prescribed (${byCategory.map((entry) => `${entry.category} ${entry.cases}`).join(', ')}); ${rate}${observation}`, details);
    } finally {
      await campaign.close();
    }
  },
});
