import { expect } from 'chai';
import { openSession, type EnipConnection } from '../../adapters/enip/session.js';
import { essentialProbes } from '../../adapters/enip/target.js';
import { defineCheck, pass, type Check } from '../../core/check.js';
import { essentialFunctionsAnswerBeforeLoad, type EssentialProbe } from '../../core/load/index.js';
import { parseProfile } from '../../core/profile/load.js';
import type { Profile } from '../../core/profile/schema.js';
import { executeCheck } from '../../harness/run/execute.js';
import { startSimulator } from '../support/both-ways.js';

/** The control before a CR 7 load: a device still settling from the previous check is given the recovery window. */
const base = { id: 'unit.ready', requirement: 'CR 7.1', sl: [1, 2, 3, 4] as Array<1 | 2 | 3 | 4>, protocol: 'tcp' as const, disruptive: false, title: 't', expectation: 'e' };
const controlOnly = (probes: EssentialProbe[], where: string): Check =>
  defineCheck({
    ...base,
    run: async (ctx) => {
      await essentialFunctionsAnswerBeforeLoad(ctx, probes, where);
      return pass('answered');
    },
  });

// durationMs 1000 gives a recovery window, and so a bound to settle, of 1000 ms.
const syntheticProfile = parseProfile({
  component: { name: 'unit', type: 'embedded-device' },
  targetSL: 2,
  host: '127.0.0.1',
  endpoints: { opcua: { url: 'opc.tcp://127.0.0.1:4840' } },
  load: { durationMs: 1_000, sampleIntervalMs: 50 },
});

describe('essential functions answer before any load', function () {
  it('a function refused at first and served within the bound: the control holds, the wait is logged and declared', async function () {
    let calls = 0;
    const probe: EssentialProbe = {
      name: 'process value',
      maxLatencyMs: 100,
      sample: async () => {
        if (++calls < 3) throw new Error('refused RegisterSession: 0x0002 insufficient memory resources');
      },
    };
    const result = await executeCheck(controlOnly([probe], 'device:1'), syntheticProfile);
    expect(result.status, result.message).to.equal('pass');
    expect(result.transcript.join('\n')).to.match(/"process value" answered on attempt 3, \d+ ms after the first \(refused RegisterSession: 0x0002 insufficient memory resources\); bound to settle: 1000 ms/);
    expect(result.designedWaitMs).to.be.within(90, 900);
  });

  it('a function never served within the bound: error naming the bound, the attempts and the first refusal', async function () {
    const probe: EssentialProbe = { name: 'process value', maxLatencyMs: 100, sample: async () => Promise.reject(new Error('connection refused')) };
    const result = await executeCheck(controlOnly([probe], 'device:1'), syntheticProfile);
    expect(result.status).to.equal('error');
    expect(result.message).to.match(/"process value" does not answer on device:1 before any load \(connection refused, nor in \d+ attempts over \d+ ms \(bound to settle: 1000 ms; first: connection refused\)\)/);
    expect(result.durationMs).to.be.below(2_000);
  });

  describe('against the hardened EtherNet/IP adapter with its session table full', function () {
    this.timeout(30_000);
    let simulator: Awaited<ReturnType<typeof startSimulator>>;
    before(async () => (simulator = await startSimulator('enip', 'hardened')));
    after(() => simulator.cleanup());

    it('the storm control waits for the sessions another client held to be released, and says so', async function () {
      const profile = parseProfile(simulator.running.profile) as Profile;
      const { host } = simulator.running;
      const target = { host, port: profile.endpoints.enip!.port };
      const options = { connectTimeoutMs: 2_000, requestTimeoutMs: 2_000 };
      // Hold sessions until the device refuses one: its cap or its registration rate limit is reached.
      const held: EnipConnection[] = [];
      let refusal: Error | undefined;
      while (!refusal && held.length < 64) {
        await openSession(target, options).then(
          (session) => held.push(session),
          (error: Error) => (refusal = error),
        );
      }
      expect(refusal?.message).to.match(/insufficient memory/);
      const release = setTimeout(() => held.forEach((session) => session.destroy()), 300);
      const monitor = essentialProbes(profile, host, options);
      try {
        const result = await executeCheck(controlOnly(monitor.probes, `${host}:${target.port}`), profile);
        expect(result.status, result.message).to.equal('pass');
        expect(result.transcript.join('\n')).to.match(/"EtherNet\/IP process value" answered on attempt \d+, \d+ ms after the first \(.*insufficient memory resources\); bound to settle: \d+ ms/);
      } finally {
        clearTimeout(release);
        held.forEach((session) => session.destroy());
        await monitor.close();
      }
    });
  });
});
