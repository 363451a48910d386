import { expect } from 'chai';
import { createServer, type Server } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseProfile } from '../../core/profile/load.js';
import { freePort, randomLoopbackHost } from '../../core/net/loopback.js';
import { runCampaign } from '../../harness/run/campaign.js';
import { writeReports } from '../../reports/write.js';
import { CHROMIUM, renderedDom, screenshot } from '../support/chromium.js';

/** Screenshots are kept for a person to look at: test-artifacts/ at the project root (ignored by git). */
const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-artifacts');

describe('reports in a browser (headless Chromium)', function () {
  this.timeout(180_000);
  const outDir = mkdtempSync(join(tmpdir(), 'browser-test-'));
  let server: Server;

  before(async function () {
    if (!CHROMIUM) {
      console.log('    chromium is not installed (apt-get install chromium): the browser test cannot run here');
      this.skip();
    }
    const host = randomLoopbackHost();
    const port = await freePort(host);
    const stray = await freePort(host);
    server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(port, host, resolve));
    const other = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => other.listen(stray, host, resolve));
    server.on('close', () => other.close());
    const profile = parseProfile({ component: { name: 'Browser PLC', vendor: 'ACME', type: 'embedded-device' }, targetSL: 2, host, openPorts: [port], scan: { ports: `${port},${stray}` } });
    const campaign = await runCampaign({ profile, outDir, signal: new AbortController().signal });
    await writeReports(campaign.document, { outDir, allureResultsDir: campaign.allureResultsDir, engine: 'allure3', reportName: 'IEC 62443-4-2: Browser PLC' });
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  after(() => server?.close());

  it('renders compliance.html with the verdict matrix, charts and outstanding evidence', async function () {
    const file = join(outDir, 'compliance.html');
    const dom = await renderedDom(file);
    expect(dom).to.include('IEC 62443-4-2 compliance: Browser PLC');
    expect(dom).to.include('FR 7 Resource availability');
    expect(dom).to.match(/CR 7\.7<\/td>/);
    expect(dom).to.include('tcp.least-functionality.open-ports');
    expect(dom).to.include('aria-label="Achieved SL-C per foundational requirement"');
    expect(dom).to.include('Documentary evidence still to supply');
    expect(dom).to.match(/data-verdict="fail" id="CR-7\.7"/);
    const png = join(ARTIFACTS, 'compliance.png');
    await screenshot(file, png);
    expect(statSync(png).size).to.be.greaterThan(20_000);
  });

  it('renders the Allure report with the failed requirement filed under its FR', async function () {
    const file = join(outDir, 'allure-report', 'index.html');
    expect(existsSync(file)).to.equal(true);
    const dom = await renderedDom(file);
    expect(dom).to.include('IEC 62443-4-2: Browser PLC');
    expect(dom).to.include('FR 7 Resource availability');
    const png = join(ARTIFACTS, 'allure-report.png');
    await screenshot(file, png);
    expect(statSync(png).size).to.be.greaterThan(20_000);
  });
});
