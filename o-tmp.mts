import './test/support/protocols.ts';
import { startSimulator } from './test/support/both-ways.js';
import { discoverChecks } from './harness/run/discover.js';
import { executeCheck } from './harness/run/execute.js';
import { parseProfile } from './core/profile/load.js';
const [kind, variant, ...ids] = process.argv.slice(2);
const sim = await startSimulator(kind!, variant!);
const checks = await discoverChecks();
for (const id of ids) {
  const check = checks.find((c) => c.check.id === id)!.check;
  const r = await executeCheck(check, parseProfile(sim.running.profile), { disruptive: true, settings: JSON.parse(process.env.SETTINGS ?? '{}') });
  console.log(`${id} [${variant}] ${r.status}: ${r.observed ?? r.message}\n`);
}
await sim.cleanup();
