import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpEssentialProbe } from '../../adapters/http/availability.js';
import { randomLoopbackHost } from '../../core/net/loopback.js';
import { parseProfile } from '../../core/profile/load.js';
import { startWebSimulator } from '../../simulators/web/index.js';

/** The http essential function kind the CR 7.1 monitors sample: a fresh anonymous GET that counts only with the expected status. */
describe('http essential function probe', function () {
  this.timeout(30_000);
  const workDir = mkdtempSync(join(tmpdir(), 'iec62443-web-essential-'));
  const host = randomLoopbackHost();
  let simulator: Awaited<ReturnType<typeof startWebSimulator>> | undefined;

  before(async function () {
    simulator = await startWebSimulator({ profile: 'hardened', host, workDir });
  });
  after(async function () {
    await simulator?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  const declared = () => {
    const profile = parseProfile(simulator!.profile, 'web/hardened');
    const fn = profile.essentialFunctions.find((entry) => 'http' in entry);
    if (!fn || !('http' in fn)) throw new Error('the simulator declares no http essential function');
    return fn;
  };

  it('the declared page answers with its expected status', async function () {
    const fn = declared();
    const probe = httpEssentialProbe(fn, { host, timeoutMs: 5_000 });
    expect(probe.name).to.match(/\(GET \/\S* → 200\)$/);
    expect(probe.maxLatencyMs).to.equal(fn.maxLatencyMs);
    await probe.sample(new AbortController().signal);
  });

  it('another status does not count as served', async function () {
    const fn = declared();
    const probe = httpEssentialProbe({ ...fn, http: { ...fn.http, expectStatus: 204 } }, { host, timeoutMs: 5_000 });
    let error: Error | undefined;
    await probe.sample(new AbortController().signal).catch((caught: Error) => (error = caught));
    expect(error?.message).to.match(/^answered 200, not 204$/);
  });

  it('a URL off the profile\'s host is refused before anything is sent', function () {
    const fn = declared();
    expect(() => httpEssentialProbe({ ...fn, http: { ...fn.http, url: 'http://192.0.2.1/' } }, { host, timeoutMs: 5_000 })).to.throw(/is not on the profile's host/);
  });

  it('a stopped device fails the sample', async function () {
    const fn = declared();
    const probe = httpEssentialProbe(fn, { host, timeoutMs: 2_000 });
    await simulator!.stop();
    simulator = undefined;
    let error: Error | undefined;
    await probe.sample(new AbortController().signal).catch((caught: Error) => (error = caught));
    expect(error?.message, 'the sample fails').to.match(/refused/i);
  });
});
