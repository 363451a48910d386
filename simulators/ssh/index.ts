import { randomBytes, randomInt } from 'node:crypto';
import ssh2, { type Algorithms, type Connection, type ServerChannel } from 'ssh2';
import type { ProfileInput } from '../../core/profile/schema.js';
import type { RunningSimulator, SimulatorDefinition, SimulatorStartOptions } from '../types.js';
import { dsaHostKey, ecdsaHostKey, ed25519HostKey, rsaHostKey } from './keys.js';
import { otherLoopbackHost } from '../../core/net/loopback.js';

/**
 * The SSH management service of a field device.
 * hardened: modern algorithms only (curve25519/ECDH/DH group16 key exchange, AEAD and CTR ciphers, SHA-2 MACs,
 *   Ed25519 and ECDSA host keys), a pre-authentication banner, per-account lockout after a
 *   threshold of consecutive failures, idle sessions ended after a timeout, a version string naming the firmware.
 *   The lockout threshold and duration, the idle timeout and the account names are drawn anew at every start within
 *   valid ranges and written into the self-description, so no check can lean on a constant of this simulator.
 * weak: every flaw below at once; weak-<flaw>: the hardened server with that one flaw.
 */

export const SSH_FLAWS = [
  /** SHA-1 key exchange, CBC and 3DES ciphers, hmac-md5 and hmac-sha1-96, ssh-rsa (SHA-1) signatures. */
  'algorithms',
  /** A 1024-bit RSA host key (and, in the full weak profile, a DSA key too); ssh2 then also offers ssh-rsa. */
  'host-key',
  /** The factory account admin/admin was never changed. */
  'default-credentials',
  /** A shared "shift" account with password "shift" for every operator. */
  'shared-account',
  /** root may log in with a password. */
  'root-login',
  /** No lockout or slowdown after consecutive failed logins. */
  'no-lockout',
  /** No pre-authentication banner. */
  'no-banner',
  /** Idle sessions stay open for ever, although the vendor documents a timeout. */
  'idle-timeout',
  /** The version string names no software version. */
  'version',
] as const;
export type SshFlaw = (typeof SSH_FLAWS)[number];

export const SSH_PROFILES = ['hardened', 'weak', ...SSH_FLAWS.map((flaw) => `weak-${flaw}` as const)] as const;

const INTERFACE = 'ssh';

const HARDENED_ALGORITHMS: Algorithms = {
  kex: ['curve25519-sha256', 'curve25519-sha256@libssh.org', 'ecdh-sha2-nistp256', 'diffie-hellman-group16-sha512', 'diffie-hellman-group14-sha256'],
  cipher: ['chacha20-poly1305@openssh.com', 'aes256-gcm@openssh.com', 'aes128-gcm@openssh.com', 'aes256-ctr', 'aes128-ctr'],
  hmac: ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com', 'hmac-sha2-256', 'hmac-sha2-512'],
  serverHostKey: ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384'],
};

const WEAK_ALGORITHMS: Algorithms = {
  kex: ['diffie-hellman-group1-sha1', 'diffie-hellman-group14-sha1', 'diffie-hellman-group-exchange-sha1', 'ecdh-sha2-nistp256'],
  cipher: ['aes128-cbc', '3des-cbc', 'aes256-cbc', 'aes128-ctr'],
  hmac: ['hmac-md5', 'hmac-sha1-96', 'hmac-md5-96', 'hmac-sha1', 'hmac-sha2-256'],
  serverHostKey: ['ssh-rsa', 'ssh-dss', 'rsa-sha2-256', 'ssh-ed25519', 'ecdsa-sha2-nistp256'],
};

interface Account {
  role: 'admin' | 'operator' | 'viewer' | 'lockout';
  username: string;
  password: string;
  /** Left out of the self-description: an account the vendor forgot or does not document. */
  undocumented?: boolean;
}

export interface SshSimulatorCounters {
  /** Failed password logins received, per user name. */
  failedLogins: Record<string, number>;
  /** The longest run of consecutive failed logins per user name. */
  maxConsecutiveFailures: Record<string, number>;
}

export interface RunningSshSimulator extends RunningSimulator {
  counters: SshSimulatorCounters;
}

const strongPassword = () => `${randomBytes(9).toString('base64url')}-Aa1`;
const suffix = () => randomBytes(2).toString('hex');

function flawsOf(profile: string): Set<SshFlaw> {
  if (profile === 'hardened') return new Set();
  if (profile === 'weak') return new Set(SSH_FLAWS);
  const flaw = profile.slice('weak-'.length) as SshFlaw;
  if (!profile.startsWith('weak-') || !SSH_FLAWS.includes(flaw)) throw new Error(`ssh simulator: unknown profile "${profile}" (known: ${SSH_PROFILES.join(', ')})`);
  return new Set([flaw]);
}

async function start(options: SimulatorStartOptions): Promise<RunningSshSimulator> {
  const flaws = flawsOf(options.profile);
  const { host } = options;

  // Conforming parameters drawn per start (issue 14 item 7).
  const lockout = { threshold: randomInt(3, 7), durationS: randomInt(2, 6) };
  const idleTimeoutS = randomInt(2, 6);
  const banner = `Authorised personnel only. Sessions are logged. Device ${randomBytes(3).toString('hex').toUpperCase()}.`;
  const firmware = options.identity?.firmware ?? `${randomInt(2, 6)}.${randomInt(0, 10)}.${randomInt(0, 20)}`;

  const accounts: Account[] = [
    { role: 'admin', username: `admin-${suffix()}`, password: strongPassword() },
    { role: 'operator', username: `op-${suffix()}`, password: strongPassword() },
    { role: 'lockout', username: `lockme-${suffix()}`, password: strongPassword() },
  ];
  if (flaws.has('default-credentials')) accounts.push({ role: 'admin', username: 'admin', password: 'admin', undocumented: true });
  if (flaws.has('shared-account')) accounts.push({ role: 'operator', username: 'shift', password: 'shift', undocumented: true });
  if (flaws.has('root-login')) accounts.push({ role: 'admin', username: 'root', password: strongPassword() });

  const hostKeys = flaws.has('host-key')
    ? [rsaHostKey(1024), ...(flaws.size > 1 ? [dsaHostKey()] : [])]
    : [ed25519HostKey(), ecdsaHostKey(randomInt(0, 2) === 0 ? 256 : 384)];
  // ssh2 offers one host-key algorithm per key, whatever the configuration lists, and for an RSA key always adds
  // ssh-rsa (SHA-1 signatures) at the end: an RSA host key therefore also shows as a weak signature algorithm.
  const algorithms = flaws.has('algorithms') ? WEAK_ALGORITHMS : HARDENED_ALGORITHMS;

  const counters: SshSimulatorCounters = { failedLogins: {}, maxConsecutiveFailures: {} };
  const consecutive = new Map<string, number>();
  const lockedUntil = new Map<string, number>();

  const loginAccepted = (username: string, password: string): boolean => {
    if (username === 'root' && !flaws.has('root-login')) return false;
    const now = Date.now();
    const locked = (lockedUntil.get(username) ?? 0) > now;
    const valid = accounts.some((account) => account.username === username && account.password === password);
    if (valid && !locked) {
      consecutive.set(username, 0);
      return true;
    }
    if (!valid) {
      const run = (consecutive.get(username) ?? 0) + 1;
      consecutive.set(username, run);
      counters.failedLogins[username] = (counters.failedLogins[username] ?? 0) + 1;
      counters.maxConsecutiveFailures[username] = Math.max(counters.maxConsecutiveFailures[username] ?? 0, run);
      if (!flaws.has('no-lockout') && run >= lockout.threshold) {
        lockedUntil.set(username, now + lockout.durationS * 1000);
        consecutive.set(username, 0);
      }
    }
    return false;
  };

  const connections = new Set<Connection>();
  const timers = new Set<NodeJS.Timeout>();

  const serveShell = (channel: ServerChannel | undefined, touch: () => void) => {
    // The client may already have gone (accept then returns nothing), or go while a prompt is written: a stream
    // error without a listener would end the whole simulator.
    if (!channel) return;
    channel.on('error', () => undefined);
    channel.write(`device-${firmware}> `);
    channel.on('data', (data: Buffer) => {
      touch();
      const line = data.toString('utf8').trim();
      if (line === 'exit') return channel.exit(0), channel.end();
      channel.write(`${line ? `${line}: command not available\r\n` : ''}device-${firmware}> `);
    });
  };

  const server = new ssh2.Server(
    {
      hostKeys,
      algorithms,
      ident: flaws.has('version') ? 'Server' : `FieldDeviceSSH_${firmware}`,
      ...(flaws.has('no-banner') ? {} : { banner }),
    },
    (connection) => {
      connections.add(connection);
      let idleTimer: NodeJS.Timeout | undefined;
      const touch = () => {
        if (flaws.has('idle-timeout')) return;
        if (idleTimer) {
          clearTimeout(idleTimer);
          timers.delete(idleTimer);
        }
        idleTimer = setTimeout(() => connection.end(), idleTimeoutS * 1000);
        timers.add(idleTimer);
      };
      connection.on('error', () => undefined);
      connection.on('close', () => {
        connections.delete(connection);
        if (idleTimer) {
          clearTimeout(idleTimer);
          timers.delete(idleTimer);
        }
      });
      connection.on('authentication', (context) => {
        if (context.method === 'password' && loginAccepted(context.username, context.password)) return context.accept();
        context.reject(['password']);
      });
      connection.on('ready', () => {
        touch();
        connection.on('session', (accept) => {
          const session = accept();
          if (!session) return;
          session.on('pty', (ok) => ok?.());
          session.on('env', (ok) => ok?.());
          session.on('shell', (ok) => serveShell(ok?.(), touch));
          session.on('exec', (ok) => {
            const channel = ok?.();
            if (!channel) return;
            channel.on('error', () => undefined);
            channel.exit(0);
            channel.end();
          });
        });
      });
    },
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => undefined);
  const port = (server.address() as { port: number }).port;

  const documented = accounts.filter((account) => !account.undocumented);
  const description = {
    component: { name: `SSH management simulator (${options.profile})`, vendor: options.identity?.vendor ?? 'iec62443-harness', model: options.identity?.model ?? 'ssh-sim', firmware: flaws.has('version') ? undefined : firmware, type: 'embedded-device' },
    targetSL: 2,
    host,
    endpoints: {
      ssh: {
        name: INTERFACE,
        port,
        ...(flaws.has('no-banner') ? {} : { banner }),
        idleTimeoutS,
        lockout,
      },
    },
    openPorts: [port],
    accounts: documented.map(({ role, username, password }) => ({ role, username, password, interfaces: [INTERFACE] })),
    timeouts: { connectMs: 3_000, requestMs: 5_000 },
    // Listeners of the machine (they answer on every loopback address) are not the simulated device's ports.
    scan: { controlHost: otherLoopbackHost(host) },
    simulator: { kind: 'ssh', profile: options.profile },
  } as unknown as ProfileInput;

  let stopped: Promise<void> | undefined;
  return {
    kind: 'ssh',
    profileName: options.profile,
    host,
    ports: [port],
    profile: description,
    counters,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        for (const connection of connections) connection.end();
        server.close(() => resolve());
      });
      return stopped;
    },
  };
}

const definition: SimulatorDefinition = {
  kind: 'ssh',
  description:
    'SSH management service of a field device: hardened (modern algorithms, Ed25519 and ECDSA host keys, banner, lockout, idle timeout) or weak (SHA-1/CBC/3DES/MD5 algorithms, RSA-1024 and DSA host keys, admin/admin, a shared account, root login, no lockout, no banner, no idle timeout, no version); weak-<flaw> for one flaw',
  profiles: SSH_PROFILES,
  defaultProfile: 'hardened',
  start,
};

export default definition;
