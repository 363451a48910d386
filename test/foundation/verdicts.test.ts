import { expect } from 'chai';
import { findRequirement } from '../../core/catalog/index.js';
import type { CheckResult } from '../../core/check.js';
import { parseProfile } from '../../core/profile/load.js';
import type { ProfileInput } from '../../core/profile/schema.js';
import { achievedSL } from '../../core/verdict/document.js';
import { judge, judgeAll } from '../../core/verdict/judge.js';

const profile = parseProfile({
  component: { name: 'unit', type: 'embedded-device' },
  targetSL: 2,
  host: '127.0.0.1',
  declarations: {
    'CR 1.1': { verdict: 'compensated', rationale: 'reachable only from the control cell behind a firewall' },
    'CR 1.12': { verdict: 'not-applicable', rationale: 'no interactive login' },
  },
});

const result = (requirementId: string, status: CheckResult['status'], message?: string, on?: { name: string; kind: string }): CheckResult => ({
  checkId: `x.${status}`,
  requirementId,
  title: 't',
  expectation: 'e',
  ...(on ? { interface: on } : {}),
  status,
  ...(message ? { message } : {}),
  startedAt: new Date().toISOString(),
  durationMs: 1,
  attachments: [],
  transcript: [],
});

describe('requirement verdicts', function () {
  const item = (id: string) => findRequirement(id)!;

  it('fail beats error beats not-tested beats pass', function () {
    expect(judge(item('CR 2.1'), profile, [result('CR 2.1', 'pass'), result('CR 2.1', 'fail')], ['opcua']).verdict).to.equal('fail');
    expect(judge(item('CR 2.1'), profile, [result('CR 2.1', 'pass'), result('CR 2.1', 'error')], ['opcua']).verdict).to.equal('error');
    const partial = judge(item('CR 2.1'), profile, [result('CR 2.1', 'pass'), result('CR 2.1', 'not-tested', 'disruptive check')], ['opcua']);
    expect(partial.verdict).to.equal('not-tested');
    expect(partial.rationale).to.match(/1 check\(s\) passed; not run: disruptive check/);
    expect(judge(item('CR 2.1'), profile, [result('CR 2.1', 'pass'), result('CR 2.1', 'not-applicable')], ['opcua']).verdict).to.equal('pass');
  });

  it('a declared countermeasure turns a failure into compensated, with its rationale', function () {
    const verdict = judge(item('CR 1.1'), profile, [result('CR 1.1', 'fail')], ['opcua']);
    expect(verdict).to.include({ verdict: 'compensated', rationale: 'reachable only from the control cell behind a firewall' });
    expect(judge(item('CR 1.1'), profile, [result('CR 1.1', 'pass')], ['opcua']).verdict).to.equal('pass');
  });

  it('declarations, scope and missing checks give not-applicable or manual', function () {
    expect(judge(item('CR 1.12'), profile, [], [])).to.include({ verdict: 'not-applicable', rationale: 'no interactive login' });
    expect(judge(item('CR 2.7'), profile, [], ['opcua']).rationale).to.match(/required from SL-C 3/);
    expect(judge(item('HDR 3.2'), profile, [], []).verdict).to.equal('not-applicable');
    expect(judge(item('NDR 1.6'), { ...profile, component: { ...profile.component, type: 'network-device' } }, [], []).rationale).to.match(/wireless/);
    expect(judge(item('CR 1.3'), profile, [], [])).to.include({ verdict: 'manual' });
    expect(judge(item('CR 2.1'), profile, [result('CR 2.1', 'not-applicable', 'no OPC UA endpoint')], ['opcua']).rationale).to.match(/no automated check fits.*no OPC UA endpoint/);
  });

  it('achieved SL is the highest level at which every required item of the FR is met', function () {
    const all = judgeAll(profile, [], new Map());
    expect(all).to.have.length(122);
    const fr7 = all.map((requirement) => (requirement.fr === 7 && requirement.verdict === 'manual' ? { ...requirement, verdict: 'pass' as const } : requirement));
    expect(achievedSL(7, fr7, 2)).to.equal(2);
    expect(achievedSL(1, all, 2)).to.equal(0);
  });
});

describe('requirement verdicts per interface', function () {
  const item = (id: string) => findRequirement(id)!;
  const opcua = { name: 'opcua', kind: 'opcua' };
  const plc = (extra: Partial<ProfileInput> = {}) =>
    parseProfile({
      component: { name: 'PLC', type: 'embedded-device' },
      targetSL: 2,
      host: '127.0.0.1',
      endpoints: { opcua: { url: 'opc.tcp://127.0.0.1:4840' }, tls: [{ name: 'web-ui', port: 8443 }] },
      ...extra,
    });

  it('an OPC UA pass does not stand for a web UI nothing tested: the requirement needs evidence, named per interface', function () {
    const verdict = judge(item('CR 1.1'), plc(), [result('CR 1.1', 'pass', undefined, opcua)], ['opcua', 'modbus']);
    expect(verdict.verdict).to.equal('manual');
    expect(verdict.interfaces.map(({ name, verdict: v }) => `${name}:${v}`)).to.include.members(['opcua:pass', 'web-ui:manual']);
    expect(verdict.interfaces.find((entry) => entry.name === 'web-ui')!.rationale).to.match(/no automated check of CR 1\.1 exists for tls interfaces/);
    expect(verdict.rationale).to.match(/^web-ui \(tls\): /);
  });

  it('a declaration for one interface compensates only that interface', function () {
    const declared = plc({ declarations: { 'CR 1.1': { interface: 'web-ui', verdict: 'compensated', rationale: 'the web UI is reachable only from the engineering VLAN' } } });
    const verdict = judge(item('CR 1.1'), declared, [result('CR 1.1', 'pass', undefined, opcua)], ['opcua']);
    expect(verdict.verdict).to.equal('compensated');
    expect(verdict.rationale).to.equal('web-ui (tls): the web UI is reachable only from the engineering VLAN');
    const failing = judge(item('CR 1.1'), declared, [result('CR 1.1', 'fail', undefined, opcua)], ['opcua']);
    expect(failing.verdict, 'the OPC UA failure is not covered by the web UI declaration').to.equal('fail');
  });

  it('a component-wide requirement needs one interface, not each', function () {
    const verdict = judge(item('CR 7.8'), plc(), [result('CR 7.8', 'pass', undefined, opcua)], ['opcua', 'modbus']);
    expect(verdict.verdict).to.equal('pass');
    expect(verdict.interfaces.map((entry) => entry.name)).to.deep.equal(['opcua']);
  });

  it('a service the scan found on an undeclared endpoint is an untested interface of the requirements it concerns', function () {
    const scan: CheckResult = {
      ...result('CR 7.7', 'pass', undefined, { name: 'network', kind: 'tcp' }),
      foundInterfaces: [{ port: 22, transport: 'tcp', service: 'ssh', banner: 'SSH-2.0-OpenSSH_9.2p1', declared: true }],
    };
    const verdicts = judgeAll(plc({ openPorts: [22] }), [scan, result('CR 1.1', 'pass', undefined, opcua)], new Map([['CR 1.1', ['opcua']]]));
    const cr11 = verdicts.find((entry) => entry.id === 'CR 1.1')!;
    const ssh = cr11.interfaces.find((entry) => entry.name === 'ssh:22')!;
    expect(ssh).to.include({ kind: 'ssh', verdict: 'manual' });
    expect(ssh.rationale).to.match(/ssh found by the port scan on 22\/tcp \(banner "SSH-2\.0-OpenSSH_9\.2p1"\)/);
    expect(cr11.verdict).to.equal('manual');
  });
});
