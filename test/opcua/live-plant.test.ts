import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UAVariable } from 'node-opcua';
import type { CheckResult } from '../../core/check.js';
import { randomLoopbackHost } from '../../core/net/loopback.js';
import { parseProfile } from '../../core/profile/load.js';
import type { ProfileInput } from '../../core/profile/schema.js';
import { DEFAULT_LOCKOUT_THRESHOLD, FailedLoginLedger } from '../../core/safety/failed-logins.js';
import { discoverChecks } from '../../harness/run/discover.js';
import { executeCheck } from '../../harness/run/execute.js';
import { PLC_NODES, startOpcuaSimulator } from '../../simulators/opcua/index.js';

type Plc = Awaited<ReturnType<typeof startOpcuaSimulator>>;

/**
 * A plant in operation: with neither writeProbes nor --disruptive no OPC UA check writes, and no account receives
 * more failed logins in a row than the run's budget. Both are counted where they land, on the simulated PLC.
 */
describe('OPC UA checks on a plant in operation', function () {
  this.timeout(300_000);
  let plc: Plc;
  let workDir: string;

  before(async function () {
    workDir = mkdtempSync(join(tmpdir(), 'opcua-live-plant-'));
    // The smallest per-user session cap the simulator may draw: a session a check leaves behind shows at once.
    plc = await startOpcuaSimulator({ profile: 'hardened', host: randomLoopbackHost(), workDir, settings: { maxSessionsPerUser: 2 } });
  });
  after(async function () {
    await plc?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  const resetTraffic = () => {
    plc.plc.traffic.writeRequests = 0;
    plc.plc.traffic.valuesWritten = 0;
    plc.plc.traffic.nodesWritten.clear();
    plc.plc.traffic.failedLogins.clear();
  };

  /** Every non-disruptive OPC UA check, one after the other with one failed-login ledger, as a run does. */
  async function runNonDisruptive(input: ProfileInput, only?: string[]): Promise<{ results: CheckResult[]; ledger: FailedLoginLedger }> {
    const checks = (await discoverChecks()).filter(({ check }) => check.protocol === 'opcua' && !check.disruptive && (!only || only.includes(check.id)));
    expect(checks.length).to.be.greaterThan(only ? 0 : 15);
    const ledger = new FailedLoginLedger();
    const profile = parseProfile(input);
    const results: CheckResult[] = [];
    for (const { check } of checks) results.push(await executeCheck(check, profile, { disruptive: false, logins: ledger }));
    return { results, ledger };
  }

  const verdicts = (results: CheckResult[]) => results.map((result) => `${result.checkId}: ${result.status} ${result.observed ?? result.message ?? ''}`);

  function expectWithinBudget(budget: number, ledger: FailedLoginLedger): void {
    const received = [...plc.plc.traffic.failedLogins.entries()].filter(([, entry]) => entry.failed > 0);
    expect(received.length, 'the run sent failed logins at all').to.be.greaterThan(0);
    for (const [username, entry] of received) {
      expect(entry.mostInARow, `${username}: ${entry.mostInARow} failed logins in a row reached the PLC (budget ${budget})`).to.be.at.most(budget);
      // The harness counted every failure the PLC received, so the report's per-account figures are complete.
      const counted = ledger.report().find((row) => row.username === username);
      expect(counted?.sent, `${username}: failed logins in the run's report`).to.equal(entry.failed);
    }
  }

  it('with neither writeProbes nor --disruptive no check writes, each reaches a verdict, and failed logins stay within the documented budget', async function () {
    const input = structuredClone(plc.profile);
    const threshold = input.endpoints!.opcua!.lockout!.threshold;
    resetTraffic();
    const { results, ledger } = await runNonDisruptive(input);
    expect(results.filter((result) => result.status !== 'pass' && result.status !== 'not-applicable'), verdicts(results).join('\n')).to.deep.equal([]);
    expect(plc.plc.traffic.writeRequests, `write requests received: ${[...plc.plc.traffic.nodesWritten.keys()].join(', ')}`).to.equal(0);
    expectWithinBudget(threshold - 1, ledger);
    const authorization = results.find((result) => result.checkId === 'opcua.authorization.viewer-cannot-write')!;
    expect(authorization.observed).to.match(/judged from UserAccessLevel; nothing written \(no writeProbes in the profile, run not disruptive\)/);
  });

  it('without a documented lockout the default budget applies, and the candidates it leaves out are counted in the observed line', async function () {
    const input = structuredClone(plc.profile);
    delete input.endpoints!.opcua!.lockout;
    resetTraffic();
    const { results, ledger } = await runNonDisruptive(input, [
      'opcua.authenticators.default-credentials-refused',
      'opcua.authentication.shared-accounts-refused',
      'opcua.authenticator-feedback.uniform-refusal',
      'opcua.authentication.anonymous-session-refused',
      'opcua.monitoring.diagnostics-counters',
      'opcua.audit.security-events',
    ]);
    expect(results.map((result) => result.status), verdicts(results).join('\n')).to.deep.equal(results.map(() => 'pass'));
    expectWithinBudget(DEFAULT_LOCKOUT_THRESHOLD - 1, ledger);
    const defaults = results.find((result) => result.checkId === 'opcua.authenticators.default-credentials-refused')!;
    // admin has three pairs in the list and "Admin" counts as the same account: the budget of two leaves two out.
    expect(defaults.observed).to.match(/; 2 skipped for the failed-login budget \(budget 2 failures in a row per account, lockout threshold 3, the default: admin, Admin\)/);
    const shared = results.find((result) => result.checkId === 'opcua.authentication.shared-accounts-refused')!;
    // The same run already spent admin's and operator's budget on the default list.
    expect(shared.observed).to.match(/\d+ skipped for the failed-login budget .*: admin, operator/);
  });

  it('with writeProbes only the named variable is written, with the value it holds', async function () {
    const input = structuredClone(plc.profile);
    input.endpoints!.opcua!.writeProbes = [PLC_NODES.setpoint];
    const setpoint = plc.plc.server.engine.addressSpace!.findNode(PLC_NODES.setpoint) as UAVariable;
    const before = setpoint.readValue().value.value as number;
    resetTraffic();
    const { results } = await runNonDisruptive(input, ['opcua.authorization.viewer-cannot-write', 'opcua.authorization.role-permission-mapping', 'opcua.integrity.tampered-message-rejected']);
    expect(results.map((result) => result.status), verdicts(results).join('\n')).to.deep.equal(['pass', 'pass', 'pass']);
    expect([...plc.plc.traffic.nodesWritten.keys()]).to.deep.equal([PLC_NODES.setpoint]);
    expect(setpoint.readValue().value.value).to.equal(before);
    const viewer = results.find((result) => result.checkId === 'opcua.authorization.viewer-cannot-write')!;
    expect(viewer.observed).to.match(/1 written with their own value \(1 refused\), \d+ judged from UserAccessLevel; only the 1 writeProbes of the profile were written/);
  });
});
