import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { generateSigningKey, loadSigningKey, publicKeyFingerprint, sign, SIGNATURE_ALGORITHM, verifySignature, type SigningKey } from '../../adapters/pki/signing.js';
import { HARNESS } from '../../core/version.js';
import { isPartialWrite } from '../../core/files.js';
import { readTarGz, writeTarGz, type TarEntry } from './tar.js';

/**
 * Evidence bundle: every result and report of a run in one .tar.gz, with a manifest of SHA-256 hashes signed by the
 * lab's key. `verify` recomputes every hash, refuses added or missing files, and checks the signature.
 */

export const MANIFEST = 'manifest.json';
export const SIGNATURE = 'manifest.sig';
export const BUNDLE_NAME = 'evidence-bundle.tar.gz';

export interface Manifest {
  format: 'iec62443-harness-evidence/1';
  harness: { name: string; version: string };
  createdAt: string;
  files: Array<{ path: string; sha256: string; size: number }>;
  signer: { algorithm: string; publicKeyPem: string; fingerprint: string; keySource: 'lab key file' | 'generated for this bundle' };
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

function collect(dir: string, skip: (path: string) => boolean): TarEntry[] {
  return (readdirSync(dir, { recursive: true }) as string[])
    .map((file) => join(dir, file))
    .filter((path) => statSync(path).isFile() && !skip(path))
    .sort()
    .map((path) => ({ path: relative(dir, path).split(sep).join('/'), content: readFileSync(path) }));
}

export interface BundleResult {
  archive: Buffer;
  manifest: Manifest;
  key: SigningKey;
}

export function createBundle(outDir: string, options: { labKeyPem?: string } = {}): BundleResult {
  const entries = collect(outDir, (path) => path.endsWith('.tar.gz') || isPartialWrite(path));
  const key = options.labKeyPem ? loadSigningKey(options.labKeyPem) : generateSigningKey();
  const manifest: Manifest = {
    format: 'iec62443-harness-evidence/1',
    harness: { name: HARNESS.name, version: HARNESS.version },
    createdAt: new Date().toISOString(),
    files: entries.map((entry) => ({ path: entry.path, sha256: sha256(entry.content), size: entry.content.length })),
    signer: { algorithm: SIGNATURE_ALGORITHM, publicKeyPem: key.publicKeyPem, fingerprint: key.fingerprint, keySource: key.generated ? 'generated for this bundle' : 'lab key file' },
  };
  const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  const archive = writeTarGz([
    { path: MANIFEST, content: manifestBytes },
    { path: SIGNATURE, content: Buffer.from(`${sign(manifestBytes, key)}\n`) },
    ...entries,
  ]);
  return { archive, manifest, key };
}

export interface VerifyResult {
  ok: boolean;
  problems: string[];
  fileCount: number;
  fingerprint?: string;
  keySource?: string;
  /** False when no trusted key was given: the signature then only proves the bundle is unchanged since signing. */
  keyPinned: boolean;
}

export function verifyBundle(archive: Buffer, options: { trustedPublicKeyPem?: string } = {}): VerifyResult {
  const problems: string[] = [];
  let entries: TarEntry[];
  try {
    entries = readTarGz(archive);
  } catch (error) {
    return { ok: false, problems: [`not a readable bundle: ${(error as Error).message}`], fileCount: 0, keyPinned: false };
  }
  const byPath = new Map(entries.map((entry) => [entry.path, entry.content]));
  const manifestBytes = byPath.get(MANIFEST);
  const signature = byPath.get(SIGNATURE)?.toString().trim();
  if (!manifestBytes || !signature) return { ok: false, problems: [`${MANIFEST} or ${SIGNATURE} is missing`], fileCount: entries.length, keyPinned: false };
  let manifest: Manifest;
  try {
    manifest = JSON.parse(manifestBytes.toString()) as Manifest;
  } catch {
    return { ok: false, problems: [`${MANIFEST} is not valid JSON`], fileCount: entries.length, keyPinned: false };
  }
  const publicKeyPem = options.trustedPublicKeyPem ?? manifest.signer?.publicKeyPem;
  if (!publicKeyPem || !verifySignature(manifestBytes, signature, publicKeyPem)) problems.push(`the signature of ${MANIFEST} does not verify${options.trustedPublicKeyPem ? ' with the trusted key' : ''}`);
  if (options.trustedPublicKeyPem && manifest.signer?.publicKeyPem && publicKeyFingerprint(manifest.signer.publicKeyPem) !== publicKeyFingerprint(options.trustedPublicKeyPem)) {
    problems.push('the bundle names a different signing key than the trusted one');
  }
  const listed = new Set<string>();
  for (const file of manifest.files ?? []) {
    listed.add(file.path);
    const content = byPath.get(file.path);
    if (!content) problems.push(`missing: ${file.path}`);
    else if (sha256(content) !== file.sha256 || content.length !== file.size) problems.push(`changed: ${file.path}`);
  }
  for (const entry of entries) if (entry.path !== MANIFEST && entry.path !== SIGNATURE && !listed.has(entry.path)) problems.push(`added: ${entry.path}`);
  if (entries.filter((entry) => entry.path === MANIFEST || entry.path === SIGNATURE).length !== 2) problems.push('the manifest or signature appears more than once');
  return {
    ok: problems.length === 0,
    problems,
    fileCount: manifest.files?.length ?? 0,
    ...(manifest.signer?.fingerprint ? { fingerprint: manifest.signer.fingerprint } : {}),
    ...(manifest.signer?.keySource ? { keySource: manifest.signer.keySource } : {}),
    keyPinned: options.trustedPublicKeyPem !== undefined,
  };
}
