import { defineCheck, fail, pass } from '../../core/check.js';
import { formatStatus } from '../../adapters/opcua/status.js';
import { opcuaTarget } from '../../adapters/opcua/target.js';

export default defineCheck({
  id: 'opcua.integrity.signed-endpoints-only',
  requirement: 'CR 3.1',
  sl: [1, 2, 3, 4],
  protocol: 'opcua',
  disruptive: false,
  title: 'OPC UA offers no endpoint without message integrity',
  expectation:
    'Every endpoint GetEndpoints lists uses security mode Sign or SignAndEncrypt; a None endpoint is only acceptable when the profile declares it for discovery only (endpoints.opcua.discoveryOnlyNone), and then the device refuses sessions on it',
  timeoutMs: 60_000,
  async run(ctx) {
    const target = opcuaTarget(ctx);
    try {
      const inventory = await target.inventory();
      const describe = (endpoint: { securityMode: string; securityPolicy: string }) => `${endpoint.securityMode}/${endpoint.securityPolicy}`;
      const unprotected = inventory.endpoints.filter((endpoint) => endpoint.securityMode === 'None' || endpoint.securityPolicy === 'None');
      const signed = inventory.endpoints.filter((endpoint) => !unprotected.includes(endpoint));
      const listing = inventory.endpoints.map(describe).join(', ');
      const details = { endpoints: inventory.endpoints.map(describe), unprotected: unprotected.map(describe), discoveryOnlyNone: ctx.profile.endpoints.opcua?.discoveryOnlyNone ?? false };
      if (inventory.endpoints.length === 0) throw new Error('GetEndpoints returned no endpoint, so nothing says how messages are protected');
      if (unprotected.length === 0) return pass(`all ${inventory.endpoints.length} endpoints sign their messages (${listing})`, details);
      if (!ctx.profile.endpoints.opcua?.discoveryOnlyNone) {
        return fail(`${unprotected.length} of ${inventory.endpoints.length} endpoints carry messages without integrity protection (${unprotected.map(describe).join(', ')}); signed ones: ${signed.map(describe).join(', ') || 'none'}`, details);
      }
      // Declared for discovery only: a session must not be possible on it, whoever asks.
      const attempt = await ctx.step('CreateSession and ActivateSession (anonymous) on the None endpoint declared for discovery only', () =>
        target.probe.attemptSession({ kind: 'anonymous' }, { securityPolicy: 'None', securityMode: 'None' }),
      );
      const sessionDetails = { ...details, sessionOnNone: attempt };
      if (attempt.accepted || attempt.stage === 'activateSession') {
        const how = attempt.accepted ? 'an anonymous session was activated' : `CreateSession was accepted (ActivateSession then answered ${attempt.status ? formatStatus(attempt.status) : attempt.note})`;
        return fail(`the None endpoint declared for discovery only serves sessions: ${how}`, sessionDetails);
      }
      return pass(`the None endpoint serves discovery only, as declared: CreateSession on it refused at ${attempt.stage} with ${attempt.status ? formatStatus(attempt.status) : attempt.note}; signed endpoints: ${signed.map(describe).join(', ') || 'none'}`, sessionDetails);
    } finally {
      target.attachTranscript();
    }
  },
});
