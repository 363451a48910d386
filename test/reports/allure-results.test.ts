import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckResult } from '../../core/check.js';
import { Redactor } from '../../core/evidence/redact.js';
import { parseProfile } from '../../core/profile/load.js';
import { componentInterfaces } from '../../core/protocol.js';
import { allureTestId, AllureResultsWriter, historyIdOf, suitesOf, testIdentity } from '../../reports/allure/results.js';
import type { AllureTestResult } from '../../reports/allure/format.js';
import tlsCheck from '../../suites/fr4/tls-cryptography-versions-and-suites.check.js';

describe('Allure results written by the harness', function () {
  describe('identities that carry Allure history on from runs recorded by allure-mocha 3.12', function () {
    // Taken from allure-results of a run of the embedded default recorded by mocha and allure-mocha 3.12.2 (2026-12-01).
    const recorded = {
      fullName:
        'iec62443-harness:suites/fr4/tls-cryptography-versions-and-suites.check.js: FR 4 Data confidentiality > CR 4.3 Use of cryptography > TLS services accept only current protocol versions and strong cipher suites [web-ui]',
      testCaseId: '14790198495ffdde999603ca50f01111',
      historyId: '14790198495ffdde999603ca50f01111:c2b3d95e546c5a66dffe60e82c86f423',
      fallbackTestCaseId: '57331c23d89d8a5d314979987ba9a915',
      packageName: 'iec62443-harness.suites.fr4.tls-cryptography-versions-and-suites.check.js',
      parameters: [
        {
          name: 'target',
          value:
            'Example Automation TPLC-100 Simulated PLC (embedded default: enip hardened, modbus hardened, opcua hardened, snmp hardened, ssh hardened, tls hardened, web hardened) fw 2.4.1 @ 127.109.129.226',
        },
        { name: 'interface', value: 'web-ui (tls://127.109.129.226:42197)' },
      ],
    };
    const place = { file: 'suites/fr4/tls-cryptography-versions-and-suites.check.js', suites: suitesOf(tlsCheck), name: `${tlsCheck.title} [web-ui]` };

    it('a check keeps its full name, test case id, fallback id and package', function () {
      expect(testIdentity(place)).to.deep.include({
        fullName: recorded.fullName,
        testCaseId: recorded.testCaseId,
        fallbackTestCaseId: recorded.fallbackTestCaseId,
        packageName: recorded.packageName,
      });
    });

    it('a check on one interface of one target keeps its history id', function () {
      expect(historyIdOf(recorded.testCaseId, recorded.parameters)).to.equal(recorded.historyId);
    });

    it('a run from the TypeScript sources files its tests where the compiled package does', function () {
      expect(testIdentity({ ...place, file: 'suites/fr4/tls-cryptography-versions-and-suites.check.ts' })).to.deep.equal(testIdentity(place));
    });
  });

  describe('the files', function () {
    const work = mkdtempSync(join(tmpdir(), 'allure-results-test-'));
    after(() => rmSync(work, { recursive: true, force: true }));
    const secret = 'Adm1n-S3cret!';
    const profile = parseProfile(
      {
        component: { name: 'Test PLC', vendor: 'Example', type: 'embedded-device', firmware: '1.0' },
        targetSL: 2,
        host: '127.0.0.1',
        endpoints: { tls: [{ name: 'web-ui', port: 443 }] },
        accounts: [{ username: 'admin', password: secret, role: 'admin' }],
      },
      'allure test',
    );
    const target = componentInterfaces(profile).find((entry) => entry.name === 'web-ui')!;
    const resultOf = (status: CheckResult['status'], fields: Partial<CheckResult> = {}): CheckResult => ({
      checkId: tlsCheck.id,
      requirementId: 'CR 4.3',
      title: tlsCheck.title,
      expectation: tlsCheck.expectation,
      interface: { name: 'web-ui', kind: 'tls' },
      status,
      startedAt: '2026-12-01T10:00:00.000Z',
      durationMs: 1500,
      attachments: [],
      transcript: [],
      ...fields,
    });
    const write = (dir: string, result: CheckResult, environment: NodeJS.ProcessEnv = {}) => {
      const saved = { ...process.env };
      Object.assign(process.env, environment);
      try {
        const writer = new AllureResultsWriter(dir, profile, new Redactor([secret]));
        writer.writeRunInfo({ Component: 'Example Test PLC', 'Target SL': '2', Note: ' leading space, a\\backslash and ü' });
        const id = writer.write({ check: tlsCheck, result, target, file: 'suites/fr4/tls-cryptography-versions-and-suites.check.ts', name: tlsCheck.title });
        const [file] = readdirSync(dir).filter((name) => name.endsWith('-result.json'));
        return { id, record: JSON.parse(readFileSync(join(dir, file!), 'utf8')) as AllureTestResult };
      } finally {
        for (const key of Object.keys(environment)) if (!(key in saved)) delete process.env[key];
      }
    };

    it('a failed requirement is "failed" with expected and observed; its attachments are files without the secret', function () {
      const dir = join(work, 'fail');
      const { id, record } = write(
        dir,
        resultOf('fail', {
          observed: 'web-ui accepts TLS 1.0',
          details: { login: `admin:${secret}` },
          transcript: ['   0.001s ▶ ClientHello TLS 1.0', `   0.002s sent password ${secret}`],
          attachments: [{ name: 'Accepted suites', contentType: 'text/csv', content: 'version,suite\nTLS 1.0,TLS_RSA_WITH_AES_128_CBC_SHA\n' }],
        }),
        { ALLURE_LABEL_owner: 'qa-lab' },
      );
      expect(id, 'the report routes a test by the md5 of its uuid').to.equal(allureTestId(record.uuid));
      expect(record).to.deep.include({ status: 'failed', stage: 'finished', name: tlsCheck.title, start: Date.parse('2026-12-01T10:00:00.000Z'), stop: Date.parse('2026-12-01T10:00:01.500Z') });
      expect(record.statusDetails.message).to.equal(`CR 4.3 not met\nexpected: ${tlsCheck.expectation}\nobserved: web-ui accepts TLS 1.0`);
      const labels = (name: string) => record.labels.filter((label) => label.name === name).map((label) => label.value);
      expect(labels('epic')).to.deep.equal(['FR 4 Data confidentiality']);
      expect(labels('feature')).to.deep.equal(['CR 4.3 Use of cryptography']);
      expect(labels('suite')).to.deep.equal(['CR 4.3 Use of cryptography']);
      expect(labels('tag')).to.deep.equal(['SL1', 'SL2', 'SL3', 'SL4', 'tls']);
      expect(labels('severity')).to.deep.equal(['critical']);
      expect(labels('thread'), 'one timeline row per interface').to.deep.equal(['web-ui']);
      expect(labels('checkId')).to.deep.equal([tlsCheck.id]);
      expect(labels('owner'), 'ALLURE_LABEL_<name> adds a label, as in Allure reporters').to.deep.equal(['qa-lab']);
      expect(record.parameters).to.deep.equal([
        { name: 'target', value: 'Example Test PLC fw 1.0 @ 127.0.0.1' },
        { name: 'interface', value: `web-ui (${target.label})` },
      ]);
      expect(record.attachments.map((attachment) => [attachment.name, attachment.type])).to.deep.equal([
        ['Accepted suites', 'text/csv'],
        ['Step transcript', 'text/plain'],
        ['Observations', 'application/json'],
      ]);
      expect(record.attachments.map((attachment) => attachment.source.split('.').at(-1))).to.deep.equal(['csv', 'txt', 'json']);
      for (const attachment of record.attachments) expect(readFileSync(join(dir, attachment.source), 'utf8')).not.to.include(secret);
      expect(readFileSync(join(dir, record.attachments[1]!.source), 'utf8')).to.include('sent password ');
    });

    it('a pass is "passed", an error "broken" and a check that did not run "skipped", each with its reason', function () {
      expect(write(join(work, 'pass'), resultOf('pass', { observed: 'TLS 1.2 and 1.3 only' })).record).to.deep.include({ status: 'passed', statusDetails: {} });
      expect(write(join(work, 'error'), resultOf('error', { message: 'connect ECONNREFUSED' })).record).to.deep.include({ status: 'broken', statusDetails: { message: 'no verdict: connect ECONNREFUSED' } });
      expect(write(join(work, 'skip'), resultOf('not-tested', { message: 'disruptive check; allow it with --disruptive' })).record).to.deep.include({
        status: 'skipped',
        statusDetails: { message: 'not-tested: disruptive check; allow it with --disruptive' },
      });
    });

    it('environment.properties escapes keys and values as Java properties, which Allure reads it as', function () {
      write(join(work, 'environment'), resultOf('pass', { observed: 'ok' }));
      expect(readFileSync(join(work, 'environment', 'environment.properties'), 'utf8').split('\n')).to.deep.equal([
        'Component=Example Test PLC',
        'Target\\ SL=2',
        'Note=\\ leading space, a\\\\backslash and \\u00fc',
      ]);
      expect(JSON.parse(readFileSync(join(work, 'environment', 'categories.json'), 'utf8')).map((category: { name: string }) => category.name)).to.include('Requirement not met');
    });
  });
});
