import { proveBothWays } from '../support/both-ways.js';

/** The cleartext-service checks against an FTP service that demands TLS and against each cleartext flaw. */
describe('cleartext service checks proven both ways', function () {
  const inClear = 'cleartext.confidentiality.service-in-clear';
  proveBothWays({ simulator: 'cleartext', passWith: 'hardened', failWith: 'weak-telnet', checks: [inClear], reasons: { [inClear]: { pass: /FTP on .*\/tcp demands TLS before a login/, fail: /TELNET on .*\/tcp answers as Telnet \(negotiates DO TERMINAL-TYPE, WILL ECHO.*prompts ".*login:"\): logins travel in clear/ } } });
  proveBothWays({ simulator: 'cleartext', passWith: 'hardened', failWith: 'weak-tftp', checks: [inClear], reasons: { [inClear]: { fail: /TFTP on .*\/udp answers TFTP read requests \(answered ERROR 1\)/ } } });
  proveBothWays({ simulator: 'cleartext', passWith: 'hardened', failWith: 'weak-anonymous-ftp', checks: [inClear], reasons: { [inClear]: { fail: /FTP on .*\/tcp takes a login in clear \(USER iec62443-[0-9a-f]+: 331, the password would follow in clear\)/ } } });
  const anonymous = 'cleartext.authentication.anonymous-ftp-refused';
  proveBothWays({ simulator: 'cleartext', passWith: 'hardened', failWith: 'weak-anonymous-ftp', checks: [anonymous], reasons: { [anonymous]: { pass: /refused "anonymous" in clear and demands TLS first/, fail: /let "anonymous" log in \(< 230 Anonymous login ok/ } } });
});
