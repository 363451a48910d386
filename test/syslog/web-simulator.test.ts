import { proveBothWays } from '../support/both-ways.js';

/**
 * The web simulator, which the embedded default runs, sends its audit log and asks for the time itself: its hardened
 * UI passes the syslog and NTP checks, and its weak UI, configured with both peers, sends nothing and never asks.
 */
proveBothWays({
  simulator: 'web',
  passWith: 'hardened',
  failWith: 'weak',
  checks: ['syslog.audit.security-events-recorded', 'ntp.time.synchronised'],
  reasons: {
    'syslog.audit.security-events-recorded': {
      pass: /every event has its record with time, source, category, outcome, user: web-management: failed login as unknown user "nouser-[0-9a-f]+" → record [\d.]+ s later; web-management: refused admin action POST \/settings\/identify by (viewer|operator) "[^"]+" → record [\d.]+ s later; bound 5 s \(profile\)/,
      fail: /web-management: failed login as unknown user "nouser-[0-9a-f]+" → no record within 5 s.*the device never connected to tcp:\/\/[\d.:]+; bound 5 s \(profile\)\)/,
    },
    'ntp.time.synchronised': {
      pass: /the device queried [\d.]+:\d+ \(NTPv4, 1 query\) and was answered with the harness clock; its clock agrees/,
      fail: /the device sent no NTP query to [\d.]+:\d+ within 5 s/,
    },
  },
});
