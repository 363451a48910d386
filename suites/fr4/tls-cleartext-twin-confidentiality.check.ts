import { defineCheck, fail, pass } from '../../core/check.js';
import { surveyTwinsOfInterfaceService } from '../../adapters/tls/services.js';

export default defineCheck({
  id: 'tls.cleartext-twin.confidentiality',
  requirement: 'CR 4.1',
  sl: [1, 2, 3, 4],
  protocol: 'tls',
  disruptive: false,
  title: 'No plain-text twin of a TLS service exposes its traffic unencrypted',
  expectation: 'No open port of the device offers a TLS service\'s content without encryption; a plain-text port at most redirects to https://',
  timeoutMs: 120_000,
  async run(ctx) {
    const { survey, scanned, sharedHost, findings } = await surveyTwinsOfInterfaceService(ctx);
    const details = { scanned, sharedHost, ...survey };
    if (findings.length > 0) return fail(`${findings.join('; ')}: there, credentials and page content travel unencrypted`, details);
    const redirects = survey.redirects.map((entry) => `${entry.port} → ${entry.location}`).join(', ');
    return pass(
      `${scanned} TCP ports scanned; ${survey.candidates.length} plain-text port(s) asked for the page, none serves it unencrypted${redirects ? `; redirects to HTTPS only: ${redirects}` : ''}`,
      details,
    );
  },
});
