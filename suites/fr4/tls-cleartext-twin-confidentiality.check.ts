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
  // The port scan of the host: a host that drops instead of refusing costs a connect timeout per port.
  timeoutMs: 900_000,
  runsAlone: 'it scans every port of the host for a plain-text twin of the service',
  async run(ctx) {
    const { survey, scanned, scanLine, sharedHost, findings } = await surveyTwinsOfInterfaceService(ctx);
    const details = { scanned, scanLine, sharedHost, ...survey };
    if (findings.length > 0) return fail(`${findings.join('; ')} (scanned ${scanLine}): there, credentials and page content travel unencrypted`, details);
    const redirects = survey.redirects.map((entry) => `${entry.port} → ${entry.location}`).join(', ');
    return pass(
      `scanned ${scanLine}; ${survey.candidates.length} plain-text port(s) asked for the page, none serves it unencrypted${redirects ? `; redirects to HTTPS only: ${redirects}` : ''}`,
      details,
    );
  },
});
