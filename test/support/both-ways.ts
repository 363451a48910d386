import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunSettings } from '../../core/check.js';
import { parseProfile } from '../../core/profile/load.js';
import type { ProfileInput } from '../../core/profile/schema.js';
import { discoverChecks } from '../../harness/run/discover.js';
import { executeCheck, type CheckResult } from '../../harness/run/execute.js';
import { randomLoopbackHost } from '../../core/net/loopback.js';
import { findSimulator } from '../../simulators/registry.js';
import type { RunningSimulator } from '../../simulators/types.js';

export interface BothWaysSpec {
  simulator: string;
  passWith: string;
  failWith: string;
  checks: string[];
  settings?: Partial<RunSettings>;
  adjust?: (profile: ProfileInput, side: 'pass' | 'fail') => ProfileInput;
  /**
   * What the observed line must say, per check id and side: the flaw the check caught (fail) or the evidence it
   * passed on (pass). A verdict for the wrong reason is no proof.
   */
  reasons?: Record<string, { pass?: RegExp; fail?: RegExp }>;
}

/** Starts a simulator profile in-process on its own loopback host; stop it with the returned handle. */
export async function startSimulator(kind: string, profile: string): Promise<{ running: RunningSimulator; cleanup: () => Promise<void> }> {
  const definition = await findSimulator(kind);
  if (!definition) throw new Error(`no simulator "${kind}" under simulators/`);
  const workDir = mkdtempSync(join(tmpdir(), `iec62443-${kind}-${profile}-`));
  const running = await definition.start({ profile, host: randomLoopbackHost(), workDir });
  return {
    running,
    cleanup: async () => {
      await running.stop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/**
 * The proof every check owes: it passes against one simulator profile and fails against another, over real sockets.
 * test/lint/checks.test.ts requires every check id to be named in such a call.
 */
export function proveBothWays(spec: BothWaysSpec): void {
  for (const [side, profileName] of [['pass', spec.passWith], ['fail', spec.failWith]] as const) {
    describe(`${spec.simulator} simulator (${profileName}): checks ${side}`, function () {
      this.timeout(180_000);
      let simulator: Awaited<ReturnType<typeof startSimulator>> | undefined;
      before(async function () {
        simulator = await startSimulator(spec.simulator, profileName);
      });
      after(async function () {
        await simulator?.cleanup();
      });
      for (const checkId of spec.checks) {
        it(`${checkId} → ${side}`, async function () {
          const found = (await discoverChecks()).find((entry) => entry.check.id === checkId);
          if (!found) throw new Error(`no check with id ${checkId} under suites/`);
          const input = spec.adjust ? spec.adjust(structuredClone(simulator!.running.profile), side) : simulator!.running.profile;
          const profile = parseProfile(input, `${spec.simulator}/${profileName} self-description`);
          const result: CheckResult = await executeCheck(found.check, profile, { disruptive: true, settings: spec.settings });
          const seen = `${result.status}: ${result.observed ?? result.message ?? ''}`;
          expect(result.status, seen).to.equal(side);
          const reason = spec.reasons?.[checkId]?.[side];
          if (reason) expect(result.observed, `${checkId} ${side}s, but not for the reason expected`).to.match(reason);
        });
      }
    });
  }
}
