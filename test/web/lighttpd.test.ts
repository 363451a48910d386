import { expect } from 'chai';
import { httpEndpointSchema } from '../../adapters/http/endpoint.js';
import { login } from '../../adapters/http/login.js';
import { HttpSession } from '../../adapters/http/session.js';
import { lighttpdUnavailable, startLighttpd, type RunningLighttpd } from '../support/lighttpd.js';

/** The login helpers against an implementation we did not write: Debian's lighttpd with mod_auth. */
describe('HTTP adapter against lighttpd (Debian)', function () {
  this.timeout(30_000);
  let server: RunningLighttpd | undefined;
  const user = { username: 'engineer1', password: 'c0rrect-Horse' };

  before(async function () {
    const missing = lighttpdUnavailable();
    if (missing) {
      if (process.env.CI) throw new Error(missing);
      console.log(`      skipped: ${missing}`);
      this.skip();
    }
    server = await startLighttpd({
      users: [user],
      protect: [
        { path: '/digest/', method: 'digest', algorithms: ['SHA-256', 'MD5'] },
        { path: '/md5/', method: 'digest', algorithms: ['MD5'] },
        { path: '/basic/', method: 'basic' },
      ],
      files: { 'index.html': '<p>home</p>\n', 'digest/index.html': '<p>digest area</p>\n', 'md5/index.html': '<p>md5 area</p>\n', 'basic/index.html': '<p>basic area</p>\n' },
    });
  });
  after(async function () {
    await server?.stop();
  });

  const endpoint = (login: unknown) =>
    httpEndpointSchema.parse({ name: 'lighttpd', url: server!.url, login, protectedPath: '/digest/', adminPath: '/digest/' });

  for (const [path, algorithm] of [['/digest/', 'SHA-256'], ['/digest/', 'MD5'], ['/md5/', undefined]] as const) {
    it(`digest ${algorithm ?? '(strongest offered)'} on ${path}: lighttpd accepts our answer and refuses a wrong password`, async function () {
      const config = endpoint({ kind: 'digest', path, ...(algorithm ? { algorithm } : {}) });
      const client = new HttpSession({ baseUrl: server!.url });
      const accepted = await login(client, config, user);
      expect(accepted.accepted, accepted.reason).to.equal(true);
      expect(accepted.reason).to.include(`Digest ${algorithm ?? 'MD5'}`);
      const page = await client.get(path);
      expect(page.status, 'the next request reuses the nonce with nc=2').to.equal(200);
      const refused = await login(new HttpSession({ baseUrl: server!.url }), config, { ...user, password: 'wrong' });
      expect(refused.accepted).to.equal(false);
      expect(refused.response.status).to.equal(401);
    });
  }

  it('basic: accepted and refused', async function () {
    const config = endpoint({ kind: 'basic', path: '/basic/' });
    expect((await login(new HttpSession({ baseUrl: server!.url }), config, user)).accepted).to.equal(true);
    expect((await login(new HttpSession({ baseUrl: server!.url }), config, { ...user, password: 'nope' })).accepted).to.equal(false);
  });
});
