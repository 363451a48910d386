import { proveBothWays } from '../support/both-ways.js';

/** Each SNMP check against the hardened agent and the single-flaw variant made for it, with the reason asserted. */
const cases: Array<{ check: string; flaw: string; pass: RegExp; fail: RegExp }> = [
  { check: 'snmp.identification.anonymous-access-refused', flaw: 'weak-community', pass: /v3 user .* is answered; "public" and the empty community \(v1, v2c\) and an unknown v3 user were refused \(report usmStatsUnknownUserNames\)/, fail: /served without identification on .*\/udp: v1 "public", v2c "public"/ },
  { check: 'snmp.authenticators.default-communities-refused', flaw: 'weak-community', pass: /none of \d+ default communities was answered/, fail: /factory-default communities answered on .*: v1 "public", v2c "public"/ },
  { check: 'snmp.authorization.write-refused', flaw: 'weak-write', pass: /SET of 1\.3\.6\.1\.2\.1\.1\.4\.0 \(the value just read\) refused for v3 viewer "mon-[0-9a-f]+" \(error-status NoAccess\)/, fail: /SET of 1\.3\.6\.1\.2\.1\.1\.4\.0 was accepted for v1 with the profile's community, v2c with the profile's community/ },
  { check: 'snmp.confidentiality.v3-authpriv-only', flaw: 'weak-v2c', pass: /v1\/v2c answered none of \d+ communities; 1 v3 user\(s\), each served at authPriv only/, fail: /at SL 2: v1\/v2c answered \(v1 with the profile's community, v2c with the profile's community\)/ },
  { check: 'snmp.cryptography.v3-protocols', flaw: 'weak-md5', pass: /v3 users served with sound protocols: "mon-[0-9a-f]+" sha(256|512)?\/aes/, fail: /"mon-[0-9a-f]+" authenticates with HMAC-MD5 \(served so\)/ },
  { check: 'snmp.authenticator-feedback.usm-reports', flaw: 'weak-any-user', pass: /no data for wrong credentials: unknown user → report usmStatsUnknownUserNames; wrong key → no answer .*tells them apart/, fail: /wrong credentials got data: an unknown user was served/ },
  { check: 'snmp.inventory.system-group', flaw: 'weak-sysinfo', pass: /sysDescr="Simulated field device, SNMP agent, firmware .*sysObjectID=1\.3\.6\.1\.4\.1\.99999\.1\.\d+.*names the declared firmware/, fail: /the system group lacks sysDescr, a vendor sysObjectID, sysName/ },
];

describe('SNMP checks proven both ways', function () {
  for (const { check, flaw, pass, fail } of cases) {
    proveBothWays({ simulator: 'snmp', passWith: 'hardened', failWith: flaw, checks: [check], reasons: { [check]: { pass, fail } } });
  }
  // A v3 user without privacy fails CR 4.1 as surely as v2c does.
  proveBothWays({
    simulator: 'snmp',
    passWith: 'hardened',
    failWith: 'weak-no-privacy',
    checks: ['snmp.confidentiality.v3-authpriv-only'],
    reasons: { 'snmp.confidentiality.v3-authpriv-only': { fail: /user "nms-[0-9a-f]+" is configured for authNoPriv: data travels unencrypted/ } },
  });
});
