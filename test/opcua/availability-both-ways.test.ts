import { proveBothWays } from '../support/both-ways.js';

/**
 * The disruptive OPC UA checks under bounded load: storms at 300 attempts/s (the weak stack saturates at 100 new
 * connections/s, the hardened one serves several hundred in the same process), session exhaustion, and the fuzz corpus
 * last, since the weak stack goes down for a while on one of its cases.
 */
proveBothWays({
  simulator: 'opcua',
  passWith: 'hardened',
  failWith: 'weak',
  settings: {
    connectTimeoutMs: 2_000,
    requestTimeoutMs: 2_000,
    load: { ratePerSecond: 300, durationMs: 1_500, sampleIntervalMs: 100, lossTolerance: 0.1, fuzzCasesPerSecond: 500 },
  },
  checks: [
    'opcua.availability.handshake-storm',
    'opcua.availability.handshake-storm-managed',
    'tcp.availability.connection-storm',
    'opcua.resources.session-exhaustion',
    'opcua.robustness.malformed-messages',
  ],
  reasons: {
    // Robustness, not conformance: the weak PLC fails for the harm seen (it stops answering), the hardened one refuses cleanly.
    'opcua.robustness.malformed-messages': { pass: /refused all \d+ malformed messages cleanly and kept answering/, fail: /the server stopped answering after/ },
  },
});
