import { proveBothWays } from '../support/both-ways.js';

/** Every OPC UA check that sends no load, over real sockets: pass against the hardened PLC, fail against the weak one. */
proveBothWays({
  simulator: 'opcua',
  passWith: 'hardened',
  failWith: 'weak',
  checks: [
    'opcua.authentication.anonymous-session-refused',
    'opcua.authentication.shared-accounts-refused',
    'opcua.device-authentication.application-certificates',
    'opcua.authenticators.default-credentials-refused',
    'opcua.public-key.client-certificate-validation',
    'opcua.public-key.server-certificate-strength',
    'opcua.authenticator-feedback.uniform-refusal',
    'opcua.login-attempts.lockout',
    'opcua.authorization.viewer-cannot-write',
    'opcua.authorization.all-identities-bounded',
    'opcua.authorization.role-permission-mapping',
    'opcua.session.idle-timeout',
    'opcua.session.concurrent-per-user-capped',
    'opcua.confidentiality.no-cleartext-credentials',
    'opcua.cryptography.no-deprecated-policies',
    // Issue 5: integrity, error handling, audit, time, monitoring and inventory.
    'opcua.integrity.signed-endpoints-only',
    'opcua.integrity.tampered-message-rejected',
    'opcua.session.integrity',
    'opcua.error-handling.no-internal-details',
    'opcua.audit.security-events',
    'opcua.timestamps.server-time',
    'opcua.monitoring.diagnostics-counters',
    'opcua.inventory.build-info',
  ],
});

/** Where anonymous access is declared read-only: the hardened PLC refuses it altogether, the weak one lets it write. */
proveBothWays({
  simulator: 'opcua',
  passWith: 'hardened',
  failWith: 'weak',
  checks: ['opcua.authentication.anonymous-read-only'],
  adjust: (profile) => ({ ...profile, endpoints: { ...profile.endpoints, opcua: { ...profile.endpoints!.opcua!, anonymousAccess: 'read-only' } } }),
});
