import { rmSync } from 'node:fs';
import { defineCheck, fail, pass } from '../../core/check.js';
import { describeCertificate } from '../../adapters/pki/inspect.js';
import { createUntrustedClientCertificate } from '../../adapters/opcua/pki.js';
import { formatStatus } from '../../adapters/opcua/status.js';
import { opcuaTarget } from '../../adapters/opcua/target.js';

export default defineCheck({
  id: 'opcua.device-authentication.application-certificates',
  requirement: 'CR 1.2',
  sl: [2, 3, 4],
  protocol: 'opcua',
  disruptive: false,
  title: 'OPC UA applications authenticate each other by certificate',
  expectation: 'Every secured endpoint presents an application certificate whose URI matches the server applicationUri, and a client application with an untrusted certificate gets no session',
  timeoutMs: 60_000,
  async run(ctx) {
    const target = opcuaTarget(ctx);
    const { dir, credentials: untrusted } = createUntrustedClientCertificate();
    try {
      const inventory = await target.inventory();
      const secured = inventory.endpoints.filter((endpoint) => endpoint.securityMode !== 'None');
      const problems: string[] = [];
      const endpoints = secured.map((endpoint) => {
        const name = `${endpoint.securityMode}/${endpoint.securityPolicy}`;
        if (!endpoint.serverCertificateDer) {
          problems.push(`${name} presents no certificate`);
          return { endpoint: name, certificate: null };
        }
        const facts = describeCertificate(endpoint.serverCertificateDer);
        if (!facts.san.uris.includes(endpoint.applicationUri)) problems.push(`${name}: certificate URI ${facts.san.uris.join(', ') || '(none)'} is not the applicationUri ${endpoint.applicationUri}`);
        return { endpoint: name, applicationUri: endpoint.applicationUri, sanUris: facts.san.uris, thumbprint: facts.thumbprint };
      });
      if (secured.length === 0) problems.push('no secured endpoint: the device cannot authenticate itself to clients');

      const channel = await target.sessionChannel({ credentials: untrusted, claimedApplicationUri: untrusted.applicationUri });
      const identity = target.leastPrivilegedIdentity();
      const attempt = await ctx.step(`session with an untrusted self-signed client certificate (${untrusted.thumbprint})`, () => target.probe.attemptSession(identity, channel));
      target.recordLogin(identity, attempt);
      if (attempt.accepted) problems.push(`a client application with an untrusted self-signed certificate got a session on ${channel.securityMode}/${channel.securityPolicy}`);

      const details = { endpoints, untrustedClient: { thumbprint: untrusted.thumbprint, attempt } };
      if (problems.length > 0) return fail(problems.join('; '), details);
      return pass(
        `${secured.length} secured endpoints present certificates naming ${[...new Set(secured.map((endpoint) => endpoint.applicationUri))].join(', ')}; the untrusted client certificate was refused at ${attempt.stage} (${attempt.status ? formatStatus(attempt.status) : attempt.note})`,
        details,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
      target.attachTranscript();
    }
  },
});
