import { expect } from 'chai';
import { defineCheck, fail, pass, type Check } from '../../core/check.js';
import { parseProfile } from '../../core/profile/load.js';
import { executeCheck } from '../../harness/run/execute.js';

/** Synthetic checks: they exercise the executor's own rules (selection, timeouts, redaction), not a protocol. */
const profile = parseProfile({
  component: { name: 'unit', type: 'embedded-device' },
  targetSL: 2,
  host: '127.0.0.1',
  endpoints: { opcua: { url: 'opc.tcp://127.0.0.1:4840' } },
  accounts: [{ role: 'admin', username: 'root', password: 'hunter2-secret' }],
  declarations: { 'CR 1.12': { verdict: 'manual', rationale: 'banner shown on the local HMI only' } },
});

const base = { sl: [1, 2, 3, 4] as Array<1 | 2 | 3 | 4>, protocol: 'tcp' as const, disruptive: false, title: 't', expectation: 'e' };
const synthetic = (overrides: Partial<Check>): Check => defineCheck({ id: 'unit.synthetic', requirement: 'CR 1.1', ...base, run: async () => pass('ok'), ...overrides });

describe('check executor', function () {
  it('passes the body verdict through with its observation', async function () {
    const result = await executeCheck(synthetic({ run: async () => fail('seen 3 open ports') }), profile);
    expect(result).to.include({ status: 'fail', observed: 'seen 3 open ports', requirementId: 'CR 1.1' });
  });

  it('records each designed wait where it was: ending now, or at the end the check gives', async function () {
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const result = await executeCheck(
      synthetic({
        run: async (ctx) => {
          await sleep(60);
          const windowEnded = Date.now();
          await sleep(100);
          ctx.designedWait(60, 'a window that ended 100 ms before it was declared', windowEnded);
          await sleep(40);
          ctx.designedWait(40, 'a wait that just ended');
          return pass('ok');
        },
      }),
      profile,
    );
    expect(result.designedWaitMs).to.equal(100);
    const [window, latest] = result.designedWaits!;
    expect(window!.fromMs).to.be.within(0, 25);
    expect(latest!.fromMs).to.be.within(155, 190);
  });

  it('turns a thrown error into error, with the message', async function () {
    const result = await executeCheck(synthetic({ run: async () => Promise.reject(new Error('ECONNRESET from 127.0.0.1:4840')) }), profile);
    expect(result).to.include({ status: 'error', message: 'ECONNRESET from 127.0.0.1:4840' });
  });

  it('ends a hanging check as error at its timeout and aborts its signal', async function () {
    let aborted = false;
    const hanging = synthetic({
      timeoutMs: 200,
      run: (ctx) =>
        new Promise(() => {
          ctx.signal.addEventListener('abort', () => (aborted = true));
        }),
    });
    const result = await executeCheck(hanging, profile);
    expect(result.status).to.equal('error');
    expect(result.message).to.match(/no verdict within the check's timeout of 200 ms/);
    expect(aborted).to.equal(true);
  });

  it('selects before connecting: out of SL scope, no endpoint, declared manual, disruptive off', async function () {
    let ran = 0;
    const body = async () => {
      ran++;
      return pass('ran');
    };
    const outOfScope = await executeCheck(synthetic({ requirement: 'CR 2.7', sl: [3, 4], run: body }), profile);
    expect(outOfScope.status).to.equal('not-applicable');
    expect(outOfScope.message).to.match(/required from SL-C 3; the target is SL 2/);
    const noEndpoint = await executeCheck(synthetic({ protocol: 'modbus', run: body }), profile);
    expect(noEndpoint).to.include({ status: 'not-applicable' });
    expect(noEndpoint.message).to.match(/endpoints\.modbus/);
    const declared = await executeCheck(synthetic({ requirement: 'CR 1.12', run: body }), profile);
    expect(declared.status).to.equal('not-tested');
    expect(declared.message).to.match(/manual assessment.*local HMI/);
    const disruptive = await executeCheck(synthetic({ disruptive: true, run: body }), profile);
    expect(disruptive.status).to.equal('not-tested');
    expect(disruptive.message).to.match(/--disruptive/);
    const requires = await executeCheck(synthetic({ requires: () => 'the profile has no lockout account', run: body }), profile);
    expect(requires).to.include({ status: 'not-applicable', message: 'the profile has no lockout account' });
    expect(ran).to.equal(0);
    expect((await executeCheck(synthetic({ disruptive: true, run: body }), profile, { disruptive: true })).status).to.equal('pass');
  });

  it('records an interrupted run as not-tested', async function () {
    const controller = new AbortController();
    const slow = synthetic({ run: (ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve(pass('late')))) });
    const pending = executeCheck(slow, profile, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('Ctrl-C')), 50);
    const result = await pending;
    expect(result.status).to.equal('not-tested');
    expect(result.message).to.match(/interrupted/);
  });

  it('redacts profile secrets from observations, transcripts and attachments', async function () {
    const leaky = synthetic({
      run: async (ctx) => {
        ctx.log('login root/hunter2-secret');
        ctx.attach({ name: 'wire', contentType: 'text/plain', content: Buffer.from('pw=hunter2-secret;') });
        return fail('accepted hunter2-secret', { password: 'hunter2-secret' });
      },
    });
    const result = await executeCheck(leaky, profile);
    const everything = JSON.stringify(result) + result.attachments.map((attachment) => attachment.content.toString()).join();
    expect(everything).not.to.include('hunter2-secret');
    expect(result.observed).to.equal('accepted ********');
  });

  it('names a public default the device accepted, even where the profile holds the same value, and still masks the rest', async function () {
    const ownDefault = parseProfile({
      component: { name: 'unit', type: 'embedded-device' },
      targetSL: 2,
      host: '127.0.0.1',
      accounts: [
        { role: 'admin', username: 'admin', password: 'admin' },
        { role: 'viewer', username: 'view', password: 'V13w-only!' },
      ],
    });
    const finding = synthetic({
      run: async (ctx) => {
        ctx.log('trying admin/admin, then view/V13w-only!');
        ctx.disclose('admin', 'the factory-default list');
        return fail('admin/admin (list entry "admin/admin") accepted; the viewer logs in with V13w-only!');
      },
    });
    const result = await executeCheck(finding, ownDefault);
    expect(result.observed).to.equal('admin/admin (list entry "admin/admin") accepted; the viewer logs in with ********');
    expect(result.disclosed).to.deep.equal(['admin']);
    expect(result.transcript.join('\n')).not.to.include('V13w-only!');
  });
});
