import { proveBothWays } from '../support/both-ways.js';

proveBothWays({
  simulator: 'tls',
  passWith: 'hardened',
  failWith: 'weak',
  checks: [
    'tls.cryptography.versions-and-suites',
    'tls.certificate.key-strength',
    'tls.certificate.identifies-host',
    'tls.cleartext-twin.integrity',
    'tls.cleartext-twin.confidentiality',
    'tcp.least-functionality.open-ports',
  ],
});

// The storm crashes the weak web server, so it gets simulators of its own; a shorter storm keeps the test quick.
// Harness and simulator share this machine's two cores with the rest of the suite, so a scheduling stall can cost the
// hardened side a sample or two of twenty; the weak device loses nearly all of them and never comes back.
proveBothWays({
  simulator: 'tls',
  passWith: 'hardened',
  failWith: 'weak',
  checks: ['tcp.availability.connection-storm'],
  settings: { load: { ratePerSecond: 200, durationMs: 2_000, sampleIntervalMs: 100, lossTolerance: 0.2, fuzzCasesPerSecond: 500 } },
});
