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
    const input = { ...valid, accounts: [{ role: 'admin', username: 'admin', password: '${PLC_ADMIN_PASSWORD}' }] };
    expect(parseProfile(input, 'p', { PLC_ADMIN_PASSWORD: 'from-env' }).accounts[0]!.password).to.equal('from-env');
    const error = problemsOf(input, {});
    expect(error.problems).to.deep.equal([{ path: 'accounts[0].password', message: 'environment variable PLC_ADMIN_PASSWORD is not set' }]);
  });

  it('never echoes a password in its messages', function () {
    const error = problemsOf({ ...valid, accounts: [{ role: 'admin', username: 'admin', password: 12345678 }] });
    expect(error.problems.map((problem) => problem.path)).to.include('accounts[0].password');
    expect(error.message).not.to.include('12345678');
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
