import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomLoopbackHost } from '../../core/net/loopback.js';
import { loadedLibraries, protocolLibraries, recordImportsEnv } from '../support/imports.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The package as users get it: `npm pack` (which builds dist/ through the prepare script), the tarball installed into
 * an empty folder without dev dependencies (no tsx, no typescript), and the installed command run from there: help,
 * catalog, and a run against a simulator it starts itself. npm reads its local cache first and asks the registry only
 * for what the cache lacks.
 */
describe('the packed package, installed without dev dependencies', function () {
  this.timeout(300_000);
  const work = mkdtempSync(join(tmpdir(), 'iec62443-package-'));
  const install = join(work, 'install');
  const bin = join(install, 'node_modules', 'iec62443-harness', 'bin', 'iec62443-harness.js');
  // Nothing of this process's setup leaks in: npm's lifecycle variables (the test may run under `npm test`) and the
  // switch that makes harness commands run the sources.
  const cleanEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name) && name !== 'IEC62443_FROM_SOURCES' && name !== 'IEC62443_PLUGINS'));
    return { ...env, NO_COLOR: '1', ...extra };
  };
  let simulator: ChildProcess | undefined;

  after(async function () {
    // SIGTERM lets the simulator remove its work folder; SIGKILL only if it does not exit.
    if (simulator && simulator.exitCode === null && simulator.signalCode === null) {
      const exited = new Promise((resolve) => simulator!.once('exit', resolve));
      simulator.kill('SIGTERM');
      const force = setTimeout(() => simulator!.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(force);
    }
    rmSync(work, { recursive: true, force: true });
  });

  before(async function () {
    const packed = await run('npm', ['pack', '--silent', '--pack-destination', work], { cwd: ROOT, env: cleanEnv(), timeoutMs: 180_000 });
    expect(packed.code, packed.output).to.equal(0);
    const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
    expect(tarball, packed.output).to.be.a('string');
    mkdirSync(install);
    writeFileSync(join(install, 'package.json'), '{ "name": "lab", "private": true }\n');
    const installed = await run('npm', ['install', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', join(work, tarball!)], { cwd: install, env: cleanEnv(), timeoutMs: 240_000 });
    expect(installed.code, installed.output).to.equal(0);
  });

  it('ships the compiled code, not the TypeScript, and installs no dev dependency', function () {
    const files = readdirSync(join(install, 'node_modules', 'iec62443-harness'), { recursive: true }) as string[];
    expect(files).to.include(join('dist', 'harness', 'cli', 'main.js'));
    expect(files).to.include(join('dist', 'suites', 'checks.json'));
    expect(files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).to.deep.equal([]);
    for (const dev of ['tsx', 'typescript', 'chai']) expect(readdirSync(join(install, 'node_modules')), dev).not.to.include(dev);
  });

  it('--help and catalog --json run the compiled code and import no protocol library', async function () {
    const libraries = protocolLibraries();
    const helpImports = join(work, 'help-imports.txt');
    const help = await run(process.execPath, [bin, '--help'], { cwd: install, env: cleanEnv(recordImportsEnv(helpImports)) });
    expect(help.code, help.output).to.equal(0);
    expect(help.stdout).to.include('Usage: iec62443-harness');
    expect(readFileSync(helpImports, 'utf8')).to.include('/dist/harness/cli/main.js');
    expect(loadedLibraries(helpImports, [...libraries, 'node-forge', 'tsx'])).to.deep.equal([]);

    const catalogImports = join(work, 'catalog-imports.txt');
    const catalog = await run(process.execPath, [bin, 'catalog', '--json'], { cwd: install, env: cleanEnv(recordImportsEnv(catalogImports)) });
    expect(catalog.code, catalog.output).to.equal(0);
    const items = (JSON.parse(catalog.stdout) as { requirements: Array<{ id: string; checks: Array<{ id: string }> }> }).requirements;
    expect(items.find((item) => item.id === 'CR 7.8')?.checks.map((check) => check.id)).to.include('modbus.inventory.device-identification');
    expect(loadedLibraries(catalogImports, [...libraries, 'node-forge', 'tsx'])).to.deep.equal([]);
  });

  it('finds a plugin compiled to .js, and asks for tsx when a plugin holds TypeScript', async function () {
    const plugin = join(work, 'plugin');
    const harness = join(install, 'node_modules', 'iec62443-harness', 'dist', 'core');
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(plugin, path)), { recursive: true });
      writeFileSync(join(plugin, path), text);
    };
    write('package.json', '{ "name": "lab-plugin", "private": true, "type": "module" }\n');
    write(
      'adapters/echo/protocol.js',
      `import { defineProtocol } from '${join(harness, 'protocol.js')}';
export default defineProtocol({ name: 'echo', title: 'Echo service', checkProtocols: { echo: 'no echo endpoint' }, interfaces: () => [] });
`,
    );
    write(
      'suites/fr3/echo-answers.check.js',
      `import { defineCheck, pass } from '${join(harness, 'check.js')}';
export default defineCheck({ id: 'echo.errors.answers', requirement: 'CR 3.7', sl: [1, 2, 3, 4], protocol: 'echo', disruptive: false, title: 'Echo answers', expectation: 'it answers', run: async () => pass('answered') });
`,
    );
    const listed = await run(process.execPath, [bin, 'catalog', '--json'], { cwd: install, env: cleanEnv({ IEC62443_PLUGINS: plugin }) });
    expect(listed.code, listed.output).to.equal(0);
    expect(listed.stdout).to.include('echo.errors.answers');

    write('suites/fr3/echo-typed.check.ts', 'export {};\n');
    const typed = await run(process.execPath, [bin, 'catalog'], { cwd: install, env: cleanEnv({ IEC62443_PLUGINS: plugin }) });
    expect(typed.code, typed.output).to.equal(2);
    expect(typed.output).to.include(`${join(plugin, 'suites', 'fr3', 'echo-typed.check.ts')} is TypeScript: install tsx`);
  });

  it('runs against a simulator it starts and writes the reports', async function () {
    const profile = join(work, 'modbus.yaml');
    simulator = spawn(process.execPath, [bin, 'simulate', 'modbus', '--profile', 'hardened', '--host', randomLoopbackHost(), '--write-profile', profile], { cwd: install, env: cleanEnv() });
    await readyLine(simulator, 60_000);
    const out = join(work, 'out');
    const result = await run(process.execPath, [bin, 'run', '--profile', profile, '--only', 'CR 7.8', '--out', out], { cwd: install, env: cleanEnv(), timeoutMs: 120_000 });
    expect(result.code, result.output).to.equal(0);
    const document = JSON.parse(readFileSync(join(out, 'compliance.json'), 'utf8')) as { requirements: Array<{ id: string; verdict: string; interfaces: Array<{ checks: Array<{ id: string; observed?: string }> }> }> };
    const inventory = document.requirements.find((item) => item.id === 'CR 7.8')!;
    expect(inventory.verdict).to.equal('pass');
    const observed = inventory.interfaces.flatMap((entry) => entry.checks).find((check) => check.id === 'modbus.inventory.device-identification')?.observed;
    expect(observed).to.match(/identifies itself with \d+ objects/);
    // The Allure report renders from the installed allure package too.
    expect(readdirSync(out)).to.include.members(['compliance.html', 'junit.xml', 'allure-report']);
  });
});

interface Finished {
  code: number | null;
  stdout: string;
  output: string;
}

function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Finished> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env });
    let stdout = '';
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      output += `\n(killed after ${options.timeoutMs ?? 60_000} ms)`;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 60_000);
    child.once('error', (error) => (output += `\n${error.message}`));
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, output: `${command} ${args.join(' ')}\n${output}` });
    });
  });
}

function readyLine(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`the simulator was not ready within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/^ready:/m.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the simulator exited with code ${code}:\n${output}`));
    });
  });
}
