import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProfileFile, parseProfile, ProfileError, secretsOf } from '../../core/profile/load.js';
import { JSON_SCHEMA_FILE, profileJsonSchema } from '../../core/profile/json-schema.js';

const valid = {
  component: { name: 'PLC-1', vendor: 'ACME', type: 'embedded-device' },
  targetSL: 2,
  host: '127.0.0.9',
  endpoints: { opcua: { url: 'opc.tcp://127.0.0.9:4840' }, modbus: { port: 502, unitId: 1 }, tls: [{ name: 'web', port: 443 }] },
  openPorts: [502, 4840, 443],
  accounts: [{ role: 'admin', username: 'admin', password: 'Tr0ub4dor&3' }],
  essentialFunctions: [{ name: 'level', modbus: { read: 'holding', address: 0 }, maxLatencyMs: 100 }],
  declarations: { 'CR 1.12': { verdict: 'not-applicable', rationale: 'no interactive login' } },
};

function problemsOf(input: unknown, env: NodeJS.ProcessEnv = {}): ProfileError {
  try {
    parseProfile(input, 'test.yaml', env);
  } catch (error) {
    if (error instanceof ProfileError) return error;
    throw error;
  }
  throw new Error('the profile was accepted');
}

describe('device profile', function () {
  it('accepts the documented fields and fills defaults', function () {
    const profile = parseProfile(valid, 'test.yaml', {});
    expect(profile.disruptive).to.equal(false);
    expect(profile.endpoints.modbus?.port).to.equal(502);
    expect(secretsOf(profile)).to.deep.equal(['Tr0ub4dor&3']);
  });

  it('names a misspelt field by its path', function () {
    const error = problemsOf({ ...valid, endpoints: { ...valid.endpoints, modbus: { prot: 502 } } });
    const paths = error.problems.map((problem) => problem.path);
    expect(paths).to.include('endpoints.modbus.prot');
    expect(paths).to.include('endpoints.modbus.port');
    expect(error.message).to.include('unknown field');
  });

  it('names a field of the wrong type', function () {
    const error = problemsOf({ ...valid, targetSL: 'high', accounts: [{ role: 'root', username: 'a', password: 'x' }] });
    expect(error.problems.map((problem) => problem.path)).to.include.members(['targetSL', 'accounts[0].role']);
  });

  it('reads ${NAME} from the environment and names the field when a variable is missing', function () {
    const input = { ...valid, component: { ...valid.component, firmware: '${PLC_FIRMWARE}' } };
    expect(parseProfile(input, 'p', { PLC_FIRMWARE: 'from-env' }).component.firmware).to.equal('from-env');
    const error = problemsOf(input, {});
    expect(error.problems).to.deep.equal([{ path: 'component.firmware', message: 'environment variable PLC_FIRMWARE is not set' }]);
  });

  it('leaves out an account whose ${NAME} is not set, and names it, so a profile still to be filled in runs', function () {
    const input = {
      ...valid,
      accounts: [
        { role: 'admin', username: '${PLC_ADMIN_USER}', password: '${PLC_ADMIN_PASSWORD}' },
        { role: 'viewer', username: 'viewer', password: '${PLC_VIEWER_PASSWORD}' },
      ],
    };
    const filled = parseProfile(input, 'p', { PLC_ADMIN_USER: 'admin', PLC_ADMIN_PASSWORD: 'a', PLC_VIEWER_PASSWORD: 'v' });
    expect(filled.accounts.map((account) => account.role)).to.deep.equal(['admin', 'viewer']);
    expect(filled.unsetAccounts).to.equal(undefined);
    const partial = parseProfile(input, 'p', { PLC_VIEWER_PASSWORD: 'v' });
    expect(partial.accounts.map((account) => account.role)).to.deep.equal(['viewer']);
    expect(partial.unsetAccounts).to.deep.equal([{ index: 0, role: 'admin', variables: ['PLC_ADMIN_USER', 'PLC_ADMIN_PASSWORD'] }]);
  });

  it('never echoes a password in its messages', function () {
    const error = problemsOf({ ...valid, accounts: [{ role: 'admin', username: 'admin', password: ['Sup3r-S3cret', 'x'] }] });
    expect(error.problems.map((problem) => problem.path)).to.include('accounts[0].password');
    expect(error.message).not.to.include('Sup3r-S3cret');
  });

  it('takes a number where text is expected as its text', function () {
    const profile = parseProfile(
      { ...valid, component: { ...valid.component, firmware: 3, model: 200 }, accounts: [{ role: 'admin', username: 1001, password: 12345678 }] },
      'test.yaml',
      {},
    );
    expect(profile.component.firmware).to.equal('3');
    expect(profile.component.model).to.equal('200');
    expect(profile.accounts[0]).to.include({ username: '1001', password: '12345678' });
    expect(secretsOf(profile)).to.deep.equal(['12345678']);
  });

  it('keeps the spelling of a YAML number given for text (firmware: 3.0 stays "3.0"), and numbers where numbers belong', function () {
    const dir = mkdtempSync(join(tmpdir(), 'profile-test-'));
    const file = join(dir, 'numbers.yaml');
    writeFileSync(
      file,
      [
        'component: {name: 17, vendor: ACME, model: 1e3, firmware: 3.0, type: embedded-device}',
        'targetSL: 2',
        'host: 127.0.0.9',
        'endpoints: {modbus: {port: 0502, unitId: 1}, tls: [{name: 8443, port: 8443}]}',
        'openPorts: [502]',
        'accounts:',
        '  - {role: admin, username: 0042, password: 0012345}',
        '  - {role: viewer, username: view, password: 3.10}',
        'declarations: {"CR 1.12": {verdict: not-applicable, rationale: 42}}',
        '',
      ].join('\n'),
    );
    const profile = loadProfileFile(file, {});
    expect(profile.component).to.include({ name: '17', model: '1e3', firmware: '3.0' });
    expect(profile.accounts.map((account) => [account.username, account.password])).to.deep.equal([
      ['0042', '0012345'],
      ['view', '3.10'],
    ]);
    expect(profile.endpoints.modbus?.port).to.equal(502);
    expect(profile.endpoints.tls?.[0]?.name).to.equal('8443');
    expect(profile.declarations['CR 1.12']?.[0]?.rationale).to.equal('42');
    expect(secretsOf(profile)).to.deep.equal(['0012345', '3.10']);
  });

  it('takes one literal address or name as host, and names the field for a list, a range, a wildcard, a URL or a port', function () {
    for (const host of ['127.0.0.9', '10.1.2.3', 'fe80::1', '::1', 'plc-17', 'plc-17.plant.example', 'PLC_17.local.']) {
      expect(parseProfile({ ...valid, host }, 'test.yaml', {}).host, host).to.equal(host);
    }
    const refused: Array<[string, RegExp]> = [
      ['10.0.0.1,10.0.0.2', /not a list/],
      ['10.0.0.1 10.0.0.2', /not a list/],
      ['10.0.0.0/24', /not a network range/],
      ['10.0.0.*', /wildcard/],
      ['*', /wildcard/],
      ['https://10.0.0.1', /not a URL/],
      ['opc.tcp://plc:4840', /not a URL/],
      ['10.0.0.1:502', /without a port/],
      ['plc-17:502', /without a port/],
      ['[::1]', /brackets/],
      ['0.0.0.0', /unspecified/],
      ['::', /unspecified/],
      ['255.255.255.255', /broadcast/],
      ['239.1.2.3', /multicast/],
      ['10.0.0', /not a valid IPv4/],
      ['plc_17..local', /not a valid host name/],
      ['', /must name the component/],
    ];
    for (const [host, message] of refused) {
      const error = problemsOf({ ...valid, host });
      expect(error.problems.map((problem) => problem.path), host).to.deep.equal(['host']);
      expect(error.problems[0]!.message, host).to.match(message);
    }
    expect(problemsOf({ ...valid, scan: { controlHost: '127.0.0.1,127.0.0.2' } }).problems.map((problem) => problem.path)).to.deep.equal(['scan.controlHost']);
  });

  it('refuses declarations for ids that are not in the catalog', function () {
    const error = problemsOf({ ...valid, declarations: { 'CR 9.9': { verdict: 'manual', rationale: 'x' } } });
    expect(error.problems[0]!.path).to.equal('declarations.CR 9.9');
  });

  it('reports YAML syntax errors and unreadable files as profile errors', function () {
    const dir = mkdtempSync(join(tmpdir(), 'profile-test-'));
    writeFileSync(join(dir, 'bad.yaml'), 'component: [unclosed\n');
    expect(() => loadProfileFile(join(dir, 'bad.yaml'))).to.throw(ProfileError, /YAML syntax/);
    expect(() => loadProfileFile(join(dir, 'missing.yaml'))).to.throw(ProfileError, /cannot read the file \(ENOENT\)/);
  });

  it('publishes a JSON Schema that matches the validator', function () {
    expect(readFileSync(JSON_SCHEMA_FILE, 'utf8')).to.equal(profileJsonSchema(), 'schemas/device-profile.schema.json is stale: run npm run schema');
    const schema = JSON.parse(profileJsonSchema()) as { properties: Record<string, unknown>; additionalProperties: boolean };
    expect(schema.properties).to.include.keys('component', 'targetSL', 'host', 'endpoints', 'openPorts', 'accounts', 'essentialFunctions', 'declarations', 'disruptive');
    expect(schema.additionalProperties).to.equal(false);
  });
});
