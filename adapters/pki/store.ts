import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeAtomically } from '../../core/files.js';

/**
 * The harness's own key material on this machine: the OPC UA test CA and client (adapters/opcua/pki.ts) and the keys of
 * the throwaway identities that negative cases present to a device.
 */

export function defaultPkiDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.IEC62443_PKI_DIR || join(homedir(), '.iec62443-harness', 'pki');
}

/** opcua-default-client: the key of node-opcua's own client certificate, shown on a channel given no credentials. */
export type TestKeyPurpose = 'ca-issued-client' | 'self-signed-client' | 'untrusted-client' | 'unknown-ca' | 'syslog-collector' | 'opcua-default-client';

const keysOfThisProcess = new Map<string, string>();

/**
 * The RSA key (PEM) of one kind of test identity, made once per machine and kept in `<pki dir>/test-keys`.
 * Generating an RSA-2048 key costs 50 to 200 ms of CPU, and a run needs several; on a fleet of targets that was the
 * largest single cost of the OPC UA checks. Only the key is kept: every certificate built on it is issued afresh for
 * the run (new serial number, validity and thumbprint), so a device has never seen the certificate it is shown.
 */
export function testKeyPem(purpose: TestKeyPurpose, dir = join(defaultPkiDir(), 'test-keys')): string {
  const file = join(dir, `${purpose}-rsa2048.pem`);
  const known = keysOfThisProcess.get(file);
  if (known) return known;
  let pem: string | undefined;
  if (existsSync(file)) {
    const stored = readFileSync(file, 'utf8');
    // A file damaged or written by something else is replaced, never passed on to fail inside a check.
    try {
      if (createPrivateKey(stored).asymmetricKeyType === 'rsa') pem = stored;
    } catch {
      pem = undefined;
    }
  }
  if (!pem) {
    pem = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeAtomically(file, pem, 0o600);
  }
  keysOfThisProcess.set(file, pem);
  return pem;
}
