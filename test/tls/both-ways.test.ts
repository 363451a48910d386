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
