import { defineCheck, fail, pass } from '../../core/check.js';
import { opcuaTarget } from '../../adapters/opcua/target.js';
import { formatStatus } from '../../adapters/opcua/status.js';

export default defineCheck({
  id: 'opcua.authentication.anonymous-session-refused',
  requirement: 'CR 1.1',
  sl: [1, 2, 3, 4],
  protocol: 'opcua',
  disruptive: false,
  title: 'OPC UA refuses anonymous sessions',
  expectation: 'ActivateSession with an anonymous identity token is refused by the device, and no endpoint advertises anonymous access',
  timeoutMs: 60_000,
  requires: (profile) => (profile.endpoints.opcua?.anonymousAccess === 'read-only' ? 'anonymous read-only access is declared (endpoints.opcua.anonymousAccess); opcua.authentication.anonymous-read-only checks it instead' : undefined),
  async run(ctx) {
    const target = opcuaTarget(ctx);
    try {
      const inventory = await target.inventory();
      const advertising = inventory.endpoints.filter((endpoint) => endpoint.userTokens.some((token) => token.tokenType === 'Anonymous'));
      const channel = await target.sessionChannel();
      // The token is sent even when no endpoint lists it: the device, not the client library, must refuse.
      const attempt = await ctx.step(`anonymous session on ${channel.securityMode}/${channel.securityPolicy}`, () => target.probe.attemptSession({ kind: 'anonymous' }, channel));
      const details = {
        channel,
        attempt,
        endpointsAdvertisingAnonymous: advertising.map((endpoint) => `${endpoint.securityMode}/${endpoint.securityPolicy}`),
      };
      if (attempt.accepted) {
        return fail(`an anonymous session was accepted on ${channel.securityMode}/${channel.securityPolicy}; ${advertising.length} of ${inventory.endpoints.length} endpoints advertise anonymous access`, details);
      }
      if (advertising.length > 0) {
        return fail(`anonymous ActivateSession was refused (${formatStatus(attempt.status)}) but ${advertising.length} endpoints still advertise anonymous access`, details);
      }
      return pass(`anonymous ActivateSession refused at ${attempt.stage} with ${attempt.status ? formatStatus(attempt.status) : attempt.note}; no endpoint advertises anonymous access`, details);
    } finally {
      target.attachTranscript();
    }
  },
});
