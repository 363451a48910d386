import { expect } from 'chai';
import { createServer, type Server, type Socket } from 'node:net';
import { challengesOf, parseChallenges } from '../../adapters/http/auth.js';
import { HttpConnectionError, HttpTimeoutError, sendRequest } from '../../adapters/http/client.js';
import { httpEndpointSchema, type HttpEndpoint } from '../../adapters/http/endpoint.js';
import { login, LoginUnavailableError, logout, sessionCookieNames } from '../../adapters/http/login.js';
import { HttpSession, OffTargetError } from '../../adapters/http/session.js';
import { freePort, randomLoopbackHost } from '../../core/net/loopback.js';
import { startWeb, type StartedWebSimulator } from './web-simulator.js';

const wrongPassword = () => `wrong-${Math.random().toString(36).slice(2)}`;

describe('HTTP adapter against the web simulator (hardened)', function () {
  this.timeout(30_000);
  let sim: StartedWebSimulator;
  before(async function () {
    sim = await startWeb('hardened');
  });
  after(async function () {
    await sim?.stop();
  });
  const session = () => new HttpSession({ baseUrl: sim.endpoint.url, timeoutMs: 5_000 });

  it('form login: the declared signs decide, the session cookie keeps its attributes, logout ends it', async function () {
    const viewer = sim.account('viewer');
    const browser = session();
    const refused = await login(browser, sim.endpoint, { username: viewer.username, password: wrongPassword() });
    expect(refused.accepted).to.equal(false);
    expect(refused.signs).to.deep.equal({ redirectTo: false, cookie: false });
    expect(refused.response.status).to.equal(sim.web.parameters.refusalStatus);

    const accepted = await login(browser, sim.endpoint, viewer);
    expect(accepted.accepted, accepted.reason).to.equal(true);
    expect(accepted.response.status).to.equal(303);
    expect(accepted.response.location).to.equal(new URL('/status', sim.endpoint.url).href);
    const [name] = sessionCookieNames(sim.endpoint, accepted);
    expect(name).to.equal(sim.web.parameters.sessionCookie);
    const cookie = browser.jar.get(name!)!;
    expect(cookie).to.include({ httpOnly: true, secure: true, sameSite: 'Strict', pathAttribute: '/', setOverHttps: true });

    const status = await browser.get(sim.endpoint.protectedPath);
    expect(status.status).to.equal(200);
    expect(status.text).to.include('Controller status');
    const out = await logout(browser, sim.endpoint.logoutPath!);
    expect(out.status).to.equal(303);
    expect(browser.jar.get(name!), 'Max-Age=0 removed the cookie').to.equal(undefined);
    expect(sim.web.stats.failedLogins[viewer.username]).to.equal(1);
  });

  it('json login: the token from the answer rides on later requests', async function () {
    const operator = sim.account('operator');
    const endpoint: HttpEndpoint = httpEndpointSchema.parse({
      ...sim.endpoint,
      login: { kind: 'json', path: '/api/login', token: { field: 'token' }, success: { status: 200 } },
    });
    const api = session();
    const refused = await login(api, endpoint, { username: operator.username, password: wrongPassword() });
    expect(refused.accepted).to.equal(false);
    expect(refused.response.status).to.equal(401);
    const accepted = await login(api, endpoint, operator);
    expect(accepted.accepted, accepted.reason).to.equal(true);
    expect(api.authorizer?.scheme).to.equal('token');
    api.jar.clear();
    const status = await api.get('/api/status');
    expect(status.status, 'the bearer token alone authenticates').to.equal(200);
    expect(JSON.parse(status.text)).to.include({ user: operator.username });
  });

  for (const algorithm of ['SHA-256', 'MD5'] as const) {
    it(`digest login (RFC 7616, ${algorithm}): accepted with the right password, 401 with a wrong one`, async function () {
      const admin = sim.account('admin');
      const endpoint = httpEndpointSchema.parse({ ...sim.endpoint, login: { kind: 'digest', path: '/diag/', algorithm } });
      const refused = await login(session(), endpoint, { username: admin.username, password: wrongPassword() });
      expect(refused.accepted).to.equal(false);
      expect(refused.response.status).to.equal(401);
      const client = session();
      const accepted = await login(client, endpoint, admin);
      expect(accepted.accepted, accepted.reason).to.equal(true);
      expect(accepted.reason).to.include(`Digest ${algorithm}`);
      // Later requests answer the same challenge with a counted nonce.
      const again = await client.get('/diag/report');
      expect(again.status).to.equal(200);
      expect(again.text).to.include(`Diagnostics for ${admin.username}`);
    });
  }

  it('basic login where the device offers only Digest is refused, and a Digest login where nothing asks is unavailable', async function () {
    const admin = sim.account('admin');
    const basic = await login(session(), httpEndpointSchema.parse({ ...sim.endpoint, login: { kind: 'basic', path: '/diag/' } }), admin);
    expect(basic.accepted).to.equal(false);
    expect(challengesOf(basic.response.rawHeaders).map((challenge) => `${challenge.scheme} ${challenge.params.algorithm}`)).to.deep.equal(['Digest SHA-256', 'Digest MD5']);
    const nowhere = httpEndpointSchema.parse({ ...sim.endpoint, login: { kind: 'digest', path: '/login' } });
    let error: unknown;
    try {
      await login(session(), nowhere, admin);
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(LoginUnavailableError);
  });

  it('redirects are returned, not followed; following is one recorded hop at a time and stays on the target', async function () {
    const client = session();
    const plain = await client.get(new URL('/status?x=1', sim.web.plainUrl!));
    expect(plain.status).to.equal(301);
    expect(plain.location).to.equal(new URL('/status?x=1', sim.endpoint.url).href);
    expect(client.exchanges).to.have.length(1);
    const { final, hops } = await client.followRedirects(plain);
    expect(hops.map((hop) => hop.status)).to.deep.equal(sim.web.parameters.anonymousRefusal === 'redirect' ? [301, 302] : [301]);
    expect(final.status).to.be.oneOf([200, 401]);
    expect(client.exchanges).to.have.length(1 + hops.length);

    const elsewhere = { ...plain, location: 'https://192.0.2.7/login' };
    const taken = await client.follow(elsewhere);
    expect(taken.response).to.equal(undefined);
    expect(taken.hop.refused).to.match(/leaves the target/);
    let error: unknown;
    try {
      await client.get('http://192.0.2.7/');
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(OffTargetError);
  });

  it('records the TLS certificate without trusting or refusing it', async function () {
    const response = await session().get('/login');
    expect(response.tls?.protocol).to.match(/^TLSv1\.[23]$/);
    expect(response.tls?.authorized, 'the simulator CA is not a system CA').to.equal(false);
    expect(response.tls?.certificate?.subjectAltName).to.equal(`IP Address:${sim.host}`);
    expect(response.tls?.certificate?.chain).to.have.length(2);
  });

  it('raw methods: TRACE, TRACK and OPTIONS go out as given', async function () {
    const client = session();
    const trace = await client.request({ method: 'TRACE', path: '/' });
    expect(trace.status).to.equal(405);
    const track = await client.request({ method: 'TRACK', path: '/' });
    expect(track.status, 'Node\'s parser does not know TRACK and answers 400').to.equal(400);
    const options = await client.request({ method: 'OPTIONS', path: '/' });
    expect(options.status).to.equal(204);
    expect(options.headers.allow).to.equal('GET, HEAD, POST');
  });
});

describe('HTTP adapter against the weak web simulator', function () {
  this.timeout(30_000);
  let sim: StartedWebSimulator;
  before(async function () {
    sim = await startWeb('weak');
  });
  after(async function () {
    await sim?.stop();
  });

  it('basic login over plain HTTP, and a TRACE echo', async function () {
    const admin = sim.account('admin');
    const endpoint = httpEndpointSchema.parse({ ...sim.endpoint, login: { kind: 'basic', path: '/diag/' } });
    const client = new HttpSession({ baseUrl: sim.endpoint.url });
    expect((await login(client, endpoint, { username: admin.username, password: wrongPassword() })).accepted).to.equal(false);
    const accepted = await login(client, endpoint, admin);
    expect(accepted.accepted, accepted.reason).to.equal(true);
    expect(accepted.response.tls).to.equal(undefined);
    const trace = await client.request({ method: 'TRACE', path: '/', headers: { 'x-probe': 'echo-me' } });
    expect(trace.status).to.equal(200);
    expect(trace.text).to.include('x-probe: echo-me');
  });

  it('the session cookie comes without attributes and the pre-login id survives the login', async function () {
    const client = new HttpSession({ baseUrl: sim.endpoint.url });
    await client.get('/login');
    const name = sim.web.parameters.sessionCookie;
    const before = client.jar.get(name)!;
    expect(before).to.include({ httpOnly: false, secure: false });
    expect(before.sameSite).to.equal(undefined);
    const result = await login(client, sim.endpoint, sim.account('viewer'));
    expect(result.accepted, result.reason).to.equal(true);
    expect(client.jar.get(name)!.value).to.equal(before.value);
  });
});

describe('HTTP adapter: deadlines and failures', function () {
  this.timeout(20_000);
  let silent: Server;
  let host: string;
  let port: number;
  const held = new Set<Socket>();
  before(async function () {
    host = randomLoopbackHost();
    // Accepts connections and never answers: a hung device.
    silent = createServer((socket) => {
      held.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, host, resolve));
    port = (silent.address() as { port: number }).port;
  });
  after(async function () {
    for (const socket of held) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('a silent server gives HttpTimeoutError at the deadline', async function () {
    const started = Date.now();
    let error: unknown;
    try {
      await sendRequest({ url: new URL(`http://${host}:${port}/`), timeoutMs: 400 });
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(HttpTimeoutError);
    expect((error as HttpTimeoutError).stage).to.equal('answer');
    expect(Date.now() - started).to.be.lessThan(3_000);
  });

  it('a silent TLS port gives HttpTimeoutError in the connect stage', async function () {
    let error: unknown;
    try {
      await sendRequest({ url: new URL(`https://${host}:${port}/`), timeoutMs: 400 });
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(HttpTimeoutError);
    expect((error as HttpTimeoutError).stage).to.equal('connect');
  });

  it('the abort signal ends a pending request at once with its reason', async function () {
    const controller = new AbortController();
    const pending = sendRequest({ url: new URL(`http://${host}:${port}/`), timeoutMs: 10_000, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('Ctrl-C')), 100);
    const started = Date.now();
    let error: unknown;
    try {
      await pending;
    } catch (caught) {
      error = caught;
    }
    expect((error as Error).message).to.equal('Ctrl-C');
    expect(Date.now() - started).to.be.lessThan(2_000);
  });

  it('a closed port gives HttpConnectionError naming the refusal', async function () {
    const closed = await freePort(host);
    let error: unknown;
    try {
      await sendRequest({ url: new URL(`http://${host}:${closed}/`), timeoutMs: 2_000 });
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(HttpConnectionError);
    expect((error as HttpConnectionError).code).to.equal('ECONNREFUSED');
  });
});

describe('HTTP adapter: WWW-Authenticate parsing', function () {
  it('reads several challenges from one line and quoted values with commas', function () {
    const challenges = parseChallenges(['Basic realm="a, b", Digest realm="plc", qop="auth,auth-int", algorithm=SHA-256, nonce="n1"', 'Negotiate YIIabc==']);
    expect(challenges.map((challenge) => challenge.scheme)).to.deep.equal(['Basic', 'Digest', 'Negotiate']);
    expect(challenges[0]!.params).to.deep.equal({ realm: 'a, b' });
    expect(challenges[1]!.params).to.deep.equal({ realm: 'plc', qop: 'auth,auth-int', algorithm: 'SHA-256', nonce: 'n1' });
    expect(challenges[2]!.params.token68).to.equal('YIIabc==');
  });
});
