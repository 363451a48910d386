import { expect } from 'chai';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBundle, MANIFEST, SIGNATURE, verifyBundle } from '../../harness/bundle/bundle.js';
import { readTarGz, writeTarGz } from '../../harness/bundle/tar.js';
import { generateSigningKey } from '../../adapters/pki/signing.js';

describe('evidence bundle', function () {
  this.timeout(60_000);
  const outDir = mkdtempSync(join(tmpdir(), 'bundle-test-'));
  mkdirSync(join(outDir, 'allure-results'));
  writeFileSync(join(outDir, 'compliance.json'), JSON.stringify({ requirements: [{ id: 'CR 7.7', verdict: 'pass' }] }));
  writeFileSync(join(outDir, 'compliance.md'), '# report\n');
  writeFileSync(join(outDir, 'allure-results', 'a-result.json'), '{"status":"passed"}');
  writeFileSync(join(outDir, 'allure-results', 'b-attachment.csv'), 'port,state\n4840,open\n');
  // What a writer beside this one (core/files.ts writeAtomically) has not finished is no evidence: left out.
  writeFileSync(join(outDir, 'compliance.html.partial-4242'), '<html><bo');
  const labKey = generateSigningKey();
  const { archive, manifest } = createBundle(outDir, { labKeyPem: labKey.privateKeyPem });

  const rebuild = (mutate: (entries: ReturnType<typeof readTarGz>) => ReturnType<typeof readTarGz>) => writeTarGz(mutate(readTarGz(archive)));

  it('verifies a fresh bundle, with and without the pinned lab key', function () {
    expect(manifest.files.map((file) => file.path)).to.deep.equal(['allure-results/a-result.json', 'allure-results/b-attachment.csv', 'compliance.json', 'compliance.md']);
    expect(verifyBundle(archive)).to.include({ ok: true, keyPinned: false, fileCount: 4, keySource: 'lab key file' });
    expect(verifyBundle(archive, { trustedPublicKeyPem: labKey.publicKeyPem })).to.include({ ok: true, keyPinned: true });
  });

  it('fails when any byte of any file is changed, the manifest and signature included', function () {
    const paths = readTarGz(archive).map((entry) => entry.path);
    expect(paths).to.include.members([MANIFEST, SIGNATURE]);
    for (const path of paths) {
      const tampered = rebuild((entries) =>
        entries.map((entry) => {
          if (entry.path !== path) return entry;
          const content = Buffer.from(entry.content);
          const at = Math.floor(content.length / 2);
          content[at] = content[at]! ^ 0x01;
          return { ...entry, content };
        }),
      );
      const result = verifyBundle(tampered);
      expect(result.ok, `a changed byte in ${path} went unnoticed`).to.equal(false);
    }
  });

  it('fails when a file is added or removed', function () {
    const added = verifyBundle(rebuild((entries) => [...entries, { path: 'allure-results/extra-result.json', content: Buffer.from('{}') }]));
    expect(added.ok).to.equal(false);
    expect(added.problems).to.include('added: allure-results/extra-result.json');
    const removed = verifyBundle(rebuild((entries) => entries.filter((entry) => entry.path !== 'compliance.md')));
    expect(removed.problems).to.include('missing: compliance.md');
  });

  it('fails against a pinned key other than the signer, and on a damaged archive', function () {
    const other = generateSigningKey();
    expect(verifyBundle(archive, { trustedPublicKeyPem: other.publicKeyPem }).ok).to.equal(false);
    const damaged = Buffer.from(archive);
    damaged[damaged.length - 12] = damaged[damaged.length - 12]! ^ 0xff;
    expect(verifyBundle(damaged).ok).to.equal(false);
  });

  it('re-signing a tampered manifest with another key is caught when the lab key is pinned', function () {
    const forger = generateSigningKey();
    const forged = createBundle(outDir, { labKeyPem: forger.privateKeyPem }).archive;
    expect(verifyBundle(forged).ok).to.equal(true);
    expect(verifyBundle(forged, { trustedPublicKeyPem: labKey.publicKeyPem }).ok).to.equal(false);
  });
});
