/**
 * `npm run bench`: the harness beside the tools it replaces (node -e 0, nmap, sslscan, testssl.sh), campaign overhead against the designed waits, peak memory, flood and fuzz rates against a bare
 * socket ceiling, and scale over 1, 4 and 8 targets. Prints every figure beside its target and writes
 * bench/results.json. Not part of `npm test`: speed is measured here, never in timed tests.
 *
 *   npm run bench [-- --only tools,campaign,flood,fuzz,scale]
 *
 * Every load is bounded in rate and time and goes only to simulators on loopback addresses.
 * Exit code 0 when every part was measured (targets met or not: the table says which), 1 when a part failed.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { HARNESS } from '../core/version.js';
import { loadProtocols } from '../harness/protocols.js';
import { benchCampaign } from './campaign.js';
import { benchModbusFlood, benchOpcuaHellos } from './flood.js';
import { benchFuzz } from './fuzz.js';
import { benchReferences, buildDist } from './references.js';
import { outcomeOf, renderTable, type Figure, type Section } from './report.js';
import { benchScale } from './scale.js';
import { startBenchSimulator, startRetries, type BenchSimulator } from './simulators.js';
import { progress } from './util.js';

const PARTS = ['tools', 'campaign', 'flood', 'fuzz', 'scale'] as const;
type Part = (typeof PARTS)[number];
const RESULTS_FILE = join(dirname(fileURLToPath(import.meta.url)), 'results.json');

const { values } = parseArgs({ options: { only: { type: 'string' }, help: { type: 'boolean' } } });
if (values.help) {
  process.stdout.write(`npm run bench [-- --only ${PARTS.join(',')}]\n`);
  process.exit(0);
}
const selected = (values.only ?? PARTS.join(',')).split(',').map((part) => part.trim());
const unknown = selected.filter((part) => !(PARTS as readonly string[]).includes(part));
if (unknown.length > 0) {
  process.stderr.write(`--only: unknown part ${unknown.join(', ')}; choose from ${PARTS.join(', ')}\n`);
  process.exit(2);
}
const wanted = (part: Part) => selected.includes(part);

const figures: Figure[] = [];
const details: Record<string, unknown> = {};
const errors: Array<{ part: string; message: string }> = [];
/** Children and simulators to stop when the user interrupts the bench. */
const cleanups = new Set<() => void | Promise<void>>();

let interrupted = false;
const onSignal = (signal: NodeJS.Signals) => {
  if (interrupted) process.exit(130);
  interrupted = true;
  progress(`${signal}: stopping the running part and its simulators; no results are written (again to quit at once)`);
  void Promise.allSettled([...cleanups].map(async (cleanup) => cleanup())).then(() => process.exit(130));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

async function part(name: Part, sections: Section[], body: () => Promise<void>): Promise<void> {
  if (!wanted(name) || interrupted) return;
  try {
    await body();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    errors.push({ part: name, message });
    progress(`${name}: FAILED: ${message}`);
    for (const section of sections) figures.push({ section, name: `${name} part`, value: undefined, unit: '', note: `not measured: ${message}` });
  }
}

async function withSimulator<T>(kind: string, body: (simulator: BenchSimulator) => Promise<T>): Promise<T> {
  progress(`${kind} simulator (hardened) starting as its own process`);
  const simulator = await startBenchSimulator(kind);
  const stop = () => simulator.stop();
  cleanups.add(stop);
  try {
    return await body(simulator);
  } finally {
    cleanups.delete(stop);
    await simulator.stop();
  }
}

// Profiles (the simulators' and the targets' merged ones) are parsed against the protocol definitions.
await loadProtocols();

const startedAt = new Date();
// Other work on the machine slows every part; the load average beside the figures says how busy it was.
const loadAtStart = os.loadavg();
progress(`bench of ${HARNESS.name} ${HARNESS.version} on ${os.cpus().length} cores, Node ${process.version}: ${selected.join(', ')}`);

// The tools and scale parts run the command itself: compiled from this tree, never a stale dist/.
if (wanted('tools') || wanted('scale')) {
  try {
    buildDist();
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

await part('tools', ['tools'], async () => {
  const tools: Record<string, unknown> = {};
  details.tools = tools;
  await benchReferences(figures, tools, (cleanup) => cleanups.add(cleanup));
});

await part('campaign', ['campaign', 'memory'], async () => {
  progress('campaign: the embedded default, every check, disruptive on (about 1.5 minutes)');
  const result = await benchCampaign((kill) => cleanups.add(kill));
  figures.push(...result.figures);
  details.campaign = result.details;
});

await part('fuzz', ['fuzz'], async () => {
  await withSimulator('modbus', async (simulator) => {
    const result = await benchFuzz(simulator.profile, simulator.host);
    figures.push(...result.figures);
    details.fuzz = result.details;
  });
});

await part('flood', ['flood'], async () => {
  const flood: Record<string, unknown> = {};
  details.flood = flood;
  await withSimulator('modbus', async (simulator) => {
    const result = await benchModbusFlood(simulator.profile, simulator.host);
    figures.push(...result.figures);
    flood.modbus = result.details;
  });
  await withSimulator('opcua', async (simulator) => {
    const url = simulator.profile.endpoints.opcua?.url;
    if (!url) throw new Error('the OPC UA simulator described no endpoint URL');
    const result = await benchOpcuaHellos(url);
    figures.push(...result.figures);
    flood.opcua = result.details;
  });
});

await part('scale', ['scale'], async () => {
  const result = await benchScale((kill) => cleanups.add(kill));
  figures.push(...result.figures);
  details.scale = result.details;
});

// The signal handler exits once the children are stopped; an interrupted bench writes no results.
if (interrupted) await new Promise(() => undefined);

const order: Section[] = ['tools', 'campaign', 'memory', 'flood', 'fuzz', 'scale'];
figures.sort((a, b) => order.indexOf(a.section) - order.indexOf(b.section));
const finishedAt = new Date();
const loadAtEnd = os.loadavg();
process.stdout.write(`\n${renderTable(figures)}\n`);
const missed = figures.filter((figure) => outcomeOf(figure) === 'missed');
const unmeasured = figures.filter((figure) => outcomeOf(figure) === 'not measured');
const judged = figures.filter((figure) => figure.target);
process.stdout.write(
  `\n${judged.filter((figure) => outcomeOf(figure) === 'met').length} of ${judged.length} targets met${missed.length ? `; missed: ${missed.map((figure) => `${figure.section} ${figure.name}`).join('; ')}` : ''}${unmeasured.length ? `; not measured: ${unmeasured.map((figure) => figure.section).join(', ')}` : ''}\n`,
);

writeFileSync(
  RESULTS_FILE,
  `${JSON.stringify(
    {
      harness: `${HARNESS.name} ${HARNESS.version}`,
      node: process.version,
      machine: {
        cores: os.cpus().length,
        cpu: os.cpus()[0]?.model,
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        platform: `${os.platform()} ${os.release()}`,
        loadAverageAtStart: loadAtStart,
        loadAverageAtEnd: loadAtEnd,
      },
      parts: selected,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationS: Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000),
      figures: figures.map((figure) => ({ ...figure, outcome: outcomeOf(figure) })),
      errors,
      simulatorStartRetries: startRetries,
      details,
    },
    null,
    2,
  )}\n`,
);
process.stdout.write(
  `Machine: ${os.cpus().length} cores, load average (1/5/15 min) ${loadAtStart.map((load) => load.toFixed(1)).join('/')} before the bench started; other work on the machine during the bench slows every figure\n`,
);
if (startRetries.length > 0) {
  process.stdout.write(`${startRetries.length} simulator start${startRetries.length > 1 ? 's' : ''} failed once and succeeded when tried again: ${startRetries.map((retry) => `${retry.kind} (${retry.reason.split('\n')[0]})`).join('; ')}\n`);
}
process.stdout.write(`Results: ${RESULTS_FILE} (${Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000)} s)\n`);
process.exit(errors.length > 0 ? 1 : 0);
