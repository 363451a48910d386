import { rmSync } from 'node:fs';
import { defineCheck, fail, pass } from '../../core/check.js';
import { createTestCertificates } from '../../adapters/opcua/pki.js';
import { formatStatus } from '../../adapters/opcua/status.js';
import { harnessPkiFor, opcuaTarget } from '../../adapters/opcua/target.js';

export default defineCheck({
  id: 'opcua.public-key.client-certificate-validation',
  requirement: 'CR 1.9',
  sl: [2, 3, 4],
  protocol: 'opcua',
  disruptive: false,
  title: 'OPC UA validates client application certificates',
  expectation: 'Client certificates that are expired, not yet valid, self-signed and untrusted, from an unknown CA, issued for another application URI, or revoked are all refused',
  timeoutMs: 90_000,
  async run(ctx) {
    const target = opcuaTarget(ctx);
    const pki = harnessPkiFor(ctx.profile);
    const { dir, certificates } = createTestCertificates(pki);
    try {
      const identity = target.leastPrivilegedIdentity();
      const valid = certificates.find((certificate) => !certificate.mustBeRefused);
      const attemptWith = async (certificate: (typeof certificates)[number]) => {
        const channel = await target.sessionChannel({ credentials: certificate.credentials, claimedApplicationUri: certificate.claimedApplicationUri });
        const attempt = await ctx.step(`session with the ${certificate.name} client certificate`, () => target.probe.attemptSession(identity, channel));
        // A device may judge the certificate only at ActivateSession and count the refusal against the account.
        target.recordLogin(identity, attempt);
        return attempt;
      };
      const results = [];
      // The valid control first, so that a device refusing everything is known before any invalid certificate is sent.
      for (const certificate of [...certificates].sort((a, b) => Number(a.mustBeRefused) - Number(b.mustBeRefused))) {
        ctx.throwIfAborted();
        // The account's count back to zero with the valid certificate before it runs out.
        if (identity.kind === 'username' && certificate.mustBeRefused && valid && ctx.logins.remaining(identity.username) === 0) await attemptWith(valid);
        const attempt = await attemptWith(certificate);
        results.push({ certificate: certificate.name, description: certificate.description, thumbprint: certificate.credentials.thumbprint, mustBeRefused: certificate.mustBeRefused, attempt });
      }
      const control = results.find((result) => result.certificate === 'valid')!;
      if (!control.attempt.accepted) {
        // Without the control, a refusal of the expired or revoked variants could just mean "unknown issuer".
        throw new Error(
          `the device refused even the valid certificate issued by the harness test CA (${control.attempt.status ? formatStatus(control.attempt.status) : control.attempt.note}): ` +
            `trust ${pki.ca.certFile} and load its CRL ${pki.ca.crlFile} on the device, then run again`,
        );
      }
      const accepted = results.filter((result) => result.mustBeRefused && result.attempt.accepted);
      const details = { testCa: pki.ca.issued.thumbprint, results };
      ctx.attach({ name: 'Client certificate cases', contentType: 'application/json', extension: 'json', content: JSON.stringify(results, null, 2) });
      const summary = results
        .filter((result) => result.mustBeRefused)
        .map((result) => `${result.certificate}: ${result.attempt.accepted ? 'ACCEPTED' : (result.attempt.status?.name ?? 'refused')}`)
        .join(', ');
      if (accepted.length > 0) return fail(`${accepted.length} of ${results.length - 1} invalid client certificates got a session (${summary})`, details);
      return pass(`the valid control certificate was accepted and all ${results.length - 1} invalid ones refused (${summary})`, details);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      target.attachTranscript();
    }
  },
});
