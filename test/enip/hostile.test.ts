import { expect } from 'chai';
import { parseProfile } from '../../core/profile/load.js';
import type { ProfileInput } from '../../core/profile/schema.js';
import { discoverChecks } from '../../harness/run/discover.js';
import { executeCheck } from '../../harness/run/execute.js';
import { HOSTILE_BEHAVIOURS } from '../../simulators/hostile/index.js';
import { startSimulator } from '../support/both-ways.js';
import { collectEscapedErrors } from '../support/escaped-errors.js';

/**
 * The hostile matrix for EtherNet/IP: the hostile device's misbehaving ports stand for 44818 (one of its plain ports)
 * and for the CIP Security port (its TLS port, with a looping certificate chain in one behaviour). Every EtherNet/IP
 * check, disruptive ones included, must end as error within the profile's check bound: silence, drip, resets, garbage
 * and oversized frames are no evidence to pass or fail on, and nothing may escape as an unhandled exception.
 */
describe('hostile targets on the EtherNet/IP port', function () {
  this.timeout(300_000);
  const escaped = collectEscapedErrors();

  for (const behaviour of HOSTILE_BEHAVIOURS) {
    it(`${behaviour}: every EtherNet/IP check ends as error within its bound`, async function () {
      const simulator = await startSimulator('hostile', behaviour);
      try {
        const own = simulator.running.profile;
        const input: ProfileInput = {
          ...own,
          endpoints: {
            enip: { port: own.endpoints!.modbus!.port, cipSecurityPort: own.endpoints!.tls![0]!.port, unsecured: 'read-only', writeProbes: [{ class: 0x64, instance: 1, attribute: 2, value: '0000' }] },
          },
          openPorts: [own.endpoints!.modbus!.port, own.endpoints!.tls![0]!.port],
          essentialFunctions: [{ name: 'process value', enip: { class: 0x64, instance: 1, attribute: 1 }, maxLatencyMs: 200 }],
        };
        const profile = parseProfile(input, `hostile ${behaviour} as an EtherNet/IP adapter`);
        const checkMs = profile.timeouts!.checkMs!;
        const checks = (await discoverChecks()).map((entry) => entry.check).filter((check) => check.protocol === 'enip' || check.protocol === 'enip-security');
        expect(checks.length).to.equal(9);
        const wrong: string[] = [];
        for (const check of checks) {
          const result = await executeCheck(check, profile, { disruptive: true });
          if (result.status !== 'error' || result.durationMs > checkMs + 1_500) wrong.push(`${result.checkId}: ${result.status} in ${result.durationMs} ms: ${result.observed ?? result.message}`);
        }
        expect(wrong, `EtherNet/IP checks that did not end as error within ${checkMs} ms against ${behaviour}`).to.deep.equal([]);
        expect(escaped.map(String), 'unhandled errors escaped the harness').to.deep.equal([]);
      } finally {
        await simulator.cleanup();
      }
    });
  }
});
