import { defineCheck, fail, pass } from '../../core/check.js';
import { attachFuzzEvidence, casesByCategory, deviationLines, fuzzOptions, runFuzzCorpus } from '../../core/fuzz/engine.js';
import { FUZZ_CATEGORIES } from '../../adapters/opcua/fuzz.js';
import { opcuaFuzzing } from '../../adapters/opcua/fuzz-setup.js';

export default defineCheck({
  id: 'opcua.robustness.malformed-messages',
  requirement: 'CR 3.5',
  sl: [1, 2, 3, 4],
  protocol: 'opcua',
  disruptive: true,
  title: 'Malformed OPC UA messages are refused cleanly and the server stays alive',
  expectation:
    'Every case of the corpus (Hello with zero, tiny or huge buffer sizes or a wrong protocol version, chunks above the negotiated size or truncated, unknown message types, broken secure channel and service encodings, writes of wrong types or out-of-range values) does no harm: the server keeps answering (an essential-function read after each batch), serves other connections, acts on none (no write executed, no session created) and answers or closes; the strict answer is an Error message, a Bad status or a clean close, and a lenient but harmless answer is reported as an observation with its case id and replay command',
  timeoutMs: 300_000,
  async run(ctx) {
    const setup = await ctx.step('open the liveness session and find the write subject', () => opcuaFuzzing.prepare(ctx));
    try {
      const { corpus, target } = setup;
      ctx.log(`corpus: ${corpus.length} cases in ${new Set(corpus.map((entry) => entry.category)).size} categories; at most ${ctx.settings.load.fuzzCasesPerSecond} cases/s; liveness: ${setup.livenessLabel}`);
      const report = await ctx.step(`send ${corpus.length} malformed messages to ${target.probe.url}`, () => runFuzzCorpus(corpus, setup.driver, fuzzOptions(ctx)));
      attachFuzzEvidence(ctx, report);

      const byCategory = casesByCategory(report.results, FUZZ_CATEGORIES);
      const wrong = report.results.filter((result) => result.verdict === 'wrong');
      const skipped = report.results.filter((result) => result.verdict === 'not-run' && !report.stoppedAfter);
      const rate = `${report.casesRun} cases run in ${(report.durationMs / 1000).toFixed(2)} s (${report.casesPerSecond} cases/s, ${report.livenessChecks} liveness checks)`;
      const deviations = report.results.filter((result) => result.verdict === 'deviation');
      const details = { casesPerSecond: report.casesPerSecond, durationMs: report.durationMs, casesRun: report.casesRun, corpus: corpus.length, byCategory, stoppedAfter: report.stoppedAfter, wrong, deviations, skipped, noWrites: setup.noWrites };
      const notes = [setup.noWrites ? `no write cases (${setup.noWrites})` : '', skipped.length ? `${skipped.length} cases not applicable (${skipped[0]!.observed.replace(/^not run: /, '')})` : ''].filter(Boolean);
      const observation = deviations.length
        ? `; observation: ${deviations.length} lenient but harmless answers (the server kept answering and serving others, and acted on none): ${deviationLines(deviations, 'opcua').join('; ')}`
        : '';
      if (report.casesRun === 0) throw new Error(`no case could be run: ${skipped[0]?.observed ?? 'unknown reason'}`);
      if (wrong.length > 0 || report.stoppedAfter) {
        const categories = byCategory.filter((entry) => entry.wrong > 0).map((entry) => `${entry.category} ${entry.wrong}/${entry.cases}`);
        const examples = wrong.slice(0, 3).map((result) => `${result.id}: ${result.problem}`);
        const stopped = report.stoppedAfter
          ? `; the server stopped answering after ${report.stoppedAfter.cases.join(', ')} (${report.stoppedAfter.detail})${report.stoppedAfter.recoveredAfterMs === undefined ? ' and did not come back within the watch' : `, back after ${report.stoppedAfter.recoveredAfterMs} ms`}`
          : '';
        return fail(`${wrong.length} of ${corpus.length} cases mishandled by ${target.probe.url} (${categories.join(', ') || 'none'})${stopped}; e.g. ${examples.join('; ')}; ${rate}; replay one with run --replay opcua:<case id>${observation}`, details);
      }
      const handled = deviations.length
        ? `${target.probe.url} came to no harm from any of the ${report.casesRun} malformed messages: ${report.casesRun - deviations.length} refused cleanly, ${deviations.length} tolerated`
        : `${target.probe.url} refused all ${report.casesRun} malformed messages cleanly and kept answering`;
      return pass(`${handled} (${byCategory.map((entry) => `${entry.category} ${entry.cases}`).join(', ')}); ${rate}${notes.length ? `; ${notes.join('; ')}` : ''}${observation}`, details);
    } finally {
      await setup.close();
      setup.target.attachTranscript();
    }
  },
});
