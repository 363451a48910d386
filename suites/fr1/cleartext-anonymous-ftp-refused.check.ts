import { defineCheck, fail, pass } from '../../core/check.js';
import { ANONYMOUS_PASSWORD, probeFtp } from '../../adapters/cleartext/ftp.js';
import { cleartextTarget } from '../../adapters/cleartext/target.js';

export default defineCheck({
  id: 'cleartext.authentication.anonymous-ftp-refused',
  requirement: 'CR 1.1',
  sl: [1, 2, 3, 4],
  protocol: 'ftp',
  disruptive: false,
  title: 'FTP refuses anonymous logins',
  expectation: `An FTP server that greets with 220 refuses USER anonymous with the conventional password ("${ANONYMOUS_PASSWORD}")`,
  timeoutMs: 30_000,
  async run(ctx) {
    const target = cleartextTarget(ctx);
    const probe = await ctx.step(`anonymous FTP login at ${target.where}`, () => probeFtp({ ...target, tryAnonymous: true }));
    for (const line of probe.transcript) ctx.log(line);
    // The greeting is the positive control: the server is there and speaks FTP, so a refusal is the server's.
    if (!probe.ftp) throw new Error(`${target.where} gave no FTP greeting (${probe.transcript.join(' ') || 'nothing'}), so nothing shows who may log in`);
    if (probe.anonymous === 'accepted') return fail(`${target.where} let "anonymous" log in (${probe.transcript.at(-2) ?? probe.transcript.at(-1)})`, probe);
    if (probe.anonymous === 'tls-required') return pass(`${target.where} refused "anonymous" in clear and demands TLS first (anonymous over TLS not tried)`, probe);
    return pass(`${target.where} greeted ("${probe.greeting?.text.slice(0, 60)}") and refused "anonymous" (${probe.transcript.filter((line) => line.startsWith('<')).at(-1) ?? ''})`, probe);
  },
});
