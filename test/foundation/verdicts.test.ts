import { expect } from 'chai';
import { findRequirement } from '../../core/catalog/index.js';
import { parseProfile } from '../../core/profile/load.js';
import type { CheckResult } from '../../harness/run/execute.js';
import { achievedSL, judge, judgeAll } from '../../reports/compliance/verdicts.js';

const profile = parseProfile({
  component: { name: 'unit', type: 'embedded-device' },
  targetSL: 2,
  host: '127.0.0.1',
  declarations: {
    'CR 1.1': { verdict: 'compensated', rationale: 'reachable only from the control cell behind a firewall' },
    'CR 1.12': { verdict: 'not-applicable', rationale: 'no interactive login' },
  },
});

const result = (requirementId: string, status: CheckResult['status'], message?: string): CheckResult => ({
  checkId: `x.${status}`,
  requirementId,
  title: 't',
  expectation: 'e',
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
    expect(judge(item('CR 2.1'), profile, [result('CR 2.1', 'pass'), result('CR 2.1', 'fail')], 2).verdict).to.equal('fail');
    expect(judge(item('CR 2.1'), profile, [result('CR 2.1', 'pass'), result('CR 2.1', 'error')], 2).verdict).to.equal('error');
    const partial = judge(item('CR 2.1'), profile, [result('CR 2.1', 'pass'), result('CR 2.1', 'not-tested', 'disruptive check')], 2);
    expect(partial.verdict).to.equal('not-tested');
    expect(partial.rationale).to.match(/1 check\(s\) passed; not run: disruptive check/);
    expect(judge(item('CR 2.1'), profile, [result('CR 2.1', 'pass'), result('CR 2.1', 'not-applicable')], 2).verdict).to.equal('pass');
  });

  it('a declared countermeasure turns a failure into compensated, with its rationale', function () {
    const verdict = judge(item('CR 1.1'), profile, [result('CR 1.1', 'fail')], 1);
    expect(verdict).to.include({ verdict: 'compensated', rationale: 'reachable only from the control cell behind a firewall' });
    expect(judge(item('CR 1.1'), profile, [result('CR 1.1', 'pass')], 1).verdict).to.equal('pass');
  });

  it('declarations, scope and missing checks give not-applicable or manual', function () {
    expect(judge(item('CR 1.12'), profile, [], 0)).to.include({ verdict: 'not-applicable', rationale: 'no interactive login' });
    expect(judge(item('CR 2.7'), profile, [], 1).rationale).to.match(/required from SL-C 3/);
    expect(judge(item('HDR 3.2'), profile, [], 0).verdict).to.equal('not-applicable');
    expect(judge(item('NDR 1.6'), { ...profile, component: { ...profile.component, type: 'network-device' } }, [], 0).rationale).to.match(/wireless/);
    expect(judge(item('CR 1.3'), profile, [], 0)).to.include({ verdict: 'manual' });
    expect(judge(item('CR 2.1'), profile, [result('CR 2.1', 'not-applicable', 'no OPC UA endpoint')], 1).rationale).to.match(/no automated check fits.*no OPC UA endpoint/);
  });

  it('achieved SL is the highest level at which every required item of the FR is met', function () {
    const all = judgeAll(profile, [], new Map());
    expect(all).to.have.length(122);
    const fr7 = all.map((requirement) => (requirement.fr === 7 && requirement.verdict === 'manual' ? { ...requirement, verdict: 'pass' as const } : requirement));
    expect(achievedSL(7, fr7, 2)).to.equal(2);
    expect(achievedSL(1, all, 2)).to.equal(0);
  });
});
