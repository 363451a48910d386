import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Algorithms, Client as SshClient } from 'ssh2';
import { settleWithin } from '../../core/net/deadline.js';
import type { HostKeyInfo } from './policy.js';
import { SshReader, type KexInit } from './wire.js';

/**
 * The host keys behind the host-key algorithms a server offers. A KEXINIT only names algorithms; the key itself
 * arrives in the key-exchange reply, so each key type gets a handshake of its own restricted to that type.
 */

const require = createRequire(import.meta.url);

/** What this ssh2 build can negotiate, so a handshake is only attempted with algorithms both sides know. */
function supported(): { kex: string[]; hostKey: string[]; cipher: string[]; mac: string[] } {
  const constants = require('ssh2/lib/protocol/constants.js') as Record<string, string[]>;
  return { kex: constants.SUPPORTED_KEX!, hostKey: constants.SUPPORTED_SERVER_HOST_KEY!, cipher: constants.SUPPORTED_CIPHER!, mac: constants.SUPPORTED_MAC! };
}

export function parseHostKeyBlob(blob: Buffer): HostKeyInfo {
  const fingerprint = `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
  const reader = new SshReader(blob);
  const type = reader.string().toString('latin1');
  try {
    if (type === 'ssh-rsa') {
      reader.mpintBits();
      return { type, bits: reader.mpintBits(), fingerprint };
    }
    if (type === 'ssh-dss') return { type, bits: reader.mpintBits(), fingerprint };
    if (type.startsWith('ecdsa-sha2-')) {
      const curve = reader.string().toString('latin1');
      const bits = Number(/^nistp(\d+)$/.exec(curve)?.[1]);
      return { type, ...(Number.isFinite(bits) ? { bits } : {}), fingerprint };
    }
    if (type === 'ssh-ed25519') return { type, bits: 256, fingerprint };
    if (type === 'ssh-ed448') return { type, bits: 456, fingerprint };
  } catch {
    // A truncated blob still has a type worth reporting.
  }
  return { type, fingerprint };
}

/** The key type a host-key algorithm proves possession of; undefined for certificates and unknown names. */
export function keyTypeOf(algorithm: string): string | undefined {
  if (/^(rsa-sha2-(256|512)|ssh-rsa)$/.test(algorithm)) return 'ssh-rsa';
  if (/^(ssh-dss|ssh-ed25519|ssh-ed448|ecdsa-sha2-nistp(256|384|521))$/.test(algorithm)) return algorithm;
  return undefined;
}

export interface HostKeyResult {
  /** The host-key algorithm used to fetch it. */
  algorithm: string;
  key?: HostKeyInfo;
  /** Why no key was fetched for this algorithm. */
  note?: string;
}

export interface HostKeyOptions {
  host: string;
  port: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

async function fetchHostKey(options: HostKeyOptions, algorithms: Algorithms, algorithm: string): Promise<HostKeyInfo> {
  const { Client } = (await import('ssh2')).default;
  const client: SshClient = new Client();
  let captured: HostKeyInfo | undefined;
  return settleWithin<HostKeyInfo>(
    `SSH host key (${algorithm}) from ${options.host}:${options.port}`,
    options.timeoutMs,
    options.signal,
    ({ resolve, reject }) => {
      client.on('error', (error: Error) => (captured ? resolve(captured) : reject(new Error(`handshake for host key ${algorithm} failed: ${error.message}`))));
      client.on('close', () => (captured ? resolve(captured) : reject(new Error(`connection closed before the host key ${algorithm} arrived`))));
      client.on('ready', () => (captured ? resolve(captured) : reject(new Error('authenticated without a host key'))));
      client.connect({
        host: options.host,
        port: options.port,
        username: 'iec62443-harness-probe',
        readyTimeout: options.timeoutMs,
        algorithms: { ...algorithms, serverHostKey: [algorithm] } as Algorithms,
        // Refusing the key ends the handshake right after the key-exchange reply: no authentication is attempted.
        hostVerifier: (blob: Buffer) => {
          captured = parseHostKeyBlob(blob);
          return false;
        },
      });
    },
    () => client.end(),
  );
}

/**
 * Fetches one key per key type the server offers. Handshakes run one after another; a type this client cannot
 * negotiate is reported with a note, not as an error.
 */
export async function collectHostKeys(kexInit: KexInit, options: HostKeyOptions): Promise<HostKeyResult[]> {
  const known = supported();
  const common = (offered: string[], ours: string[]) => offered.filter((name) => ours.includes(name));
  const algorithms = {
    kex: common(kexInit.kex, known.kex),
    cipher: common(kexInit.ciphersClientToServer, known.cipher),
    hmac: common(kexInit.macsClientToServer, known.mac),
  };
  const byType = new Map<string, string[]>();
  for (const algorithm of kexInit.hostKey) {
    const type = keyTypeOf(algorithm);
    if (type) byType.set(type, [...(byType.get(type) ?? []), algorithm]);
  }
  const results: HostKeyResult[] = kexInit.hostKey.filter((algorithm) => !keyTypeOf(algorithm)).map((algorithm) => ({ algorithm, note: 'certificate or unknown algorithm: key not fetched' }));
  for (const [type, offered] of byType) {
    options.signal?.throwIfAborted();
    const algorithm = offered.find((name) => known.hostKey.includes(name));
    const missing = (['kex', 'cipher', 'hmac'] as const).filter((category) => algorithms[category].length === 0);
    if (!algorithm || missing.length > 0) {
      results.push({ algorithm: offered[0]!, note: `${type} key not fetched: no ${algorithm ? missing.join('/') : 'host-key algorithm'} this client shares with the server` });
      continue;
    }
    results.push({ algorithm, key: await fetchHostKey(options, algorithms as Algorithms, algorithm) });
  }
  return results;
}
