import { parseArgs, type ParseArgsConfig } from 'node:util';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { requirementIdOf } from '../../core/check.js';
import { preflightProblems, protocolDefinitions } from '../../core/protocol.js';
import { loadProtocols, PluginError } from '../protocols.js';
import { catalog, findRequirement, outOfScope } from '../../core/catalog/index.js';
import { COMPONENT_TYPES, type ComponentType, type Profile } from '../../core/profile/schema.js';
import { loadProfileFile, parseProfile, profileLocator, ProfileError } from '../../core/profile/load.js';
import { checkManifest } from '../run/discover.js';
import type { SimulatedComponent } from '../simulation/embedded.js';
import { Redactor } from '../../core/evidence/redact.js';
import { secretsOf } from '../../core/profile/load.js';
import { ConsoleProgress, bold, dim, red, yellow } from './console.js';
import { HARNESS } from '../../core/version.js';
import type { ComplianceDocument } from '../../core/verdict/model.js';
import { isLoopback, randomLoopbackHost } from '../../core/net/loopback.js';
import { listProfiles, parseShard, runProfilesCommand } from '../run/multi.js';
import { gateMisses, GateSyntaxError, parseGate, type GateKpi } from '../fleet-gate.js';
import { AdvisoriesFolderError, checkAdvisoriesFolder, loadAdvisories, type LoadedAdvisories } from '../advisories/load.js';

// Commands import what they use when they run (reports, simulators, the runner, node-forge for signatures), and a
// check's adapter is imported only when the check runs: --help, catalog and profile errors load no protocol library.
import { EXIT, UsageError } from './errors.js';
import { SIMULATED_IDENTITY_ENV, type SimulatedIdentity } from '../../simulators/types.js';

export { EXIT, UsageError };

const usage = (protocols: string[]) => `Usage: iec62443-harness <command> [options]

Commands:
  run       Test a component against IEC 62443-4-2 and write the reports
  init      Discover a device's interfaces from its address and write a device profile to complete
  catalog   List the requirements and the automated checks that exist for each
  simulate  Start a simulated component (for tests and demos)
  verify    Check an evidence bundle: every hash, no added or missing file, the signature
  fleet     Aggregate the compliance.json of many components and runs: KPIs, findings, inventory, trends

run options:
  --profile FILE       device profile (YAML); without it the built-in simulators are tested
  --out DIR            output folder (default reports/latest)
  --sl N               target security level 1-4 (overrides the profile)
  --only IDS           comma-separated requirement ids, e.g. "CR 1.11,CR 7.1"
  --protocol P         only checks of one protocol: ${protocols.join('|')}
  --disruptive         allow disruptive checks (lockout, floods, fuzzing, exhaustion)
  --simulators MODE    embedded default: process (default), inprocess or container (needs Docker)
  --allure ENGINE      allure3 (default, no Java) or allure2 (allure-commandline, needs Java) or none
  --deadline TIME      stop starting checks after this long (e.g. 90s, 20m, 2h); the report is still written
  --replay CASE_ID     send one malformed-input case of a CR 3.5 corpus alone (e.g. modbus:function.unknown-0x19) and report
                       how the device handled it and whether it still answers; writes no report; needs --disruptive
  --allow-control-host let scan.controlHost be an address other than loopback (a second machine the scan then touches)
  --history FILE       Allure history for trends across runs (default: history.jsonl in the output folder)
  --bundle             also write a signed evidence bundle (evidence-bundle.tar.gz) into the output folder
  --lab-key FILE       PEM RSA private key that signs the bundle (default: a key generated for the bundle)
  --advisories DIR     folder of CSAF 2.0 advisories (JSON) to match the component's identity against; the report
                       lists its known vulnerabilities (overrides \`advisories:\` in the profile; read offline)
  --profiles DIR       test every profile in DIR (*.yaml, *.yml, *.json), one child process each, into --out/<name>
  --concurrency N      with --profiles: at most N runs at a time (default 2)
  --shard K/N          with --profiles: only the K-th of N slices of the sorted profiles (CI matrix, Kubernetes Jobs)

catalog options:
  --sl N  --type T  --format text|json|md   (md: the requirement list for a purchase contract; --json = --format json)

fleet options:
  fleet <folder>... [--out DIR] [--as-of TIME] [--fail-under KPI=VALUE]   reads every compliance.json below the folders
                       (runs, shards, a nightly history); writes fleet.json, fleet.md, fleet.html into --out (default: the
                       first folder); with --fail-under exits 1 when a KPI misses its target: compliant-share=90%,
                       remediation-hours=48, open-high-risk=0 (comma-separated or repeated; a bare name takes that default)

init options:
  init --host H [--out FILE] [--ports LIST] [--control-host C] [--timeout-ms N] [--snmp-communities LIST] [--force]
                       non-disruptive discovery (port scan, banners, OPC UA endpoints and BuildInfo, Modbus FC 43,
                       TLS); writes FILE (default device.yaml, never over an existing file without --force) with
                       credentials as \${VARIABLE}s and prints what is left to fill in. SNMP communities are tried only
                       when --snmp-communities names them.

simulate options:
  simulate <kind> --profile NAME [--host H] [--port N] [--write-profile FILE]

verify options:
  verify <bundle> [--key PUBLIC_KEY.pem]   pin the lab's public key; without it the key in the bundle is used

Exit codes: 0 no requirement failed, 1 at least one failed, 2 usage or profile error,
            3 harness error, target unreachable or run deadline reached,
            130 interrupted with Ctrl-C (reports are still written).
`;

type Values = Record<string, string | boolean | undefined>;

function parse(args: string[], options: ParseArgsConfig['options'], allowPositionals = false): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals });
    return { values: values as Values, positionals };
  } catch (error) {
    // node's messages name the flag, e.g. "Unknown option '--proflie'".
    throw new UsageError((error as Error).message);
  }
}

function levelFlag(values: Values, name = 'sl'): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const level = Number(raw);
  if (!Number.isInteger(level) || level < 1 || level > 4) throw new UsageError(`--${name} must be a security level from 1 to 4, not "${String(raw)}"`);
  return level;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return await runCommand(rest);
      case 'catalog':
        return await catalogCommand(rest);
      case 'simulate':
        return await simulateCommand(rest);
      case 'init':
        return await (await import('./init.js')).initCommand(rest);
      case 'verify':
        return await verifyCommand(rest);
      case 'fleet':
        return await fleetCommand(rest);
      case '--version':
      case '-v':
        process.stdout.write(`${HARNESS.version}\n`);
        return EXIT.ok;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(usage((await loadProtocols()).map((definition) => definition.name)));
        return command === undefined ? EXIT.usage : EXIT.ok;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${red('error:')} ${error.message}\n${dim("Run 'iec62443-harness --help' for the options.")}\n`);
      return EXIT.usage;
    }
    if (error instanceof ProfileError || error instanceof PluginError) {
      process.stderr.write(`${red('error:')} ${error.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`${red('harness error:')} ${(error as Error).stack ?? String(error)}\n`);
    return EXIT.harness;
  }
}

async function catalogCommand(args: string[]): Promise<number> {
  const { values } = parse(args, { sl: { type: 'string' }, type: { type: 'string' }, json: { type: 'boolean' }, format: { type: 'string' } });
  const format = (values.format as string | undefined) ?? (values.json ? 'json' : 'text');
  if (!['text', 'json', 'md'].includes(format)) throw new UsageError(`--format must be text, json or md, not "${format}"`);
  if (values.json && format !== 'json') throw new UsageError('--json and --format ' + format + ' contradict each other');
  const sl = levelFlag(values);
  const type = values.type as string | undefined;
  if (type !== undefined && !COMPONENT_TYPES.includes(type as ComponentType)) throw new UsageError(`--type must be one of ${COMPONENT_TYPES.join(', ')}, not "${type}"`);
  const checks = (await checkManifest()).map((check) => ({ check }));
  const items = catalog().items.filter((item) => outOfScope(item, { type: type as ComponentType | undefined, targetSL: sl }) === undefined);
  const withChecks = items.map((item) => ({
    ...item,
    checks: checks.filter(({ check }) => requirementIdOf(check) === item.id).map(({ check }) => ({ id: check.id, title: check.title, protocol: check.protocol, disruptive: check.disruptive })),
  }));
  if (format === 'md') {
    const { procurementMarkdown } = await import('../../reports/fleet/procurement.js');
    process.stdout.write(procurementMarkdown(withChecks, { ...(sl ? { sl } : {}), ...(type ? { type } : {}) }, catalog()));
    return EXIT.ok;
  }
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify({ edition: catalog().edition, filter: { sl, type }, requirements: withChecks }, null, 2)}\n`);
    return EXIT.ok;
  }
  const base = withChecks.filter((item) => item.kind === 'base').length;
  process.stdout.write(`${bold(catalog().edition)}\n${base} base requirements and ${withChecks.length - base} enhancements${sl ? ` at SL ${sl}` : ''}${type ? ` for ${type}` : ''}; confidence H/M/L in the SL-C assignment.\n\n`);
  for (const item of withChecks) {
    const sls = item.sl.length > 1 ? `SL ${item.sl[0]}-${item.sl.at(-1)}` : `SL ${item.sl[0]}`;
    const indent = item.kind === 'enhancement' ? '    ' : '';
    process.stdout.write(`${indent}${bold(item.id.padEnd(16 - indent.length))} ${item.title} ${dim(`[${sls}, ${item.testClass}, conf ${item.confidence.level}]`)}\n`);
    for (const check of item.checks) process.stdout.write(`${indent}    ✓ ${check.id}${check.disruptive ? ' (disruptive)' : ''}\n`);
  }
  return EXIT.ok;
}

async function simulateCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(
    args,
    { profile: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, 'write-profile': { type: 'string' } },
    true,
  );
  const [{ findSimulator, simulatorKinds }, { writeAtomically }, { READY_PREFIX }, { stringify }] = await Promise.all([
    import('../../simulators/registry.js'),
    import('../../core/files.js'),
    import('../simulation/embedded.js'),
    import('yaml'),
  ]);
  const kinds = simulatorKinds();
  const kind = positionals[0];
  if (!kind || positionals.length > 1) throw new UsageError(`simulate needs one simulator kind: ${kinds.join(', ') || '(none built in)'}`);
  const definition = await findSimulator(kind);
  if (!definition) throw new UsageError(`unknown simulator "${kind}"; built in: ${kinds.join(', ')}`);
  const profileName = (values.profile as string | undefined) ?? definition.defaultProfile;
  if (!definition.profiles.includes(profileName)) throw new UsageError(`--profile must be one of ${definition.profiles.join(', ')} for the ${kind} simulator`);
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new UsageError(`--port must be a TCP port number, not "${String(values.port)}"`);
  const host = (values.host as string | undefined) ?? randomLoopbackHost();
  const workDir = mkdtempSync(join(tmpdir(), `iec62443-sim-${kind}-`));
  const identity = process.env[SIMULATED_IDENTITY_ENV] ? (JSON.parse(process.env[SIMULATED_IDENTITY_ENV]) as SimulatedIdentity) : undefined;
  const running = await definition.start({ profile: profileName, host, workDir, ...(port !== undefined ? { port } : {}), ...(identity ? { identity } : {}) });
  const profileFile = values['write-profile'] as string | undefined;
  if (profileFile) writeAtomically(profileFile, `# Device profile written by the ${kind} simulator (${profileName}); it holds test credentials.\n${stringify(running.profile)}`);
  const stop = async () => {
    await running.stop();
    rmSync(workDir, { recursive: true, force: true });
    process.exit(EXIT.ok);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  process.stdout.write(`${READY_PREFIX} ${kind} simulator (${profileName}) on ${running.host} ports ${running.ports.join(',')}${profileFile ? ` profile ${resolve(profileFile)}` : ''}\n`);
  await new Promise(() => undefined);
  return EXIT.ok;
}

/** Where each interface is declared in the profile file, for SARIF locations. */
function interfaceLines(file: string, document: { interfaces: Array<{ name: string; profilePath?: Array<string | number> }> }): Record<string, number> {
  const lineOf = profileLocator(readFileSync(file, 'utf8'));
  const lines: Record<string, number> = {};
  for (const entry of document.interfaces) {
    const line = entry.profilePath ? lineOf(entry.profilePath) : undefined;
    if (line) lines[entry.name] = line;
  }
  return lines;
}

/** "90s", "20m", "2h", "1500ms" or plain seconds. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text.trim());
  const factor = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
  if (!match) throw new UsageError(`${flag} must be a duration such as 90s, 20m or 2h, not "${text}"`);
  const value = Number(match[1]) * factor[(match[2] as keyof typeof factor | undefined) ?? 's'];
  if (value <= 0 || value > 7 * 24 * 3_600_000) throw new UsageError(`${flag} must be more than 0 and at most a week`);
  return value;
}

async function replayCommand(profile: Profile, caseId: string, signal: AbortSignal): Promise<number> {
  const { replayCase, UnknownCaseError } = await import('../replay/index.js');
  const redactor = new Redactor(secretsOf(profile));
  const log = (line: string) => process.stderr.write(dim(`  ${redactor.text(line)}\n`));
  const outcome = await replayCase(profile, caseId, {
    connectTimeoutMs: profile.timeouts?.connectMs ?? 3_000,
    requestTimeoutMs: profile.timeouts?.requestMs ?? 5_000,
    signal,
    log,
  }).catch((error: unknown) => {
    throw error instanceof UnknownCaseError ? new UsageError(`--replay: ${error.message}`) : error;
  });
  const verdict = (outcome.handledCorrectly || outcome.harmlessDeviation) && outcome.aliveAfter;
  const judged = outcome.handledCorrectly ? 'handled correctly' : outcome.harmlessDeviation ? 'lenient but harmless (an observation, not a failure)' : red('NOT handled correctly');
  process.stdout.write(
    [
      `${bold(`${outcome.protocol}:${outcome.caseId}`)} ${outcome.description}`,
      `  sent:     ${outcome.sent}`,
      `  expected: ${outcome.expected}`,
      `  observed: ${outcome.observed}`,
      `  device ${outcome.aliveAfter ? 'still answers' : red('no longer answers')} afterwards; ${outcome.aliveAfter ? judged : red('NOT handled correctly')}`,
      '',
    ].join('\n'),
  );
  return verdict ? EXIT.ok : EXIT.failed;
}

async function readLabKey(path: string): Promise<string> {
  const { loadSigningKey } = await import('../../adapters/pki/signing.js');
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--lab-key: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    loadSigningKey(pem);
  } catch {
    throw new UsageError(`--lab-key: ${path} is not a PEM RSA private key`);
  }
  return pem;
}

async function verifyCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { key: { type: 'string' } }, true);
  if (positionals.length !== 1) throw new UsageError('verify needs one bundle file');
  let archive: Buffer;
  try {
    archive = readFileSync(positionals[0]!);
  } catch (error) {
    throw new UsageError(`cannot read ${positionals[0]} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let trustedPublicKeyPem: string | undefined;
  if (values.key !== undefined) {
    try {
      trustedPublicKeyPem = readFileSync(values.key as string, 'utf8');
    } catch (error) {
      throw new UsageError(`--key: cannot read ${String(values.key)} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  const { verifyBundle } = await import('../bundle/bundle.js');
  const result = verifyBundle(archive, trustedPublicKeyPem ? { trustedPublicKeyPem } : {});
  if (!result.ok) {
    process.stdout.write(`${red('NOT VERIFIED')} ${positionals[0]}\n${result.problems.map((problem) => `  - ${problem}`).join('\n')}\n`);
    return EXIT.failed;
  }
  process.stdout.write(`verified ${positionals[0]}: ${result.fileCount} files unchanged, signature valid (key ${result.fingerprint}, ${result.keySource})\n`);
  if (!result.keyPinned) process.stdout.write(dim('  the key was taken from the bundle itself; pass --key with the lab\'s public key to prove who signed it\n'));
  return EXIT.ok;
}

function parseOnly(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const ids = raw.split(',').map((id) => id.trim().replace(/\s+/g, ' ')).filter(Boolean);
  if (ids.length === 0) throw new UsageError('--only needs at least one requirement id, e.g. "CR 1.11,CR 7.1"');
  const unknown = ids.filter((id) => !findRequirement(id));
  if (unknown.length) throw new UsageError(`--only names ${unknown.map((id) => `"${id}"`).join(', ')}, not in the catalog (write ids as "CR 1.11" or "CR 3.1 RE(1)")`);
  return ids;
}

/**
 * What a run may touch beyond reading: a replayed CR 3.5 case is malformed input sent on purpose, so it is disruptive;
 * the control scan goes to scan.controlHost, which is meant to be this machine, so another address must be asked for.
 */
function checkSafetyScope(values: Values, profile: Profile | undefined): void {
  if (values.replay !== undefined && values.disruptive !== true && profile?.disruptive !== true) {
    throw new UsageError('--replay sends malformed input to the device, which may disturb it: allow it with --disruptive (or disruptive: true in the profile)');
  }
  const controlHost = profile?.scan?.controlHost;
  if (controlHost !== undefined && !isLoopback(controlHost) && values['allow-control-host'] !== true) {
    throw new UsageError(
      `scan.controlHost ${controlHost} is not a loopback address: the control scan would send traffic to a host other than the component's; give --allow-control-host if that machine may be scanned`,
    );
  }
}

async function runCommand(args: string[]): Promise<number> {
  const { values } = parse(args, {
    profile: { type: 'string' },
    out: { type: 'string' },
    sl: { type: 'string' },
    only: { type: 'string' },
    protocol: { type: 'string' },
    disruptive: { type: 'boolean' },
    simulators: { type: 'string' },
    allure: { type: 'string' },
    bundle: { type: 'boolean' },
    'lab-key': { type: 'string' },
    history: { type: 'string' },
    deadline: { type: 'string' },
    profiles: { type: 'string' },
    concurrency: { type: 'string' },
    shard: { type: 'string' },
    replay: { type: 'string' },
    advisories: { type: 'string' },
    'allow-control-host': { type: 'boolean' },
  });
  const sl = levelFlag(values);
  const only = parseOnly(values.only as string | undefined);
  await loadProtocols();
  const protocolNames = protocolDefinitions().map((definition) => definition.name);
  const protocol = values.protocol as string | undefined;
  if (protocol !== undefined && !protocolNames.includes(protocol)) throw new UsageError(`--protocol must be one of ${protocolNames.join(', ')}, not "${protocol}"`);
  const mode = (values.simulators as string | undefined) ?? 'process';
  if (mode !== 'process' && mode !== 'inprocess' && mode !== 'container') throw new UsageError(`--simulators must be process, inprocess or container, not "${mode}"`);
  if (values.simulators !== undefined && values.profile !== undefined) throw new UsageError('--simulators goes with the embedded default only, not with --profile');
  const engine = (values.allure as string | undefined) ?? 'allure3';
  if (!['allure3', 'allure2', 'none'].includes(engine)) throw new UsageError(`--allure must be allure3, allure2 or none, not "${engine}"`);
  const outDir = resolve((values.out as string | undefined) ?? join('reports', 'latest'));
  const deadlineMs = values.deadline === undefined ? undefined : parseDuration(values.deadline as string, '--deadline');
  const labKeyPem = values['lab-key'] === undefined ? undefined : await readLabKey(values['lab-key'] as string);
  if (labKeyPem && !values.bundle) throw new UsageError('--lab-key signs the evidence bundle; add --bundle');
  if (values.profiles !== undefined) return runManyCommand(values, args);
  for (const flag of ['concurrency', 'shard']) if (values[flag] !== undefined) throw new UsageError(`--${flag} goes with --profiles DIR`);

  // Validate everything before anything is started or written.
  let profile: Profile | undefined = values.profile ? loadProfileFile(values.profile as string) : undefined;
  const advisoriesDir = advisoriesFolderOf(values, profile);
  checkSafetyScope(values, profile);
  if (profile) {
    const problems = await preflightProblems(profile);
    if (problems.length > 0) throw new ProfileError(values.profile as string, problems);
  }

  const controller = new AbortController();
  let interrupts = 0;
  const onInterrupt = () => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write(`\n${yellow('interrupted: stopping the running check and writing the report (Ctrl-C again to quit at once)')}\n`);
      controller.abort(new Error('interrupted by the user'));
    } else process.exit(EXIT.interrupted);
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  const deadline =
    deadlineMs === undefined
      ? undefined
      : setTimeout(() => {
          process.stderr.write(`\n${yellow(`run deadline of ${values.deadline} reached: stopping the running check and writing the report`)}\n`);
          controller.abort(new Error('run deadline reached'));
        }, deadlineMs);

  let simulated: SimulatedComponent | undefined;
  try {
    if (!profile) {
      process.stderr.write(`${bold('No --profile given:')} testing the built-in simulated PLC (the embedded default).\n`);
      const { startEmbeddedComponent } = await import('../simulation/embedded.js');
      simulated = await startEmbeddedComponent({ mode, signal: controller.signal, onStatus: (line) => process.stderr.write(dim(`  ${line}\n`)) });
      profile = parseProfile(simulated.profile, 'embedded default');
    }
    if (sl !== undefined) profile = { ...profile, targetSL: sl };
    if (values.replay !== undefined) return await replayCommand(profile, values.replay as string, controller.signal);
    const advisories = advisoriesDir ? await readAdvisories(advisoriesDir) : undefined;
    const c = profile.component;
    process.stderr.write(`${bold('Component:')} ${[c.vendor, c.model, c.name].filter(Boolean).join(' ')} (${c.type}) at ${profile.host}, target SL ${profile.targetSL}\n\n`);
    for (const account of profile.unsetAccounts ?? []) {
      process.stderr.write(`${yellow('warning:')} accounts[${account.index}] (${account.role}) is left out: ${account.variables.map((name) => `\${${name}}`).join(', ')} not set; checks that log in as ${account.role} are not tested\n`);
    }

    mkdirSync(outDir, { recursive: true });
    const { runCampaign } = await import('../run/campaign.js');
    const progress = new ConsoleProgress();
    const running = runCampaign({
      profile,
      outDir,
      ...(only ? { only } : {}),
      ...(protocol ? { protocol } : {}),
      disruptive: values.disruptive === true ? true : profile.disruptive,
      signal: controller.signal,
      ...(advisories ? { advisories } : {}),
      onCheckStart: (check, index, total, target) => progress.checkStart(check, index, total, target),
      onCheckEnd: (result, check, index, total) => progress.checkEnd(result, check, index, total),
      onProgress: (update, check, target) => progress.progress(update, check, target),
    });
    // The report writers load while the checks wait on the network; a failed run still needs them for its report.
    const [campaign, { writeReports }, { writeAtomically }] = await Promise.all([running, import('../../reports/write.js'), import('../../core/files.js')]);
    const document = campaign.document;
    progress.summary(document);
    if (document.vulnerabilities) process.stderr.write(`${vulnerabilitySummary(document.vulnerabilities)}\n`);
    if (engine !== 'none') process.stderr.write(dim('\nrendering the reports…\n'));
    const written = await writeReports(document, {
      outDir,
      allureResultsDir: campaign.allureResultsDir,
      engine: engine as 'allure3' | 'allure2' | 'none',
      reportName: `IEC 62443-4-2: ${profile.component.name}`,
      historyPath: resolve((values.history as string | undefined) ?? join(outDir, 'history.jsonl')),
      profileUri: values.profile ? (values.profile as string) : 'embedded-default',
      ...(values.profile ? { interfaceLines: interfaceLines(values.profile as string, document) } : {}),
    });
    if (written.allureError) process.stderr.write(`${yellow('warning:')} the Allure report could not be rendered: ${written.allureError}\n`);
    process.stdout.write(`\nCompliance report: ${join(outDir, 'compliance.html')}\n`);
    process.stdout.write(`                   ${['compliance.md', 'compliance.json', 'junit.xml'].map((name) => join(outDir, name)).join(', ')}\n`);
    if (written.allureIndex) process.stdout.write(`Allure report:     ${written.allureIndex}\n`);
    if (values.bundle) {
      const { BUNDLE_NAME, createBundle } = await import('../bundle/bundle.js');
      const bundle = createBundle(outDir, labKeyPem ? { labKeyPem } : {});
      writeAtomically(join(outDir, BUNDLE_NAME), bundle.archive);
      process.stdout.write(`Evidence bundle:   ${join(outDir, BUNDLE_NAME)} (${bundle.manifest.files.length} files, signed by key ${bundle.key.fingerprint.slice(0, 16)}…, ${bundle.manifest.signer.keySource})\n`);
    }

    if (campaign.interrupted && interrupts > 0) return EXIT.interrupted;
    if (campaign.unreachable) {
      process.stderr.write(`${red('target unreachable:')} ${campaign.unreachable}\n`);
      return EXIT.harness;
    }
    const verdicts = document.summary.byVerdict;
    if (verdicts.fail) return EXIT.failed;
    if (verdicts.error || campaign.interrupted) return EXIT.harness;
    return EXIT.ok;
  } finally {
    clearTimeout(deadline);
    // Ctrl-C stays handled while the simulators stop: a second one then quits at once through the exit hooks that
    // remove containers, where Node's default would kill the process and leave them running.
    try {
      await simulated?.stop();
    } finally {
      process.off('SIGINT', onInterrupt);
      process.off('SIGTERM', onInterrupt);
    }
  }
}

/** --advisories DIR, else the profile's `advisories:` (relative to the profile file); checked before anything starts. */
function advisoriesFolderOf(values: Values, profile: Profile | undefined): string | undefined {
  const [folder, source] =
    values.advisories !== undefined
      ? [resolve(values.advisories as string), '--advisories']
      : profile?.advisories !== undefined
        ? [resolve(dirname(values.profile as string), profile.advisories), `advisories in ${values.profile as string}`]
        : [undefined, ''];
  if (folder === undefined) return undefined;
  try {
    checkAdvisoriesFolder(folder);
  } catch (error) {
    if (error instanceof AdvisoriesFolderError) throw new UsageError(`${source}: ${error.message}`);
    throw error;
  }
  return folder;
}

function vulnerabilitySummary(known: NonNullable<ComplianceDocument['vulnerabilities']>): string {
  const s = known.summary;
  const parts = [
    `${s.affected} affecting${s.affected ? ` (${s.unmitigatedHighRisk} unmitigated high-risk, ${s.mitigated} declared mitigated)` : ''}`,
    `${s.fixed} fixed in this version`,
    ...(s['under-investigation'] ? [`${s['under-investigation']} under investigation`] : []),
    ...(s['possibly-affected'] ? [`${s['possibly-affected']} possibly affecting (version not comparable)`] : []),
  ];
  const line = `${bold('Known vulnerabilities:')} ${parts.join(', ')} from ${known.advisories.length} advisor${known.advisories.length === 1 ? 'y' : 'ies'}`;
  return s.unmitigatedHighRisk ? red(line) : line;
}

/** Reads and validates the advisories; each file that cannot be used is named in a warning, and the run goes on. */
async function readAdvisories(folder: string): Promise<LoadedAdvisories> {
  const loaded = await loadAdvisories(folder);
  for (const problem of loaded.problems) {
    if (problem.kind === 'superseded') continue;
    const what = problem.kind === 'warning' ? '' : ' is not used:';
    process.stderr.write(`${yellow('warning:')} advisory ${problem.file}${what} ${problem.message}\n`);
  }
  process.stderr.write(dim(`${loaded.advisories.length} CSAF advisor${loaded.advisories.length === 1 ? 'y' : 'ies'} read from ${folder}\n`));
  return loaded;
}

/** run --profiles DIR: the flags were checked like a single run's; each child gets them unchanged. */
async function runManyCommand(values: Values, args: string[]): Promise<number> {
  for (const flag of ['profile', 'simulators', 'history']) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} cannot go with --profiles (each profile runs into its own folder with its own history)`);
  }
  const concurrency = values.concurrency === undefined ? 2 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new UsageError(`--concurrency must be a whole number from 1 to 64, not "${String(values.concurrency)}"`);
  const shard = values.shard === undefined ? undefined : parseShard(values.shard as string);
  if (values.shard !== undefined && !shard) throw new UsageError(`--shard must be K/N with 1 <= K <= N, e.g. 2/5, not "${String(values.shard)}"`);
  const profilesDir = resolve(values.profiles as string);
  let count: number;
  try {
    count = listProfiles(profilesDir).length;
  } catch (error) {
    throw new UsageError(`--profiles: ${(error as Error).message}`);
  }
  if (count === 0) throw new UsageError(`--profiles: ${profilesDir} holds no device profile (*.yaml, *.yml, *.json)`);
  const own = new Set(['--profiles', '--concurrency', '--shard', '--out']);
  const passThrough: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const [flag, inline] = args[index]!.split(/=(.*)/s, 2) as [string, string | undefined];
    // parseArgs gave string flags a string and boolean flags true, so this follows any flag run learns later.
    const takesValue = typeof values[flag.replace(/^--/, '')] === 'string';
    if (own.has(flag)) {
      if (takesValue && inline === undefined) index++;
      continue;
    }
    passThrough.push(args[index]!);
    if (takesValue && inline === undefined && index + 1 < args.length) passThrough.push(args[++index]!);
  }
  return runProfilesCommand({ profilesDir, outDir: resolve((values.out as string | undefined) ?? join('reports', 'latest')), passThrough, concurrency, ...(shard ? { shard } : {}) });
}

async function fleetCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { out: { type: 'string' }, 'as-of': { type: 'string' }, 'fail-under': { type: 'string', multiple: true } }, true);
  if (positionals.length === 0) throw new UsageError('fleet needs at least one folder with run outputs (or a nightly history of them)');
  let gate: Map<GateKpi, number>;
  try {
    gate = parseGate((values['fail-under'] as unknown as string[] | undefined) ?? []);
  } catch (error) {
    throw error instanceof GateSyntaxError ? new UsageError(error.message) : error;
  }
  for (const folder of positionals) {
    try {
      statSync(folder);
    } catch (error) {
      throw new UsageError(`cannot read ${folder} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  const asOfText = values['as-of'] as string | undefined;
  const asOf = asOfText === undefined ? undefined : new Date(asOfText);
  if (asOf && Number.isNaN(asOf.getTime())) throw new UsageError(`--as-of must be a date and time such as 2025-03-04T06:00:00Z, not "${asOfText}"`);
  const outDir = resolve((values.out as string | undefined) ?? positionals[0]!);
  const { writeFleetReports } = await import('../../reports/fleet/write.js');
  const { report, files } = writeFleetReports({ inputs: positionals, outDir, ...(asOf ? { asOf } : {}) });
  const k = report.kpis;
  const percent = (share: number | null) => (share === null ? 'n/a' : `${Math.round(share * 1000) / 10}%`);
  process.stderr.write(`${report.sources.runs} run(s) of ${k.components} component(s)${report.sources.skipped.length ? `, ${report.sources.skipped.length} file(s) not used (listed in the report)` : ''}
`);
  process.stderr.write(`  compliant at target SL: ${k.compliant} of ${k.components} (${percent(k.compliantShare)}; target above ${percent(report.targets.compliantShare)})
`);
  process.stderr.write(`  time to remediate (median): ${k.remediation.medianHours === null ? 'n/a' : `${k.remediation.medianHours} h`} over ${k.remediation.remediated} finding(s) (target under ${report.targets.remediationHours} h)
`);
  if (k.vulnerabilities.componentsAssessed) process.stderr.write(`  unmitigated high-risk vulnerabilities: ${k.vulnerabilities.unmitigatedHighRisk} in ${k.vulnerabilities.componentsWithUnmitigated} of ${k.vulnerabilities.componentsAssessed} component(s) assessed against advisories\n`);
  process.stderr.write(`  open findings: ${k.open.findings} (${k.open.highRisk} high-risk, ${k.open.overTarget} older than ${report.targets.remediationHours} h)
`);
  process.stdout.write(`Fleet report: ${files.join(', ')}
`);
  const misses = gateMisses(report, gate);
  for (const miss of misses) process.stderr.write(`${red('KPI missed:')} ${miss}\n`);
  return misses.length > 0 ? EXIT.failed : EXIT.ok;
}
