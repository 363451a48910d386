import { proveBothWays } from '../support/both-ways.js';

/**
 * Every Modbus check against the simulated PLC: pass against the hardened (or Modbus/TCP Security) profile, fail
 * against the weak one, over real sockets. Short timeouts and load windows keep the file fast.
 */

const quick = { connectTimeoutMs: 1000, requestTimeoutMs: 1000 };

proveBothWays({
  simulator: 'modbus',
  passWith: 'hardened',
  failWith: 'weak',
  checks: ['modbus.error-handling.prescribed-exception-codes', 'modbus.inventory.device-identification'],
  settings: quick,
});

// The weak stack dies of a write at its boundary (and its watchdog restarts it), so the fuzz gets simulators of its own.
proveBothWays({
  simulator: 'modbus',
  passWith: 'hardened',
  failWith: 'weak',
  checks: ['modbus.robustness.malformed-requests'],
  settings: { connectTimeoutMs: 1000, requestTimeoutMs: 500, load: { ratePerSecond: 200, durationMs: 1000, sampleIntervalMs: 100, lossTolerance: 0.1, fuzzCasesPerSecond: 5000 } },
});

proveBothWays({
  simulator: 'modbus',
  passWith: 'hardened',
  failWith: 'weak',
  checks: ['modbus.availability.request-flood', 'modbus.availability.flood-backlog-bounded', 'modbus.resources.connection-exhaustion'],
  // Twice what the weak stack can serve (1000 requests/s), half of the hardened one's capacity.
  settings: { ...quick, load: { ratePerSecond: 2000, durationMs: 1500, sampleIntervalMs: 100, lossTolerance: 0.15, fuzzCasesPerSecond: 500 } },
});

proveBothWays({
  simulator: 'modbus',
  passWith: 'hardened',
  failWith: 'weak',
  checks: ['modbus.availability.connection-storm'],
  settings: { ...quick, load: { ratePerSecond: 800, durationMs: 1500, sampleIntervalMs: 100, lossTolerance: 0.15, fuzzCasesPerSecond: 500 } },
});

// Plain Modbus/TCP cannot meet these by design: the hardened profile declares them compensated (see checks.test.ts),
// so the pass side is Modbus/TCP Security.
proveBothWays({
  simulator: 'modbus',
  passWith: 'secure',
  failWith: 'weak',
  checks: [
    'modbus.authentication.client-certificate-required',
    'modbus.authentication.mutual-device-authentication',
    'modbus.authorization.viewer-cannot-write',
    'modbus.integrity.tampered-request-rejected',
    'modbus.confidentiality.encrypted-transport',
  ],
  settings: quick,
});

// A Modbus/TCP Security device configured badly: the same checks fail on it for the TLS reasons.
proveBothWays({
  simulator: 'modbus',
  passWith: 'secure',
  failWith: 'weak-secure',
  checks: [
    'modbus-tls.cryptography.versions-and-suites',
    'modbus.authentication.client-certificate-required',
    'modbus.authentication.mutual-device-authentication',
    'modbus.authorization.viewer-cannot-write',
  ],
  settings: quick,
});

/*
 * One flaw at a time: each single-flaw variant of the hardened or secure PLC fails the check that owns its flaw, for
 * that reason. The hardened and secure profiles draw their unit id, connection cap and role names at every start.
 */
proveBothWays({
  simulator: 'modbus',
  passWith: 'hardened',
  failWith: 'weak-exceptions',
  checks: ['modbus.error-handling.prescribed-exception-codes'],
  settings: quick,
  reasons: {
    'modbus.error-handling.prescribed-exception-codes': { pass: /answered all \d+ invalid requests with the prescribed/, fail: /unassigned function code .*got no reply/ },
  },
});

proveBothWays({
  simulator: 'modbus',
  passWith: 'hardened',
  failWith: 'weak-no-identification',
  checks: ['modbus.inventory.device-identification'],
  settings: quick,
  reasons: {
    'modbus.inventory.device-identification': { pass: /identifies itself with \d+ objects/, fail: /does not implement Read Device Identification/ },
  },
});

proveBothWays({
  simulator: 'modbus',
  passWith: 'hardened',
  failWith: 'weak-validation',
  checks: ['modbus.robustness.malformed-requests'],
  settings: { connectTimeoutMs: 1000, requestTimeoutMs: 500, load: { ratePerSecond: 200, durationMs: 1000, sampleIntervalMs: 100, lossTolerance: 0.1, fuzzCasesPerSecond: 5000 } },
  reasons: {
    'modbus.robustness.malformed-requests': { pass: /handled all \d+ malformed requests as prescribed/, fail: /the device stopped answering after/ },
  },
});

proveBothWays({
  simulator: 'modbus',
  passWith: 'hardened',
  failWith: 'weak-no-connection-cap',
  checks: ['modbus.resources.connection-exhaustion'],
  settings: { ...quick, load: { ratePerSecond: 2000, durationMs: 1500, sampleIntervalMs: 100, lossTolerance: 0.15, fuzzCasesPerSecond: 500 } },
  reasons: {
    'modbus.resources.connection-exhaustion': {
      pass: /limit \d+ as documented \(maxConnections\)\): the device limited them/,
      fail: /\d+ connections held at once, more than the \d+ the profile documents/,
    },
  },
});

// Above the PLC's capacity (4000 requests/s): the hardened one sheds with exception 06, the unbounded queue makes everyone wait.
proveBothWays({
  simulator: 'modbus',
  passWith: 'hardened',
  failWith: 'weak-unbounded-queue',
  checks: ['modbus.availability.flood-backlog-bounded', 'modbus.availability.request-flood'],
  settings: { ...quick, load: { ratePerSecond: 6000, durationMs: 1500, sampleIntervalMs: 100, lossTolerance: 0.15, fuzzCasesPerSecond: 500 } },
  reasons: {
    'modbus.availability.flood-backlog-bounded': { pass: /06 Server Device Busy/, fail: /waited up to .* in the device's queue, beyond the \d+ ms bound/ },
    'modbus.availability.request-flood': { fail: /samples lost|exceeds \d+ ms under load/ },
  },
});

proveBothWays({
  simulator: 'modbus',
  passWith: 'secure',
  failWith: 'weak-client-verify',
  checks: ['modbus.authentication.client-certificate-required', 'modbus.authentication.mutual-device-authentication'],
  settings: quick,
  reasons: {
    'modbus.authentication.client-certificate-required': {
      pass: /refused every unauthenticated client .* and served the profile's certificate/,
      fail: /served reads with a certificate from an unknown CA, with an expired certificate of the trusted CA/,
    },
    'modbus.authentication.mutual-device-authentication': {
      // The positive control: the profile's own certificate is served before a silent stranger counts as refused.
      pass: /served the profile's certificate \(normal response .*\) and refused one from an unknown CA/,
      fail: /a client certificate from an unknown CA was served/,
    },
  },
});

proveBothWays({
  simulator: 'modbus',
  passWith: 'secure',
  failWith: 'weak-self-signed',
  checks: ['modbus.authentication.mutual-device-authentication'],
  settings: quick,
  reasons: {
    'modbus.authentication.mutual-device-authentication': { fail: /does not verify against the profile's CA \(DEPTH_ZERO_SELF_SIGNED_CERT\); the device certificate does not name/ },
  },
});

proveBothWays({
  simulator: 'modbus',
  passWith: 'secure',
  failWith: 'weak-roles',
  checks: ['modbus.authorization.viewer-cannot-write'],
  settings: quick,
  reasons: {
    'modbus.authorization.viewer-cannot-write': {
      pass: /refused the write of a certificate with the read-only role "[a-z]+-\d+" to holding 0 \(exception 01 Illegal Function\) while the [a-z]+-\d+ certificate wrote it/,
      fail: /let a certificate with the read-only role "[a-z]+-\d+" write holding 0 \(normal response to FC 22/,
    },
  },
});

proveBothWays({
  simulator: 'modbus',
  passWith: 'secure',
  failWith: 'weak-legacy-tls',
  checks: ['modbus-tls.cryptography.versions-and-suites'],
  settings: quick,
  reasons: {
    'modbus-tls.cryptography.versions-and-suites': { pass: /accepts TLS 1\.2, TLS 1\.3 .* none weak/, fail: /accepts TLS 1\.0, TLS 1\.1 \(deprecated by RFC 8996\)/ },
  },
});

// A stack that serves the client it has and leaves every new one waiting: the held connection alone would pass it.
proveBothWays({
  simulator: 'modbus',
  passWith: 'hardened',
  failWith: 'weak-one-client',
  checks: ['modbus.availability.connection-storm', 'modbus.availability.request-flood'],
  settings: { ...quick, load: { ratePerSecond: 400, durationMs: 1000, sampleIntervalMs: 100, lossTolerance: 0.15, fuzzCasesPerSecond: 500 } },
  reasons: {
    'modbus.availability.connection-storm': {
      pass: /held up to 400\/s \(the cap; never broke\).*\(new connection\) at 400\/s: p99 [\d.]+ ms/,
      fail: /\(new connection\): no new connection was served even before the load while the monitor's held connection was open/,
    },
    'modbus.availability.request-flood': {
      pass: /held up to 400\/s \(the cap; never broke\).*\(new connection\) at 400\/s: p99 [\d.]+ ms/,
      fail: /the device answered none of the \d+ flood requests on 4 new connections while the flood ran; .*\(new connection\): no new connection was served/,
    },
  },
});
