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
