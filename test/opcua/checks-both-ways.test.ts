import { proveBothWays } from '../support/both-ways.js';

/** Every OPC UA check of issue 3, over real sockets: pass against the hardened PLC, fail against the weak one. */
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
  ],
});
