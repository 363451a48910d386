import type { ProfileInput } from '../../core/profile/schema.js';
import { proveBothWays } from '../support/both-ways.js';

/**
 * One flaw at a time: each OPC UA check fails against a PLC that is hardened but for the one mistake the check is
 * about (simulators/opcua/flaws.ts), for the reason it names, and passes against the hardened PLC, whose session cap,
 * lockout, idle timeout and user names are drawn anew at every start. The weak PLC with every flaw at once is in
 * checks-both-ways.test.ts and availability-both-ways.test.ts.
 */

const DOCUMENTED = 'as documented in the profile';
const anonymousReadOnly = (profile: ProfileInput): ProfileInput => ({ ...profile, endpoints: { ...profile.endpoints, opcua: { ...profile.endpoints!.opcua!, anonymousAccess: 'read-only' } } });

const flawProofs: Array<{ flaw: string; reasons: Record<string, { pass?: RegExp; fail?: RegExp }>; adjust?: (profile: ProfileInput) => ProfileInput }> = [
  {
    flaw: 'anonymous',
    reasons: {
      'opcua.authentication.anonymous-session-refused': {
        pass: /^anonymous ActivateSession refused with Bad\w+ .* at activateSession on \S+, where viewer "view\.msmith\.[0-9a-f]{4}" got a session on the same channel/,
        fail: /^an anonymous session was accepted/,
      },
      'opcua.authorization.all-identities-bounded': { pass: /^anonymous was refused .*; the X509 identity may write nothing/, fail: /^an anonymous session may write ns=1;s=PLC\.Setpoint/ },
    },
  },
  { flaw: 'anonymous', adjust: anonymousReadOnly, reasons: { 'opcua.authentication.anonymous-read-only': { pass: /stricter than the declared read-only access/, fail: /^an anonymous session reads and may write 1 of \d+ variables: ns=1;s=PLC\.Setpoint/ } } },
  {
    flaw: 'default-credentials',
    reasons: {
      'opcua.authenticators.default-credentials-refused': {
        pass: /^all \d+ factory-default pairs tried were refused: \d+ refused by the token check \(BadUserAccessDenied\), while viewer "[^"]+" logged in on the same \S+ channel; (none|\d+) skipped for the failed-login budget \(budget \d failures in a row per account, lockout threshold \d as documented in the profile/,
        // On this branch the names are masked where the profile holds the same values (the simulator's default
        // passwords equal its user names); main's ctx.disclose names them.
        // A drawn lockout threshold of 3 leaves a budget of 2 for admin, whose third pair ("Admin") is then skipped.
        fail: /^3 of \d+ factory-default pairs opened a session, for user names (admin|\*{8}), (operator|\*{8}), (viewer|\*{8}); (none|1) skipped for the failed-login budget/,
      },
    },
  },
  {
    flaw: 'shared-account',
    reasons: { 'opcua.authentication.shared-accounts-refused': { pass: /^all \d+ shared-account logins tried were refused: .* logged in on the same/, fail: /^1 of \d+ shared accounts got a session: shift;/ } },
  },
  {
    flaw: 'untrusted-clients',
    reasons: {
      'opcua.device-authentication.application-certificates': { pass: /the untrusted client certificate was refused at channel/, fail: /a client application with an untrusted self-signed certificate got a session/ },
      'opcua.public-key.client-certificate-validation': { pass: /the valid control certificate was accepted and all \d+ invalid ones refused/, fail: /invalid client certificates got a session .*expired: ACCEPTED/ },
    },
  },
  { flaw: 'sha1-certificate', reasons: { 'opcua.public-key.server-certificate-strength': { pass: /sha256WithRSAEncryption/, fail: /signature sha1WithRSAEncryption/ } } },
  {
    flaw: 'login-feedback',
    reasons: {
      'opcua.authenticator-feedback.uniform-refusal': {
        pass: /^both refused at ActivateSession with BadUserAccessDenied .*, where viewer "[^"]+" logs in on the same \S+ channel before and after/,
        fail: /^the answers differ: unknown user → BadIdentityTokenRejected .*, wrong password → BadUserAccessDenied/,
      },
    },
  },
  {
    flaw: 'no-lockout',
    reasons: {
      'opcua.login-attempts.lockout': {
        pass: new RegExp(`^after (\\d) consecutive failed logins the correct password was refused with BadUserAccessDenied .*; released after about [\\d.]+ s, documented \\d s \\(threshold \\1, ${DOCUMENTED}`),
        fail: new RegExp(`^the correct password was accepted at once after \\d consecutive failed logins .*no lockout or slowdown \\(threshold \\d, ${DOCUMENTED}`),
      },
    },
  },
  {
    flaw: 'flat-roles',
    reasons: {
      'opcua.authorization.viewer-cannot-write': { pass: /^the viewer reads \d+ of \d+ variables and may write none \(\d+ variables: .*\)/, fail: /^the viewer may write \d+ of \d+ variables: .*ns=1;s=PLC\.Setpoint/ },
      'opcua.authorization.role-permission-mapping': { pass: /^viewer writes nothing; operator writes ns=1;s=PLC\.Setpoint; admin writes /, fail: /^the viewer may write / },
    },
  },
  {
    flaw: 'device-identity-admin',
    reasons: { 'opcua.authorization.all-identities-bounded': { pass: /the X509 identity may write nothing; the operator may write ns=1;s=PLC\.Setpoint/, fail: /^the X509 identity may write what the operator may not: ns=1;s=PLC\.PumpRunning/ } },
  },
  {
    flaw: 'long-sessions',
    reasons: {
      'opcua.session.idle-timeout': {
        pass: new RegExp(`^the requested one-day timeout was revised to (\\d+) ms and the idle session was closed .*idle bound \\d+ s, ${DOCUMENTED}`),
        fail: new RegExp(`^the device revised the requested \\d+ ms session timeout to 3000000 ms \\(50 min\\), above the bound \\(idle bound \\d+ s, ${DOCUMENTED}\\)`),
      },
    },
  },
  {
    flaw: 'sessions-per-user',
    reasons: {
      'opcua.session.concurrent-per-user-capped': {
        pass: new RegExp(`^(\\d) concurrent sessions for user "[^"]+" were accepted and the next was refused with BadTooManySessions .*\\(cap \\1 per user, ${DOCUMENTED}\\)`),
        fail: new RegExp(`^(\\d) concurrent sessions for user "[^"]+" were all accepted \\(cap \\d per user, ${DOCUMENTED}\\)`),
      },
    },
  },
  { flaw: 'cleartext-password', reasons: { 'opcua.confidentiality.no-cleartext-credentials': { pass: /^no UserName policy sends passwords in clear/, fail: /^passwords would travel in clear on Sign\/\S+ policy "username_unencrypted"/ } } },
  { flaw: 'deprecated-policies', reasons: { 'opcua.cryptography.no-deprecated-policies': { pass: /^offered policies: /, fail: /^deprecated policies offered: endpoint \w+\/Basic128Rsa15/ } } },
  { flaw: 'none-endpoint', reasons: { 'opcua.integrity.signed-endpoints-only': { pass: /^all \d+ endpoints sign their messages/, fail: /endpoints carry messages without integrity protection \(None\/None\)/ } } },
  {
    flaw: 'signature-blind',
    reasons: { 'opcua.integrity.tampered-message-rejected': { pass: /^the Write of ns=1;s=PLC\.\w+ .* altered in transit on Sign\/\S+ .* was rejected/, fail: /^the device (acted on|accepted) a Write of ns=1;s=PLC\.\w+ .* altered in transit/ } },
  },
  { flaw: 'session-binding', reasons: { 'opcua.session.integrity': { pass: /all ids, tokens and nonces distinct/, fail: /^another channel used the session's token and the device answered Good/ } } },
  { flaw: 'fixed-nonce', reasons: { 'opcua.session.integrity': { fail: /^\d+ of \d+ server nonces were repeats/ } } },
  { flaw: 'leaky-errors', reasons: { 'opcua.error-handling.no-internal-details': { pass: /none with internal details/, fail: /diagnostic texts reveal internal details \(.*stack frame/ } } },
  { flaw: 'no-audit', reasons: { 'opcua.audit.security-events': { pass: /^Server\.Auditing = true; failed login .*; refused write of /, fail: /^Server\.Auditing = false;/ } } },
  { flaw: 'clock-offset', reasons: { 'opcua.timestamps.server-time': { pass: /^ServerStatus\.CurrentTime \S+ is [+-]0\.\d+ s off the harness clock/, fail: /^ServerStatus\.CurrentTime \S+ is \+22\d\d\.\d+ s off the harness clock/ } } },
  { flaw: 'no-diagnostics', reasons: { 'opcua.monitoring.diagnostics-counters': { pass: /^after 3 rejected logins: /, fail: /did not rise by 3|cannot be read/ } } },
  { flaw: 'empty-build-info', reasons: { 'opcua.inventory.build-info': { pass: /^BuildInfo identifies the server/, fail: /^BuildInfo lacks ManufacturerName, SoftwareVersion, BuildNumber/ } } },
];

for (const { flaw, reasons, adjust } of flawProofs) {
  proveBothWays({ simulator: 'opcua', passWith: 'hardened', failWith: `weak-${flaw}`, checks: Object.keys(reasons), reasons, ...(adjust ? { adjust } : {}) });
}

/** The disruptive checks, under the bounded load of availability-both-ways.test.ts. */
const load = {
  connectTimeoutMs: 2_000,
  requestTimeoutMs: 2_000,
  load: { ratePerSecond: 300, durationMs: 1_500, sampleIntervalMs: 100, lossTolerance: 0.1, fuzzCasesPerSecond: 500 },
};
proveBothWays({
  simulator: 'opcua',
  passWith: 'hardened',
  failWith: 'weak-slow-connections',
  settings: load,
  // Slow connections break the essential functions under the ramp; whether each handshake still gets its answer
  // within the 500 ms bound (the managed check, proven in availability-both-ways) depends on the machine's load.
  checks: ['opcua.availability.handshake-storm'],
  reasons: {
    'opcua.availability.handshake-storm': { pass: /held up to 300\/s \(the cap; never broke\).*read the tank level \(held session\) at 300\/s: p99 /, fail: /below the required 300\/s; .*broke at \d+\/s/ },
  },
});
proveBothWays({
  simulator: 'opcua',
  passWith: 'hardened',
  failWith: 'weak-no-session-cap',
  settings: load,
  checks: ['opcua.resources.session-exhaustion'],
  reasons: {
    'opcua.resources.session-exhaustion': {
      pass: new RegExp(`: capped \\(CreateSession refused after \\d+ were created, at most \\d+ held at once as the harness saw it\\)`),
      // The simulator documents its (drawn) cap, so the flaw shows as sessions held beyond it.
      fail: /none refused, 0 closed by the device while held, (\d+) held at once at the end \(cap \d+ sessions, as documented in the profile\): \1 sessions were held at once, beyond the documented cap of \d+/,
    },
  },
});
proveBothWays({
  simulator: 'opcua',
  passWith: 'hardened',
  failWith: 'weak-zero-buffer-crash',
  settings: load,
  checks: ['opcua.robustness.malformed-messages'],
  reasons: { 'opcua.robustness.malformed-messages': { fail: /the server stopped answering after .*hello\.zero-receive-buffer/ } },
});
proveBothWays({
  simulator: 'opcua',
  passWith: 'hardened',
  failWith: 'weak-lenient-decoding',
  settings: load,
  checks: ['opcua.robustness.malformed-messages'],
  reasons: {
    'opcua.robustness.malformed-messages': {
      pass: /refused all \d+ malformed messages cleanly and kept answering/,
      // Storing an array in a scalar or a setpoint out of its range is acting on invalid input, whatever else it tolerates.
      fail: /cases mishandled by \S+ \(.*write values 2\/4\)/,
    },
  },
});
