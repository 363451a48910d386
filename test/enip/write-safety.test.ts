import { expect } from 'chai';
import { parseProfile } from '../../core/profile/load.js';
import type { ProfileInput } from '../../core/profile/schema.js';
import { discoverChecks } from '../../harness/run/discover.js';
import { executeCheck, type CheckResult } from '../../harness/run/execute.js';
import type { RunningEnipSimulator } from '../../simulators/enip/index.js';
import { startSimulator } from '../support/both-ways.js';

/**
 * Safety on a live plant: without writeProbes and without --disruptive no EtherNet/IP check sends a Set service; with a
 * write probe only the declared attribute is written, with the declared value; a disruptive run without one rewrites
 * the essential function with the value it holds. Writes are counted where they land, by the simulator.
 */
const quick = { connectTimeoutMs: 1_000, requestTimeoutMs: 1_000 };
const WRITE_CHECKS = ['enip.authentication.unauthenticated-write-refused', 'enip.authorization.unsecured-write-refused'];

async function runNonDisruptiveChecks(input: ProfileInput, disruptive = false): Promise<CheckResult[]> {
  const profile = parseProfile(input);
  const checks = (await discoverChecks()).map((entry) => entry.check).filter((check) => check.protocol === 'enip' && !check.disruptive);
  const results: CheckResult[] = [];
  for (const check of checks) results.push(await executeCheck(check, profile, { disruptive, settings: quick }));
  return results;
}

const withoutWriteProbes = (input: ProfileInput): ProfileInput => {
  const copy = structuredClone(input);
  delete copy.endpoints!.enip!.writeProbes;
  return copy;
};

describe('EtherNet/IP write safety', function () {
  this.timeout(120_000);
  let simulator: Awaited<ReturnType<typeof startSimulator>>;
  const counters = () => (simulator.running as RunningEnipSimulator).counters;
  afterEach(async () => simulator?.cleanup());

  it('a non-disruptive run without writeProbes sends no Set service at all; the write checks are not tested, naming why', async function () {
    simulator = await startSimulator('enip', 'weak-unauthenticated-write');
    const results = await runNonDisruptiveChecks(withoutWriteProbes(simulator.running.profile));
    expect(counters().requests, 'the checks talked to the device').to.be.greaterThan(0);
    expect(counters().setRequests, 'Set_Attribute_Single requests received').to.equal(0);
    for (const id of WRITE_CHECKS) {
      const result = results.find((entry) => entry.checkId === id)!;
      expect(result.status).to.equal('not-tested');
      expect(result.message).to.match(/names no attribute in endpoints\.enip\.writeProbes .*--disruptive/);
    }
    const security = results.find((entry) => entry.checkId === 'enip.confidentiality.cip-security')!;
    expect(security.status, security.observed ?? security.message).to.equal('pass');
    expect(security.observed).to.match(/read-only as declared; no write was tried: the profile names no write probe and the run is not disruptive/);
    expect(results.filter((entry) => entry.status === 'error').map((entry) => `${entry.checkId}: ${entry.message}`)).to.deep.equal([]);
  });

  it('with a write probe, only that attribute is written, with the declared value', async function () {
    simulator = await startSimulator('enip', 'weak-unauthenticated-write');
    const results = await runNonDisruptiveChecks(simulator.running.profile);
    // The two write checks and the CIP Security checks (which verify the read-only declaration) each write once.
    expect(counters().setRequests).to.equal(4);
    expect(counters().setsApplied).to.equal(4);
    for (const id of WRITE_CHECKS) {
      const result = results.find((entry) => entry.checkId === id)!;
      expect(result.status).to.equal('fail');
      expect(result.transcript.join('\n')).to.match(/Set_Attribute_Single class 0x64 instance 1 attribute 2 = 0000 \(declared safe to write, with its value, in endpoints\.enip\.writeProbes\)/);
    }
  });

  it('a disruptive run without writeProbes rewrites the essential function with the value it holds at that moment', async function () {
    simulator = await startSimulator('enip', 'hardened');
    const results = await runNonDisruptiveChecks(withoutWriteProbes(simulator.running.profile), true);
    const result = results.find((entry) => entry.checkId === WRITE_CHECKS[0])!;
    expect(result.status, result.observed ?? result.message).to.equal('pass');
    expect(result.transcript.join('\n')).to.match(/Set_Attribute_Single class 0x64 instance 1 attribute 1 = [0-9a-f]{4} \(the essential function "EtherNet\/IP process value", rewritten with its current value; the run is disruptive\)/);
    expect(counters().setsApplied).to.equal(0);
  });
});
