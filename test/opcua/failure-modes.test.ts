import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { discoverChecks } from '../../harness/run/discover.js';
import { executeCheck } from '../../harness/run/execute.js';
import { parseProfile } from '../../core/profile/load.js';
import { freePort } from '../../core/net/loopback.js';
import type { ProfileInput } from '../../core/profile/schema.js';
import { startSimulator } from '../support/both-ways.js';

const OPCUA_CHECK = /^opcua\./;

async function opcuaChecks() {
  return (await discoverChecks()).filter(({ check }) => OPCUA_CHECK.test(check.id)).map(({ check }) => check);
}

describe('OPC UA checks against a dead or vanishing target', function () {
  this.timeout(180_000);

  it('every OPC UA check ends as error within seconds when the endpoint port is closed', async function () {
    const simulator = await startSimulator('opcua', 'hardened');
    const profile: ProfileInput = structuredClone(simulator.running.profile);
    // Stop the server but keep its folder: the profile's client certificate lives there.
    await simulator.running.stop();
    after(() => rmSync(dirname(profile.endpoints!.opcua!.pkiDir!), { recursive: true, force: true }));
    const closedPort = await freePort(profile.host);
    profile.endpoints!.opcua!.url = `opc.tcp://${profile.host}:${closedPort}`;
    const parsed = parseProfile(profile);
    // Checks that apply only to a declared anonymous read-only access run against that declaration.
    const readOnly = parseProfile({ ...profile, endpoints: { ...profile.endpoints, opcua: { ...profile.endpoints!.opcua!, anonymousAccess: 'read-only' } } });
    for (const check of await opcuaChecks()) {
      const started = Date.now();
      const result = await executeCheck(check, check.requires?.(parsed) && !check.requires(readOnly) ? readOnly : parsed, { disruptive: true });
      const took = Date.now() - started;
      expect(result.status, `${check.id}: ${result.observed ?? result.message}`).to.equal('error');
      expect(result.message, check.id).to.match(/unreachable|ECONNREFUSED|went away/i);
      expect(took, `${check.id} took ${took} ms`).to.be.below(5_000);
    }
  });

  // Each check is stopped while it still talks to the device: the server goes away when the named transcript line
  // appears, so the moment is the same on a fast and a slow machine.
  for (const [checkId, trigger] of [
    ['opcua.session.idle-timeout', /idle for \d+ ms/],
    ['opcua.login-attempts.lockout', /correct login after 2 consecutive failures/],
    ['opcua.authenticators.default-credentials-refused', /default-credential logins/],
    ['opcua.public-key.client-certificate-validation', /session with the expired client certificate/],
  ] as const) {
    it(`${checkId} ends as error within its timeout when the server stops mid-check`, async function () {
      const check = (await opcuaChecks()).find((candidate) => candidate.id === checkId)!;
      const simulator = await startSimulator('opcua', 'hardened');
      let stopping: Promise<void> | undefined;
      try {
        const profile = parseProfile(simulator.running.profile);
        const started = Date.now();
        const result = await executeCheck(check, profile, {
          disruptive: true,
          onLog: (line) => {
            if (!stopping && trigger.test(line)) stopping = simulator.running.stop();
          },
        });
        const took = Date.now() - started;
        expect(stopping, 'the trigger line never appeared').to.not.equal(undefined);
        expect(result.status, `${result.observed ?? result.message}`).to.equal('error');
        expect(took).to.be.below(check.timeoutMs!);
      } finally {
        await stopping;
        await simulator.cleanup();
      }
    });
  }
});
