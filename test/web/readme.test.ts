import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseProfile } from '../../core/profile/load.js';

const README = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'README.md');

/** The README's endpoints.http example is what a user copies first, so it must be a profile the harness accepts. */
describe('README: the web management interface example', function () {
  it('parses as a profile: form login, protected and admin pages, a safe admin action, lockout, an http essential function', function () {
    const text = readFileSync(README, 'utf8');
    const section = text.slice(text.indexOf('### Web management interface (`endpoints.http`)'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    expect(yaml, 'a yaml block in the section').to.be.a('string');
    const env = { WEB_ADMIN_PASSWORD: 'a-Secret-1', WEB_VIEWER_PASSWORD: 'v-Secret-2', WEB_LOCKTEST_PASSWORD: 'l-Secret-3' };
    const input = { component: { name: 'PLC-17', vendor: 'ACME', model: 'X', type: 'embedded-device' }, targetSL: 2, ...(parse(yaml!) as object) };
    const profile = parseProfile(input, 'README example', env);
    const [endpoint] = (profile.endpoints as { http: Array<Record<string, unknown>> }).http;
    expect(endpoint).to.include({ name: 'web-ui', url: 'https://192.0.2.17/', protectedPath: '/portal/status', adminPath: '/portal/network' });
    expect(endpoint.login).to.include({ kind: 'form', usernameField: 'user', passwordField: 'pass' });
    expect(endpoint.adminAction).to.include({ method: 'POST', safe: true });
    expect(endpoint.lockout).to.deep.equal({ threshold: 5, durationS: 300 });
    expect(profile.accounts.map((account) => `${account.role}:${account.interfaces?.join(',')}`)).to.deep.equal(['admin:web-ui', 'viewer:web-ui', 'lockout:web-ui']);
    expect(profile.accounts[0].password).to.equal('a-Secret-1');
    expect(profile.essentialFunctions).to.have.length(1);
  });
});
