import { expect } from 'chai';
import { httpEndpointSchema, httpEssentialFunctionEntrySchema } from '../../adapters/http/endpoint.js';
import { login, logout } from '../../adapters/http/login.js';
import { HttpSession } from '../../adapters/http/session.js';
import { findSimulator } from '../../simulators/registry.js';
import { FLAW_NAMES, PROFILES } from '../../simulators/web/index.js';
import { startWeb, type StartedWebSimulator } from './web-simulator.js';

const wrong = () => `wrong-${Math.random().toString(36).slice(2)}`;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('web simulator', function () {
  this.timeout(60_000);

  it('is found by folder and offers hardened, weak and one weak-<flaw> profile per flaw', async function () {
    const definition = await findSimulator('web');
    expect(definition?.profiles).to.deep.equal(PROFILES);
    expect(definition?.profiles).to.include.members(['hardened', 'weak', ...FLAW_NAMES.map((flaw) => `weak-${flaw}`)]);
  });

  describe('hardened', function () {
    let sim: StartedWebSimulator;
    before(async function () {
      sim = await startWeb('hardened');
    });
    after(async function () {
      await sim?.stop();
    });

    it('describes itself: one web interface, accounts of every role bound to it, an http essential function, drawn bounds', function () {
      const profile = sim.profile as { endpoints: { http: unknown[] }; accounts: Array<{ role: string; interfaces: string[] }>; essentialFunctions: unknown[]; openPorts: number[] };
      expect(() => httpEndpointSchema.parse(profile.endpoints.http[0])).to.not.throw();
      expect(sim.endpoint.url).to.match(/^https:\/\//);
      expect(sim.endpoint.plainUrl).to.match(/^http:\/\//);
      expect(profile.accounts.map((account) => account.role).sort()).to.deep.equal(['admin', 'lockout', 'operator', 'viewer']);
      for (const account of profile.accounts) expect(account.interfaces).to.deep.equal(['web-management']);
      expect(() => httpEssentialFunctionEntrySchema.parse(profile.essentialFunctions[0])).to.not.throw();
      expect(profile.openPorts).to.deep.equal(sim.ports);
      const { parameters } = sim.web;
      expect(sim.endpoint.lockout).to.deep.equal({ threshold: parameters.lockoutThreshold, durationS: parameters.lockoutDurationS });
      expect(parameters.lockoutThreshold).to.be.within(3, 6);
      expect(parameters.idleTimeoutS).to.be.within(4, 9);
      expect(sim.endpoint.idleTimeoutS).to.equal(parameters.idleTimeoutS);
      expect(sim.endpoint.banner).to.equal(parameters.banner);
    });

    it('locks an account after the declared number of failures, for the declared time, with the same refusal', async function () {
      const account = sim.account('lockout');
      const { lockoutThreshold, lockoutDurationS } = sim.web.parameters;
      const refusals = new Set<string>();
      for (let i = 0; i < lockoutThreshold; i++) {
        const result = await login(new HttpSession({ baseUrl: sim.endpoint.url }), sim.endpoint, { username: account.username, password: wrong() });
        expect(result.accepted).to.equal(false);
        refusals.add(/class="error">([^<]*)/.exec(result.response.text)![1]!);
      }
      const locked = await login(new HttpSession({ baseUrl: sim.endpoint.url }), sim.endpoint, account);
      expect(locked.accepted, 'the correct password is refused while locked').to.equal(false);
      refusals.add(/class="error">([^<]*)/.exec(locked.response.text)![1]!);
      expect([...refusals]).to.have.length(1);
      expect(sim.web.stats.lockouts).to.equal(1);
      await pause(lockoutDurationS * 1000 + 300);
      const released = await login(new HttpSession({ baseUrl: sim.endpoint.url }), sim.endpoint, account);
      expect(released.accepted, released.reason).to.equal(true);
    });

    it('ends an idle session after the drawn timeout, rotates the id at login, and ends it at logout', async function () {
      const browser = new HttpSession({ baseUrl: sim.endpoint.url });
      await browser.get('/login');
      const name = sim.web.parameters.sessionCookie;
      const anonymousId = browser.jar.get(name)!.value;
      expect((await login(browser, sim.endpoint, sim.account('viewer'))).accepted).to.equal(true);
      expect(browser.jar.get(name)!.value).to.not.equal(anonymousId);
      expect(browser.jar.get(name)!.value).to.have.length(43);
      expect((await browser.get('/status')).status).to.equal(200);
      const old = browser.jar.clone();
      await logout(browser, sim.endpoint.logoutPath!);
      const replay = new HttpSession({ baseUrl: sim.endpoint.url, jar: old });
      expect((await replay.get('/status')).text).to.not.include('Controller status');

      const idle = new HttpSession({ baseUrl: sim.endpoint.url });
      expect((await login(idle, sim.endpoint, sim.account('operator'))).accepted).to.equal(true);
      await pause(sim.web.parameters.idleTimeoutS * 1000 + 500);
      expect((await idle.get('/status')).text).to.not.include('Controller status');
    });

    it('counts the requests that could change state, and refuses a viewer the settings', async function () {
      const viewer = new HttpSession({ baseUrl: sim.endpoint.url });
      expect((await login(viewer, sim.endpoint, sim.account('viewer'))).accepted).to.equal(true);
      expect((await viewer.get('/settings')).status).to.equal(403);
      expect((await viewer.request({ method: 'POST', path: '/settings', form: { deviceName: 'changed' } })).status).to.equal(403);
      const admin = new HttpSession({ baseUrl: sim.endpoint.url });
      expect((await login(admin, sim.endpoint, sim.account('admin'))).accepted).to.equal(true);
      expect((await admin.request({ method: 'POST', path: '/settings/identify', form: {} })).status).to.equal(200);
      expect(sim.web.stats.settingsChanges).to.equal(0);
      expect(sim.web.stats.adminActions).to.equal(1);
      expect(sim.web.stats.stateChangingByPath).to.deep.equal({ '/settings': 1, '/settings/identify': 1 });
      expect(sim.web.device.settings.deviceName).to.equal('PLC-17 Line 3');
    });
  });

  describe('weak', function () {
    let sim: StartedWebSimulator;
    before(async function () {
      sim = await startWeb('weak');
    });
    after(async function () {
      await sim?.stop();
    });

    it('has the classic flaws: plain HTTP, admin/admin, enumeration, no lockout, counter ids, viewer in settings', async function () {
      expect(sim.endpoint.url).to.match(/^http:\/\//);
      expect(sim.ports).to.have.length(1);
      expect(sim.account('admin')).to.include({ username: 'admin', password: 'admin' });
      const unknown = await login(new HttpSession({ baseUrl: sim.endpoint.url }), sim.endpoint, { username: 'nobody-here', password: wrong() });
      const wrongPassword = await login(new HttpSession({ baseUrl: sim.endpoint.url }), sim.endpoint, { username: 'admin', password: wrong() });
      expect(unknown.response.text).to.include('Unknown user name.');
      expect(wrongPassword.response.text).to.include('Wrong password');
      for (let i = 0; i < 8; i++) await login(new HttpSession({ baseUrl: sim.endpoint.url }), sim.endpoint, { username: 'admin', password: wrong() });
      const viewer = new HttpSession({ baseUrl: sim.endpoint.url });
      expect((await login(viewer, sim.endpoint, sim.account('viewer'))).accepted).to.equal(true);
      const first = BigInt(`0x${viewer.jar.get(sim.web.parameters.sessionCookie)!.value}`);
      const other = new HttpSession({ baseUrl: sim.endpoint.url });
      await other.get('/login');
      expect(BigInt(`0x${other.jar.get(sim.web.parameters.sessionCookie)!.value}`) - first).to.equal(1n);
      expect((await viewer.get('/settings')).text).to.include('Device settings');
      expect((await login(new HttpSession({ baseUrl: sim.endpoint.url }), sim.endpoint, sim.account('admin'))).accepted, 'no lockout').to.equal(true);
      const anonymous = await new HttpSession({ baseUrl: sim.endpoint.url }).get('/settings');
      expect(anonymous.status).to.equal(302);
      expect(anonymous.text, 'execution after redirect').to.include('Device settings');
      const broken = await new HttpSession({ baseUrl: sim.endpoint.url }).get('/%E0%A4%A');
      expect(broken.status).to.equal(500);
      expect(broken.text).to.match(/URIError[\s\S]*at /);
    });
  });

  it('weak-plain-credentials: the plain port redirects pages yet takes a login and a session cookie', async function () {
    const sim = await startWeb('weak-plain-credentials');
    try {
      const plain = new HttpSession({ baseUrl: sim.endpoint.plainUrl! });
      expect((await plain.get('/status')).status).to.equal(301);
      const result = await login(plain, { ...sim.endpoint, login: { ...sim.endpoint.login, path: new URL('/login', sim.endpoint.plainUrl).href } as typeof sim.endpoint.login }, sim.account('viewer'));
      expect(result.accepted, result.reason).to.equal(true);
      expect((await plain.get('/status', { cookies: 'include-secure' })).status).to.equal(200);
    } finally {
      await sim.stop();
    }
  });
});
