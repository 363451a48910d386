import { proveBothWays } from '../support/both-ways.js';

/**
 * Each SSH check against the hardened SSH simulator (whose lockout threshold, lockout time, idle timeout and account
 * names are drawn anew at every start) and against the single-flaw variant made for it, with the reason asserted.
 */
const cases: Array<{ check: string; flaw: string; pass: RegExp; fail: RegExp }> = [
  { check: 'ssh.cryptography.algorithms', flaw: 'weak-algorithms', pass: /none weak/, fail: /weak algorithm\(s\) offered: .*diffie-hellman-group1-sha1.*aes128-cbc.*3des-cbc.*hmac-md5/ },
  { check: 'ssh.host-key.strength', flaw: 'weak-host-key', pass: /ssh-ed25519 256 bits.*each strong/, fail: /RSA host key of 1024 bits, below 2048/ },
  { check: 'ssh.authenticators.default-credentials-refused', flaw: 'weak-default-credentials', pass: /logged in with its password; all \d+ factory-default pairs were refused \(at most \d+ failed login/, fail: /factory-default credentials accepted: "admin" with password "admin" \(list entry \d+\)/ },
  { check: 'ssh.identification.shared-accounts-refused', flaw: 'weak-shared-account', pass: /none of \d+ shared account names did/, fail: /shared account\(s\) logged in: "shift" with password "[^"]+" \(list entry \d+\)/ },
  { check: 'ssh.identification.root-login-refused', flaw: 'weak-root-login', pass: /root was refused with 2 usual password\(s\)/, fail: /root logged in with the password the profile gives for it/ },
  { check: 'ssh.login-attempts.lockout', flaw: 'weak-no-lockout', pass: /after \d consecutive failed logins the correct password was refused; released after about \d+\.\d s \(documented threshold \d, duration \d s/, fail: /accepted at once .* after \d consecutive failed logins: no lockout or slowdown/ },
  { check: 'ssh.use-notification.banner', flaw: 'weak-no-banner', pass: /banner before login: "Authorised personnel only.*\(the declared text\)/, fail: /no pre-authentication banner was sent/ },
  { check: 'ssh.session.idle-timeout', flaw: 'weak-idle-timeout', pass: /idle session was ended \(connection closed\) after \d+\.\d s; bound \d s \(endpoints\.ssh\.idleTimeoutS\)/, fail: /still open after \d+\.\d s idle, beyond the bound of \d s/ },
  { check: 'ssh.inventory.version', flaw: 'weak-version', pass: /SSH software="FieldDeviceSSH_\d+\.\d+\.\d+".*names the declared firmware/, fail: /names no software version/ },
];

describe('SSH checks proven both ways', function () {
  for (const { check, flaw, pass, fail } of cases) {
    proveBothWays({ simulator: 'ssh', passWith: 'hardened', failWith: flaw, checks: [check], reasons: { [check]: { pass, fail } } });
  }
});
