import { defineCheck, fail, pass } from '../../core/check.js';
import { ANONYMOUS_PASSWORD, ANONYMOUS_USER, probeFtp } from '../../adapters/cleartext/ftp.js';
import { cleartextTarget } from '../../adapters/cleartext/target.js';

export default defineCheck({
  id: 'cleartext.authentication.anonymous-ftp-refused',
  requirement: 'CR 1.1',
  sl: [1, 2, 3, 4],
  protocol: 'ftp',
  disruptive: false,
  title: 'FTP refuses anonymous logins',
  expectation: `An FTP server that greets with 220 refuses USER ${ANONYMOUS_USER} with the conventional password ("${ANONYMOUS_PASSWORD}")`,
  timeoutMs: 30_000,
  async run(ctx) {
    const target = cleartextTarget(ctx);
    // A refused anonymous login is a failed login like any other: the run's budget decides whether it may be sent.
    if (ctx.logins.remaining(ANONYMOUS_USER) <= 0) throw new Error(`no anonymous login sent to ${target.where}: the failed-login budget of "${ANONYMOUS_USER}" (lockout threshold ${ctx.logins.threshold}) is spent`);
    const probe = await ctx.step(`anonymous FTP login at ${target.where}`, () => probeFtp({ ...target, user: ANONYMOUS_USER, password: ANONYMOUS_PASSWORD }));
    for (const line of probe.transcript) ctx.log(line);
    if (probe.login === 'accepted') ctx.logins.succeeded(ANONYMOUS_USER);
    else if (probe.login === 'refused') ctx.logins.failed(ANONYMOUS_USER);
    // The greeting is the positive control: the server is there and speaks FTP, so a refusal is the server's.
    if (!probe.ftp) throw new Error(`${target.where} gave no FTP greeting (${probe.transcript.join(' ') || 'nothing'}), so nothing shows who may log in`);
    if (probe.login === 'accepted') return fail(`${target.where} let "${ANONYMOUS_USER}" log in (${probe.transcript.at(-2) ?? probe.transcript.at(-1)})`, probe);
    if (probe.login === 'tls-required') return pass(`${target.where} refused "${ANONYMOUS_USER}" in clear and demands TLS first (anonymous over TLS not tried)`, probe);
    return pass(`${target.where} greeted ("${probe.greeting?.text.slice(0, 60)}") and refused "${ANONYMOUS_USER}" (${probe.transcript.filter((line) => line.startsWith('<')).at(-1) ?? ''})`, probe);
  },
});
