import { proveBothWays } from '../support/both-ways.js';

/**
 * Every syslog check against the hardened simulator (a PLC web UI that sends RFC 5424 audit records over TCP) and
 * against the single-flaw variant that has its flaw, with the reason asserted on both sides.
 */

const PROOFS = [
  {
    check: 'syslog.audit.security-events-recorded',
    flaw: 'no-records',
    pass: /every event has its record with time, source, category, outcome, user: web-management: failed login as unknown user "nouser-[0-9a-f]+" → record [\d.]+ s later; web-management: refused admin action POST \/settings\/identify by (viewer|operator) "[^"]+" → record [\d.]+ s later; bound 5 s \(profile\)/,
    fail: /web-management: failed login as unknown user "nouser-[0-9a-f]+" → no record within 5 s; web-management: refused admin action .* → no record within 5 s \(0 records received from [\d.]+ in all; the device never connected to tcp:\/\/[\d.:]+; bound 5 s \(profile\)\)/,
  },
  {
    check: 'syslog.audit.security-events-recorded',
    flaw: 'no-user',
    fail: /web-management: failed login as unknown user "nouser-[0-9a-f]+" → record [\d.]+ s later lacking outcome, user; web-management: refused admin action .* → record [\d.]+ s later lacking outcome, user/,
  },
  {
    check: 'syslog.timestamps.clock-and-zone',
    flaw: 'no-zone',
    pass: /time stamp "\d{4}-\d\d-\d\dT[\d:.]+Z" \(UTC\) is [+-]\d+\.\d s off the harness clock; tolerance ±5 s \(profile\)/,
    fail: /time stamp "\d{4}-\d\d-\d\dT[\d:.]+" has no time zone or offset \(local time of an unknown zone\); tolerance ±5 s/,
  },
  {
    check: 'syslog.timestamps.clock-and-zone',
    flaw: 'clock-off',
    fail: /time stamp "[\d\-T:.]+Z" is \+4\d\d\.\d s off the harness clock \(received [\d\-T:.]+Z\); tolerance ±5 s \(profile\)/,
  },
  {
    check: 'syslog.records.machine-readable',
    flaw: 'free-text',
    pass: /the record of the failed login as unknown user "nouser-[0-9a-f]+" is RFC5424 with fields category, action, outcome, user, src, reason \(user in "user", outcome in "outcome"\)/,
    fail: /the record of the failed login as unknown user "nouser-[0-9a-f]+" \(rfc5424\): the event is free text only: "login failed for user nouser-[0-9a-f]+ from [\d.]+"/,
  },
];

for (const proof of PROOFS) {
  proveBothWays({
    simulator: 'syslog',
    passWith: 'hardened',
    failWith: `weak-${proof.flaw}`,
    checks: [proof.check],
    reasons: { [proof.check]: { ...(proof.pass ? { pass: proof.pass } : {}), fail: proof.fail } },
  });
}

// CR 2.10 is disruptive (the collector goes away for outageS); the weak variant drops what it makes meanwhile.
proveBothWays({
  simulator: 'syslog',
  passWith: 'hardened',
  failWith: 'weak-no-buffer',
  checks: ['syslog.outage.essential-functions-and-buffer'],
  reasons: {
    'syslog.outage.essential-functions-and-buffer': {
      pass: /essential functions during the outage: web UI login page \(GET \/login → 200\) (\d+)\/\1 answered in time \(worst \d+ ms\); buffered: failed login as unknown user "nouser-[0-9a-f]+" → record [\d.]+ s after the collector came back; outage 4 s, records within 5 s \(profile\)/,
      fail: /web-management: failed login as unknown user "nouser-[0-9a-f]+" → no record within 5 s after the collector came back: the record made during the outage was lost, not buffered; essential functions during the outage: web UI login page \(GET \/login → 200\) (\d+)\/\1 answered in time/,
    },
  },
});

// The weak variant has every flaw that can coexist (free text, no zone, a clock 7 minutes ahead, no buffer).
proveBothWays({
  simulator: 'syslog',
  passWith: 'hardened',
  failWith: 'weak',
  checks: ['syslog.timestamps.clock-and-zone', 'syslog.records.machine-readable', 'syslog.outage.essential-functions-and-buffer'],
  reasons: {
    'syslog.timestamps.clock-and-zone': { fail: /time stamp "[\d\-T:.]+" has no time zone or offset \(local time of an unknown zone\); time stamp "[\d\-T:.]+" is \+4\d\d\.\d s off the harness clock/ },
    'syslog.records.machine-readable': { fail: /\(rfc5424\): the event is free text only: "login failed for user nouser-[0-9a-f]+/ },
    'syslog.outage.essential-functions-and-buffer': { fail: /the record made during the outage was lost, not buffered/ },
  },
});

// CR 2.11 RE(1): the simulated device asks the harness's time source every second; weak-no-ntp never asks.
proveBothWays({
  simulator: 'syslog',
  passWith: 'hardened',
  failWith: 'weak-no-ntp',
  checks: ['ntp.time.synchronised'],
  reasons: {
    'ntp.time.synchronised': {
      pass: /the device queried [\d.]+:\d+ \(NTPv4, 1 query\) and was answered with the harness clock; its clock agrees: web-management HTTP Date header [+-]\d\.\d s; query within 5 s, clock tolerance ±5 s \(profile\)/,
      fail: /the device sent no NTP query to [\d.]+:\d+ within 5 s \(0 packets from elsewhere ignored\); query within 5 s, clock tolerance ±5 s \(profile\)/,
    },
  },
});
