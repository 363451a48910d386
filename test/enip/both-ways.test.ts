import { proveBothWays } from '../support/both-ways.js';

/**
 * Each EtherNet/IP check against the hardened simulated adapter (whose identity, revision and session cap are drawn
 * anew at every start) and against the single-flaw variant made for it, with the reason asserted.
 */
const cases: Array<{ check: string; flaw: string; pass: RegExp; fail: RegExp }> = [
  {
    check: 'enip.inventory.identity-object',
    flaw: 'weak-identity',
    pass: /identifies itself through ListIdentity and the Identity object: vendor \d+, device type 12, product code \d+, revision \d+\.\d+, serial 0x[0-9a-f]+, product name "EIP Adapter \d+"; agrees with the declared identity; ListIdentity over UDP answered "EIP Adapter \d+" serial 0x[0-9a-f]+$/,
    fail: /Identity object: vendor id 0; product code 0; an empty product name; serial number 0/,
  },
  {
    check: 'enip.authentication.unauthenticated-write-refused',
    flaw: 'weak-unauthenticated-write',
    pass: /refused Set_Attribute_Single from an unauthenticated originator with general status 0x0f privilege violation, while the same session's read was served \(read answered 0000\); declared safe to write/,
    fail: /applied Set_Attribute_Single \(0x00 success\) from an originator that never authenticated/,
  },
  {
    check: 'enip.authorization.unsecured-write-refused',
    flaw: 'weak-unauthenticated-write',
    pass: /did not authorise the write for an originator with no rights \(0x0f privilege violation\)/,
    fail: /authorised a state change for an originator with no rights: Set_Attribute_Single was applied/,
  },
  {
    check: 'enip.confidentiality.cip-security',
    flaw: 'weak-no-cip-security',
    pass: /CIP Security on \d+: TLSv1\.[23] with TLS_\w+, EtherNet\/IP served inside \("EIP Adapter \d+"\); the unsecured port \d+ is open, read-only as declared; a Set_Attribute_Single there was refused \(0x0f privilege violation\); DTLS .* not examined/,
    fail: /no CIP Security: the profile declares no CIP Security port .*answered ListIdentity in clear .*explicit messages travel unencrypted/,
  },
  {
    check: 'enip.integrity.cip-security',
    flaw: 'weak-no-cip-security',
    pass: /CIP Security on \d+: TLSv1\.[23] with TLS_\w+; the unsecured port \d+ is open, read-only as declared; a Set_Attribute_Single there was refused/,
    fail: /no CIP Security: .*carry no integrity protection/,
  },
  {
    check: 'enip-security.cryptography.versions-and-suites',
    flaw: 'weak-legacy-tls',
    pass: /CIP Security \(.*\) accepts TLS 1\.2, TLS 1\.3 with \d+ suite\(s\), none weak, forward secrecy offered; certificate .*; DTLS .* not examined/,
    fail: /CIP Security \(.*\) .*TLS 1\.0/,
  },
  {
    check: 'enip-security.certificate.key-strength',
    flaw: 'weak-short-key',
    pass: /CIP Security \(.*\): CN=.*RSA 2048-bit, sha256WithRSAEncryption.* ← CN=Simulated CIP Security CA/,
    fail: /server certificate key is RSA 1024-bit \(at least 2048-bit required\)/,
  },
  {
    check: 'enip.robustness.malformed-messages',
    flaw: 'weak-malformed-header',
    pass: /handled all \d+ malformed messages as prescribed/,
    fail: /the device stopped answering after length\.huge-0xffff/,
  },
  {
    check: 'enip.availability.register-session-storm',
    flaw: 'weak-no-session-limit',
    pass: /sessions registered, \d+ refused with 0x0002 insufficient memory resources.*: .*EtherNet\/IP process value/,
    fail: /RegisterSession attempts .*: .*EtherNet\/IP process value.*(p99|lost|missed)/,
  },
];

describe('EtherNet/IP checks proven both ways', function () {
  for (const { check, flaw, pass, fail } of cases) {
    proveBothWays({ simulator: 'enip', passWith: 'hardened', failWith: flaw, checks: [check], reasons: { [check]: { pass, fail } } });
  }
});
