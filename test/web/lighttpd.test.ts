import { expect } from 'chai';
import { httpEndpointSchema } from '../../adapters/http/endpoint.js';
import { login } from '../../adapters/http/login.js';
import { HttpSession } from '../../adapters/http/session.js';
import { parseProfile } from '../../core/profile/load.js';
import { discoverChecks } from '../../harness/run/discover.js';
import { executeCheck } from '../../harness/run/execute.js';
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

/**
 * Web checks against lighttpd configured as a careful vendor would (no listing, no version in the Server header,
 * the admin folder for the admin user only) and as it comes (a listing switched on, the version in Server).
 */
describe('web checks against lighttpd (Debian)', function () {
  this.timeout(60_000);
  const admin = { username: 'admin1', password: 'Adm1n-Secret-9' };
  const viewer = { username: 'viewer1', password: 'V1ewer-Secret-7' };
  const files = {
    'index.html': '<!doctype html><title>Device</title><p>Device home page</p>\n',
    'protected/index.html': '<!doctype html><title>Status</title><h1>Plant status</h1><p>Line 3 running</p>\n',
    'admin/index.html': '<!doctype html><title>Admin</title><h1>Administration</h1><p>Network configuration</p>\n',
    'static/app.css': 'body{}\n',
  };
  const servers: RunningLighttpd[] = [];
  let careful: RunningLighttpd;
  let stock: RunningLighttpd;

  before(async function () {
    const missing = lighttpdUnavailable();
    if (missing) {
      if (process.env.CI) throw new Error(missing);
      console.log(`      skipped: ${missing}`);
      this.skip();
    }
    const protect = [
      { path: '/protected/', method: 'digest' as const, algorithms: ['SHA-256' as const, 'MD5' as const] },
      { path: '/admin/', method: 'digest' as const, algorithms: ['SHA-256' as const, 'MD5' as const], users: [admin.username] },
    ];
    careful = await startLighttpd({ users: [admin, viewer], protect, files, serverTag: 'webserver' });
    servers.push(careful);
    stock = await startLighttpd({ users: [admin, viewer], protect, files, dirListing: true });
    servers.push(stock);
  });
  after(async function () {
    await Promise.all(servers.map((server) => server.stop()));
  });

  const profileOf = (server: RunningLighttpd) =>
    parseProfile(
      {
        component: { name: 'lighttpd', vendor: 'Debian', model: 'lighttpd', type: 'embedded-device' },
        targetSL: 3,
        host: server.host,
        endpoints: { http: [{ name: 'lighttpd', url: server.url, login: { kind: 'digest', path: '/protected/' }, protectedPath: '/protected/', adminPath: '/admin/' }] },
        accounts: [
          { role: 'admin', ...admin, interfaces: ['lighttpd'] },
          { role: 'viewer', ...viewer, interfaces: ['lighttpd'] },
        ],
      },
      'lighttpd profile',
    );

  async function run(checkId: string, server: RunningLighttpd) {
    const found = (await discoverChecks()).find((entry) => entry.check.id === checkId);
    if (!found) throw new Error(`no check ${checkId}`);
    return executeCheck(found.check, profileOf(server), { disruptive: false });
  }

  for (const [checkId, observed] of [
    ['http.access.anonymous-refused', /refused without a login, content absent: protected page \/protected\/: 401, 0 of \d+ phrases/],
    ['http.authorization.viewer-refused-admin', /viewer refused: admin page \/admin\/: 401, 0 of \d+ phrases of the page; no admin action named/],
    ['http.authenticator-feedback.uniform-refusal', /3 unknown-user and 3 wrong-password logins got the same answer \(401, same page shape\)/],
    ['http.methods.trace-refused', /TRACE → 501; TRACK → 501/],
    ['http.content.no-directory-listing', /none of \d+ folders .* is listed/],
    ['http.errors.discreet', /showed no stack trace, path or version/],
  ] as const) {
    it(`${checkId} passes against lighttpd configured with care`, async function () {
      const result = await run(checkId, careful);
      expect(result.status, `${result.status}: ${result.observed ?? result.message}`).to.equal('pass');
      expect(result.observed).to.match(observed);
    });
  }

  it('http.content.no-directory-listing fails against lighttpd with dir-listing.activate', async function () {
    const result = await run('http.content.no-directory-listing', stock);
    expect(result.status, `${result.status}: ${result.observed ?? result.message}`).to.equal('fail');
    expect(result.observed).to.match(/folder listing served: \/static\/ \(title "Index of …"\)/);
  });

  it('http.errors.discreet fails against lighttpd as it comes: its version in the Server header', async function () {
    const result = await run('http.errors.discreet', stock);
    expect(result.status, `${result.status}: ${result.observed ?? result.message}`).to.equal('fail');
    expect(result.observed).to.match(/version in the server of the \d{3} to .*"server: lighttpd\/1\.4\.\d+"/);
  });
});
