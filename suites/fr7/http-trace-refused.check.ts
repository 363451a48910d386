import { randomBytes } from 'node:crypto';
import { defineCheck, fail, pass } from '../../core/check.js';
import { HttpConnectionError, HttpTimeoutError, type HttpResponse } from '../../adapters/http/client.js';
import { webTarget } from '../../adapters/http/target.js';

export default defineCheck({
  id: 'http.methods.trace-refused',
  requirement: 'CR 7.7',
  sl: [1, 2, 3, 4],
  protocol: 'http',
  disruptive: false,
  title: 'The web interface does not echo TRACE or TRACK requests',
  expectation: 'TRACE and TRACK are refused (405, 501, 400 …) and never echo the request back, cookies and headers included (cross-site tracing)',
  timeoutMs: 30_000,
  async run(ctx) {
    const target = webTarget(ctx);
    try {
      const session = target.session();
      // Positive control: the interface answers an ordinary request, so a refusal is the device's and not silence.
      const control = await ctx.step(`GET ${target.loginPagePath}`, () => session.get(target.loginPagePath));
      if (control.status >= 500) throw new Error(`the interface answers ${control.status} to an ordinary GET; cannot judge the methods`);
      const marker = `trace-${randomBytes(8).toString('hex')}`;
      const seen: Array<{ method: string; status?: number; echoed: boolean; note?: string }> = [];
      for (const method of ['TRACE', 'TRACK']) {
        let answer: HttpResponse;
        try {
          answer = await ctx.step(`${method} /`, () => session.request({ method, path: '/', headers: { 'x-harness-marker': marker } }));
        } catch (error) {
          if (!(error instanceof HttpConnectionError || error instanceof HttpTimeoutError)) throw error;
          seen.push({ method, echoed: false, note: error.message });
          continue;
        }
        const echoed = answer.status < 300 && (answer.text.includes(marker) || /message\/http/i.test(answer.headers['content-type'] ?? ''));
        seen.push({ method, status: answer.status, echoed });
      }
      const describe = (entry: (typeof seen)[number]) => `${entry.method} → ${entry.status ?? entry.note}${entry.echoed ? ' with the request echoed' : ''}`;
      const details = { methods: seen };
      const echoing = seen.filter((entry) => entry.echoed);
      if (echoing.length > 0) return fail(`${echoing.map(describe).join('; ')}: the device reflects requests, cookies included`, details);
      return pass(`${seen.map(describe).join('; ')}; GET answered ${control.status}`, details);
    } finally {
      target.attachTranscript();
    }
  },
});
