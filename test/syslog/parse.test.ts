import { expect } from 'chai';
import { eventFields, parseSyslog } from '../../adapters/syslog/parse.js';
import { nextFrame } from '../../adapters/syslog/collector.js';

/** Real record shapes of common stacks, as they arrive at a collector. */
const NOW = new Date('2026-12-01T01:30:20Z');

describe('syslog parser: sample lines of common stacks', function () {
  it('reads the RFC 5424 example with structured data and a BOM', function () {
    const record = parseSyslog('<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] \uFEFFAn application event log entry...');
    expect(record).to.include({ format: 'rfc5424', facility: 20, severity: 5, zone: 'utc', hostname: 'mymachine.example.com', appName: 'evntslog', msgId: 'ID47', message: 'An application event log entry...' });
    expect(record.procId).to.equal(undefined);
    expect(record.timestamp?.toISOString()).to.equal('2003-10-11T22:14:15.003Z');
    expect(record.structuredData).to.deep.equal([{ id: 'exampleSDID@32473', params: { iut: '3', eventSource: 'Application', eventID: '1011' } }]);
  });

  it('reads rsyslog RFC 5424 output with a numeric offset and microseconds', function () {
    const record = parseSyslog('<86>1 2026-12-01T02:30:12.345678+01:00 plc01 sshd 2104 - - Failed password for invalid user bob from 10.0.0.5 port 52214 ssh2');
    expect(record).to.include({ format: 'rfc5424', zone: 'offset', hostname: 'plc01', appName: 'sshd', procId: '2104' });
    expect(record.timestamp?.toISOString()).to.equal('2026-12-01T01:30:12.346Z');
    expect(record.structuredData).to.deep.equal([]);
    expect(eventFields(record)).to.deep.equal({});
  });

  it('reads rsyslog traditional forwarding (RFC 3164) as a time without zone', function () {
    const record = parseSyslog('<38>Dec  1 01:30:12 plc01 sshd[2104]: Failed password for root from 10.0.0.5 port 52214 ssh2', NOW);
    expect(record).to.include({ format: 'rfc3164', facility: 4, severity: 6, zone: 'none', hostname: 'plc01', appName: 'sshd', procId: '2104', message: 'Failed password for root from 10.0.0.5 port 52214 ssh2' });
    expect(record.timestamp?.toISOString()).to.equal('2026-12-01T01:30:12.000Z');
  });

  it('reads rsyslog forward format (RFC 3164 with an ISO time stamp)', function () {
    const record = parseSyslog('<38>2026-12-01T01:30:12.345678+00:00 plc01 sshd[2104]: Accepted password for admin');
    expect(record).to.include({ format: 'rfc3164', zone: 'utc', hostname: 'plc01', appName: 'sshd', procId: '2104', message: 'Accepted password for admin' });
  });

  it('reads busybox syslogd forwarding, which leaves out the host name', function () {
    const record = parseSyslog("<38>Dec  1 01:30:12 dropbear[1234]: Bad password attempt for 'root' from 10.0.0.5:52214", NOW);
    expect(record).to.include({ format: 'rfc3164', zone: 'none', appName: 'dropbear', procId: '1234' });
    expect(record.hostname).to.equal(undefined);
    expect(record.message).to.equal("Bad password attempt for 'root' from 10.0.0.5:52214");
  });

  it('reads a Siemens/Phoenix-style RFC 5424 security event with escaped values', function () {
    const record = parseSyslog('<116>1 2026-12-01T01:30:12.123Z 192.168.0.10 SCALANCE-XC208 - SEC_LOGIN [origin ip="192.168.0.10" software="SCALANCE"][sec@4329 user="admin" result="failure" note="said \\"no\\" \\] ok"] WBM login failed for user admin');
    expect(record).to.include({ format: 'rfc5424', hostname: '192.168.0.10', appName: 'SCALANCE-XC208', msgId: 'SEC_LOGIN', message: 'WBM login failed for user admin' });
    expect(record.structuredData[1]).to.deep.equal({ id: 'sec@4329', params: { user: 'admin', result: 'failure', note: 'said "no" ] ok' } });
    expect(eventFields(record)).to.include({ user: 'admin', result: 'failure', ip: '192.168.0.10' });
  });

  it('reads Windows events forwarded by NXLog as RFC 5424 and as Snare-style RFC 3164', function () {
    const ietf = parseSyslog('<14>1 2026-12-01T01:30:12.000000+00:00 WIN-SRV01 Microsoft-Windows-Security-Auditing 4 - [NXLOG@14506 EventID="4625" TargetUserName="bob" Keywords="Audit Failure"] An account failed to log on.');
    expect(ietf).to.include({ format: 'rfc5424', zone: 'utc', appName: 'Microsoft-Windows-Security-Auditing', procId: '4' });
    expect(eventFields(ietf)).to.include({ EventID: '4625', TargetUserName: 'bob' });
    const snare = parseSyslog('<13>Dec  1 01:30:12 WIN-SRV01 MSWinEventLog\t1\tSecurity\t123\tTue Dec 01 01:30:12 2026\t4625\tMicrosoft-Windows-Security-Auditing\tN/A\tFailure Audit\tWIN-SRV01\tLogon\t\tAn account failed to log on.', NOW);
    expect(snare).to.include({ format: 'rfc3164', zone: 'none', hostname: 'WIN-SRV01' });
    expect(snare.message).to.contain('An account failed to log on.');
  });

  it('reads a time stamp without offset in an RFC 5424 header as "none", not as an error', function () {
    const record = parseSyslog('<86>1 2026-12-01T01:30:12.500 plc01 web - LOGIN [audit@32473 user="bob" outcome="failure"] login failed');
    expect(record).to.include({ format: 'rfc5424', zone: 'none' });
    expect(record.timestamp?.toISOString()).to.equal('2026-12-01T01:30:12.500Z');
  });

  it('keeps what it cannot read, and takes key=value pairs and JSON messages as fields', function () {
    expect(parseSyslog('no priority here')).to.include({ format: 'unparsed', message: 'no priority here', zone: 'missing' });
    expect(eventFields(parseSyslog('<14>1 2026-12-01T01:30:12Z h app - - - user=bob outcome=failure action=login'))).to.deep.equal({ user: 'bob', outcome: 'failure', action: 'login' });
    expect(eventFields(parseSyslog('<14>1 2026-12-01T01:30:12Z h app - - - {"user":"bob","outcome":"failure"}'))).to.deep.equal({ user: 'bob', outcome: 'failure' });
  });
});

describe('syslog framing (RFC 6587)', function () {
  it('takes octet-counted frames, newline frames and leaves an incomplete frame for later', function () {
    const counted = nextFrame(Buffer.from('11 <13>1 - - -x'));
    expect(counted).to.deep.include({ text: '<13>1 - - -', framing: 'octet-counting', consumed: 14 });
    expect(nextFrame(Buffer.from('<13>hello\r\nrest'))).to.deep.include({ text: '<13>hello', framing: 'newline', consumed: 11 });
    expect(nextFrame(Buffer.from('20 <13>short'))).to.equal('incomplete');
    expect(nextFrame(Buffer.from('9999999 <13>'))).to.equal('invalid');
  });
});
