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
  reasons: {
    'tls.cryptography.versions-and-suites': { pass: /none weak, forward secrecy offered/, fail: /accepts TLS 1\.0.*deprecated by RFC 8996/ },
    'tls.certificate.key-strength': { fail: /RSA 1024-bit/ },
    'tls.certificate.identifies-host': { pass: /chain verified to the profile's CA CN=Simulated Vendor Device CA/, fail: /expired.*self-signed, trust not checked/ },
    'tls.cleartext-twin.integrity': { pass: /scanned 65535 TCP ports \(1-65535\)/, fail: /in plain text, the same page as TLS service web-ui/ },
    'tls.cleartext-twin.confidentiality': { pass: /none serves it unencrypted/, fail: /in plain text, the same page as TLS service web-ui/ },
    'tcp.least-functionality.open-ports': { pass: /scanned 65535 TCP ports \(1-65535\) in [\d.]+ s .*all declared/, fail: /undeclared open TCP port/ },
  },
});

// One flaw each on an otherwise hardened device: each check catches its own flaw, for its own reason.
const singleFlaws: Array<{ variant: string; check: string; reason: RegExp }> = [
  { variant: 'weak-legacy-tls', check: 'tls.cryptography.versions-and-suites', reason: /accepts TLS 1\.0, TLS 1\.1 \(deprecated by RFC 8996\)/ },
  { variant: 'weak-short-key', check: 'tls.certificate.key-strength', reason: /server certificate key is RSA 1024-bit \(at least 2048-bit required\)/ },
  { variant: 'weak-wrong-name', check: 'tls.certificate.identifies-host', reason: /subjectAltName \(IP:127\.[\d.]+\) does not name 127\./ },
  { variant: 'weak-untrusted-ca', check: 'tls.certificate.identifies-host', reason: /does not chain to the profile's CA: it ends at the self-signed CN=Unknown Integrator CA/ },
  { variant: 'weak-cleartext-twin', check: 'tls.cleartext-twin.integrity', reason: /answers HTTP\/1\.1 200 OK "Device management" in plain text, the same page as TLS service web-ui/ },
  { variant: 'weak-cleartext-twin', check: 'tls.cleartext-twin.confidentiality', reason: /in plain text, the same page as TLS service web-ui .*travel unencrypted/ },
  { variant: 'weak-open-port', check: 'tcp.least-functionality.open-ports', reason: /1 undeclared open TCP port\(s\) on 127\.[\d.]+: [1-6]\d{4} \(.*BusyBox/ },
];
for (const { variant, check, reason } of singleFlaws) {
  proveBothWays({ simulator: 'tls', passWith: 'hardened', failWith: variant, checks: [check], reasons: { [check]: { fail: reason } } });
}

// The storm crashes the weak web server, so it gets simulators of its own; a shorter storm keeps the test quick.
// Harness and simulator share this machine's two cores with the rest of the suite, so a scheduling stall can cost the
// hardened side a sample or two of twenty; the weak device loses nearly all of them and never comes back.
const storm = { load: { ratePerSecond: 200, durationMs: 2_000, sampleIntervalMs: 100, lossTolerance: 0.2, fuzzCasesPerSecond: 500 } };
proveBothWays({ simulator: 'tls', passWith: 'hardened', failWith: 'weak', checks: ['tcp.availability.connection-storm'], settings: storm });
proveBothWays({
  simulator: 'tls',
  passWith: 'hardened',
  failWith: 'weak-fragile',
  checks: ['tcp.availability.connection-storm'],
  settings: storm,
  reasons: { 'tcp.availability.connection-storm': { fail: /web-ui .*samples lost.*not answering within 1000 ms at the end of the recovery window/ } },
});
