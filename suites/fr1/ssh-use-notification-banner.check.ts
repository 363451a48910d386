import { defineCheck, fail, pass } from '../../core/check.js';
import { sshMethods, sshTarget } from '../../adapters/ssh/target.js';

const normalise = (text: string) => text.replace(/\s+/g, ' ').trim();

export default defineCheck({
  id: 'ssh.use-notification.banner',
  requirement: 'CR 1.12',
  sl: [1, 2, 3, 4],
  protocol: 'ssh',
  disruptive: false,
  title: 'SSH shows a system use notification before login',
  expectation: 'The server sends a pre-authentication banner, and it is the text the profile declares (endpoints.ssh.banner) when one is declared',
  timeoutMs: 30_000,
  async run(ctx) {
    const target = sshTarget(ctx);
    // The "none" method alone brings the banner: no password is sent.
    const probe = await sshMethods(ctx, target, 'iec62443-banner-probe');
    const banner = probe.banner === undefined ? '' : normalise(probe.banner);
    const declared = target.endpoint.banner;
    const details = { banner: probe.banner ?? null, declared: declared ?? null };
    if (!banner) return fail(`no pre-authentication banner was sent${declared ? ` (declared: "${declared.slice(0, 80)}")` : ''}`, details);
    if (declared && normalise(declared) !== banner) return fail(`the banner "${banner.slice(0, 120)}" is not the declared text "${normalise(declared).slice(0, 120)}"`, details);
    return pass(`banner before login: "${banner.slice(0, 160)}"${declared ? ' (the declared text)' : ' (no text declared to compare with)'}`, details);
  },
});
