import { randomBytes } from 'node:crypto';
import { defineCheck, fail, pass } from '../../core/check.js';
import { ANONYMOUS_USER, probeFtp, type FtpProbe } from '../../adapters/cleartext/ftp.js';
import { cleartextTarget, refusedConnection } from '../../adapters/cleartext/target.js';
import { probeTelnet } from '../../adapters/cleartext/telnet.js';
import { probeTftp } from '../../adapters/cleartext/tftp.js';

export default defineCheck({
  id: 'cleartext.confidentiality.service-in-clear',
  requirement: 'CR 4.1',
  sl: [1, 2, 3, 4],
  protocol: 'cleartext',
  disruptive: false,
  title: 'No management service speaks in clear',
  expectation:
    'The port does not offer Telnet (option negotiation or a login prompt), an FTP login before TLS (331 to USER), or TFTP (an answer to a read request): each sends passwords or data in clear',
  timeoutMs: 30_000,
  async run(ctx) {
    const target = cleartextTarget(ctx);
    const { service } = target.endpoint;
    const source = target.endpoint.implied ? ' (port listed in openPorts)' : '';
    try {
      if (service === 'telnet') {
        const probe = await ctx.step(`Telnet probe of ${target.where}`, () => probeTelnet(target));
        ctx.log(`negotiation: ${probe.negotiation.join(', ') || 'none'}; text: "${probe.text}"`);
        if (probe.telnet) return fail(`${target.where}${source} answers as Telnet (${probe.negotiation.length ? `negotiates ${probe.negotiation.join(', ')}` : ''}${probe.negotiation.length && probe.loginPrompt ? '; ' : ''}${probe.loginPrompt ? `prompts "${probe.text.slice(-60)}"` : ''}): logins travel in clear`, probe);
        return pass(`${target.where}${source} does not speak Telnet (${probe.note}${probe.text ? `, "${probe.text.slice(0, 60)}"` : ''})`, probe);
      }
      if (service === 'ftp') {
        // A made-up account name first: servers that refuse "anonymous" may still ask any other name for its password in
        // clear, and some (vsftpd) answer 331 to "anonymous" even where every named login must come over TLS.
        // USER alone sends no password, so no failed login is counted.
        const named = `iec62443-${randomBytes(3).toString('hex')}`;
        const probes: FtpProbe[] = [];
        for (const user of [named, ANONYMOUS_USER]) {
          const probe = await ctx.step(`FTP probe of ${target.where}: greeting and USER ${user}, no password`, () => probeFtp({ ...target, user }));
          for (const line of probe.transcript) ctx.log(line);
          probes.push(probe);
          if (!probe.ftp) return pass(`${target.where}${source} gives no FTP greeting (${probe.transcript.join(' ') || 'nothing'})`, { probes });
          const answer = probe.transcript.filter((line) => line.startsWith('<')).at(-1) ?? '';
          if (probe.login === 'password-requested' || probe.login === 'accepted') return fail(`${target.where}${source} takes a login in clear (USER ${user}: ${probe.login === 'accepted' ? 'USER alone let the client in' : '331, the password would follow in clear'})`, { probes });
          if (probe.login === 'tls-required') return pass(`${target.where}${source} demands TLS before a login (USER ${user}: "${answer}")`, { probes });
        }
        return pass(`${target.where}${source} refused USER in clear for a named account and for "${ANONYMOUS_USER}" (${probes.map((probe) => probe.transcript.filter((line) => line.startsWith('<')).at(-1) ?? '').join('; ')})`, { probes });
      }
      const probe = await ctx.step(`TFTP read request to ${target.where}`, () => probeTftp(target));
      if (probe.tftp) return fail(`${target.where}${source} answers TFTP read requests (${probe.note}): files travel in clear and without authentication`, probe);
      return pass(`${target.where}${source}: ${probe.note}`, probe);
    } catch (error) {
      if (refusedConnection(error)) return pass(`nothing listens on ${target.where}${source}: connection refused`, { refused: true });
      throw error;
    }
  },
});
