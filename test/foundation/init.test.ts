import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { CheckResult } from '../../core/check.js';
import { parseProfile } from '../../core/profile/load.js';
import type { ProfileInput } from '../../core/profile/schema.js';
import { runCampaign } from '../../harness/run/campaign.js';
import { startEmbeddedComponent, type SimulatedComponent } from '../../harness/simulation/embedded.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'iec62443-harness.js');

/** Asynchronous: the simulators run in this process and must go on answering while the CLI talks to them. */
function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, timeout: 240_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const statuses = (results: CheckResult[]) => Object.fromEntries(results.map((result) => [`${result.checkId}${result.interface ? ` @${result.interface.kind}` : ''}`, result.status]));

/**
 * From an IP address to a first report: `init --host` against every built-in simulator on one loopback address writes
 * a profile that validates, holds no password, runs at once with its placeholders reported as missing accounts, and,
 * once the accounts (and the client certificate the device trusts) are filled in, gives the verdicts of the
 * simulators' own profiles.
 */
describe('init --host: a device profile from discovery', function () {
  this.timeout(600_000);
  const workDir = mkdtempSync(join(tmpdir(), 'iec62443-init-'));
  const written = join(workDir, 'device.yaml');
  let component: SimulatedComponent;
  let initRun: Awaited<ReturnType<typeof cli>>;

  before(async function () {
    component = await startEmbeddedComponent({ mode: 'inprocess' });
    initRun = await cli(['init', '--host', component.profile.host, '--control-host', component.profile.scan!.controlHost!, '--out', written]);
  });
  after(async function () {
    await component?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('finds every interface, writes a profile that validates with no secret in it, and says what is left to fill in', function () {
    expect(initRun.status, initRun.stderr).to.equal(0);
    const text = readFileSync(written, 'utf8');
    const own = component.profile;
    for (const account of own.accounts ?? []) expect(text, `password of ${account.username}`).not.to.include(account.password);
    const input = parse(text) as ProfileInput;
    const profile = parseProfile(input, written, {});
    expect(profile.endpoints.opcua?.url).to.equal(own.endpoints!.opcua!.url);
    expect(profile.endpoints.modbus?.port).to.equal(own.endpoints!.modbus!.port);
    // 255 is the device itself in Modbus/TCP; the simulator also answers to the unit id it drew.
    expect([255, own.endpoints!.modbus!.unitId]).to.include(profile.endpoints.modbus?.unitId);
    expect(profile.endpoints.tls?.map((service) => service.port)).to.deep.equal(own.endpoints!.tls!.map((service) => service.port));
    const [web] = profile.endpoints.http!;
    const ownWeb = own.endpoints!.http![0]!;
    expect(web).to.deep.include({ url: ownWeb.url, plainUrl: ownWeb.plainUrl });
    expect(web!.login).to.deep.include({ kind: ownWeb.login.kind, path: (ownWeb.login as { path: string }).path });
    expect([...profile.openPorts].sort()).to.deep.equal([...own.openPorts!].sort());
    expect(profile).to.deep.include({ targetSL: 2, disruptive: false });
    // The EtherNet/IP adapter reports its identity by ListIdentity and is asked first; the Modbus simulator reports its
    // own over FC 43, said beside it; the OPC UA one offers no anonymous session to read BuildInfo.
    expect(profile.component).to.deep.include({ model: own.endpoints!.enip!.identity!.productName });
    expect(profile.component.firmware).to.match(/^\d+\.\d+$/);
    expect(initRun.stdout).to.match(/Modbus\/TCP on \d+\/tcp, unit \d+: VendorName="Example Automation", .*MajorMinorRevision="V2\.4\.1"/);
    expect(profile.endpoints.ssh?.port).to.equal(own.endpoints!.ssh!.port);
    // Every account is a placeholder: none is usable before the user fills it in.
    expect(profile.accounts).to.deep.equal([]);
    expect(profile.unsetAccounts!.map((account) => account.role)).to.include.members(['admin', 'operator', 'viewer', 'lockout']);
    expect(text).to.match(/^# Every TCP port found open\. The vendor must confirm that each one is meant to be open/m);
    expect(text).to.match(/^targetSL: 2$/m);
    expect(initRun.stdout).to.match(/Still to fill in or confirm:[\s\S]*accounts: export HTTP_ADMIN_USER, HTTP_ADMIN_PASSWORD, .*OPCUA_ADMIN_USER, OPCUA_ADMIN_PASSWORD/);
  });

  it('refuses to overwrite the profile without --force, and a bad flag, with exit 2 naming it', async function () {
    const again = await cli(['init', '--host', component.profile.host, '--out', written]);
    expect(again.status).to.equal(2);
    expect(again.stderr).to.match(/--out .*device\.yaml exists; pass --force/);
    const badPorts = await cli(['init', '--host', component.profile.host, '--out', join(workDir, 'x.yaml'), '--ports', 'many']);
    expect(badPorts.status).to.equal(2);
    expect(badPorts.stderr).to.match(/--ports must be ports and ranges/);
    expect(existsSync(join(workDir, 'x.yaml'))).to.equal(false);
    expect((await cli(['init'])).stderr).to.match(/init needs --host/);
  });

  it('runs at once: the placeholders are missing accounts, not a crash', async function () {
    const run = await cli(['run', '--profile', written, '--out', join(workDir, 'first'), '--allure', 'none', '--only', 'CR 1.1,CR 7.7']);
    expect([0, 1], run.stderr).to.include(run.status);
    expect(run.stderr).to.match(/accounts\[\d\] \(admin\) is left out: \$\{OPCUA_ADMIN_USER\}, \$\{OPCUA_ADMIN_PASSWORD\} not set/);
    const document = JSON.parse(readFileSync(join(workDir, 'first', 'compliance.json'), 'utf8')) as { scope: { unsetAccounts: unknown[] } };
    expect(document.scope.unsetAccounts).to.have.length((parse(readFileSync(written, 'utf8')) as ProfileInput).accounts!.length);
  });

  it('the embedded default declares the identity its simulators report, so CR 7.8 has nothing to review', async function () {
    const profile = parseProfile(component.profile, 'embedded default');
    const campaign = await runCampaign({ profile, outDir: mkdtempSync(join(workDir, 'inventory-')), only: ['CR 7.8'], signal: new AbortController().signal });
    const inventory = campaign.results.filter((result) => result.status !== 'not-applicable');
    expect(inventory.map((result) => result.checkId)).to.include.members(['opcua.inventory.build-info', 'modbus.inventory.device-identification', 'ssh.inventory.version', 'snmp.inventory.system-group']);
    for (const result of inventory) {
      expect(result.status, `${result.checkId}: ${result.observed ?? result.message}`).to.equal('pass');
      expect(result.observed, result.checkId).not.to.match(/to review/);
    }
  });

  it('with the accounts and client certificate filled in, the checks reach the verdicts of the simulators\' own profiles', async function () {
    const own = component.profile;
    const input = parse(readFileSync(written, 'utf8')) as ProfileInput;
    const endpoints = input.endpoints!;
    const renamed = new Map<string, string>();
    const { clientCertificate, clientPrivateKey, pkiDir } = own.endpoints!.opcua!;
    endpoints.opcua = { ...endpoints.opcua!, clientCertificate, clientPrivateKey, pkiDir };
    // A web UI shows how to log in, not which page is the admin's, what its banner says or when sessions expire:
    // init found the address, the login and the plain-HTTP twin; the rest (and the interface's name) is the vendor's.
    endpoints.http = endpoints.http!.map((discovered) => {
      const documented = own.endpoints!.http!.find((entry) => entry.url === discovered.url)!;
      renamed.set(discovered.name, documented.name);
      const success = 'success' in documented.login ? { success: documented.login.success } : {};
      return { ...documented, url: discovered.url, login: { ...documented.login, ...discovered.login, ...success } as typeof documented.login };
    });
    endpoints.tls = endpoints.tls!.map((discovered) => {
      const documented = own.endpoints!.tls!.find((entry) => entry.port === discovered.port)!;
      renamed.set(discovered.name, documented.name);
      return { ...discovered, name: documented.name };
    });
    // EtherNet/IP: init read both ports and the identity; what is safe to write and what the unsecured port allows are documented.
    endpoints.enip = { ...own.endpoints!.enip!, port: endpoints.enip!.port, cipSecurityPort: endpoints.enip!.cipSecurityPort };
    // SSH: init read the port from the banner; the banner text, idle timeout and lockout are documented, not seen.
    endpoints.ssh = { ...own.endpoints!.ssh!, port: endpoints.ssh!.port };
    // The simulated SNMP agent listens on a free UDP port, and UDP services are probed on their registered ports only:
    // init cannot find it, so its section is the vendor's (with the v3 users and keys, which init never writes anyway).
    expect(endpoints.snmp, 'SNMP on an unregistered UDP port').to.equal(undefined);
    endpoints.snmp = own.endpoints!.snmp!;
    // Where the device sends its log and asks the time is its configuration, not something it shows on a port.
    endpoints.syslog = own.endpoints!.syslog!;
    endpoints.ntp = own.endpoints!.ntp!;
    // Each placeholder gets the password of the simulator's account of that role on that interface.
    const env: NodeJS.ProcessEnv = {};
    input.accounts = input.accounts!.map((account) => {
      const interfaces = account.interfaces!.map((name) => renamed.get(name) ?? name);
      const documented = own.accounts!.find((entry) => entry.role === account.role && entry.interfaces!.some((name) => interfaces.includes(name)))!;
      env[/\$\{(\w+)\}/.exec(account.username)![1]!] = documented.username;
      env[/\$\{(\w+)\}/.exec(account.password)![1]!] = documented.password;
      return { ...account, interfaces };
    });
    // What only the vendor can say is the vendor's: the target SL, what is essential, the declarations, the control address.
    const filled: ProfileInput = { ...input, targetSL: own.targetSL, essentialFunctions: own.essentialFunctions!, declarations: own.declarations!, scan: own.scan! };
    const run = async (profile: ProfileInput, name: string, variables: NodeJS.ProcessEnv) =>
      runCampaign({ profile: parseProfile(profile, name, variables), outDir: mkdtempSync(join(workDir, `${name}-`)), signal: new AbortController().signal });
    const reference = await run(own, 'own', process.env);
    const discovered = await run(filled, 'discovered', env);
    expect(statuses(discovered.results)).to.deep.equal(statuses(reference.results));
    const verdicts = (document: typeof reference.document) => Object.fromEntries(document.requirements.map((requirement) => [requirement.id, requirement.verdict]));
    expect(verdicts(discovered.document)).to.deep.equal(verdicts(reference.document));
  });
});
