import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, randomLoopbackHost } from '../../core/net/loopback.js';

/**
 * Independent implementations from Debian for the SSH, SNMP and FTP checks to meet (rule 3): OpenSSH's sshd,
 * net-snmp's snmpd and vsftpd, each started on a random 127.x address with a generated configuration in a temporary folder
 * and stopped afterwards. By hand, the same is:
 *
 *   ssh-keygen -q -t ed25519 -N '' -f /tmp/t/hostkey
 *   printf 'ListenAddress 127.77.1.2:2222\nHostKey /tmp/t/hostkey\nPidFile /tmp/t/sshd.pid\n' > /tmp/t/sshd_config
 *   mkdir -p /run/sshd && /usr/sbin/sshd -D -e -f /tmp/t/sshd_config          (root; every path absolute)
 *
 *   printf '[snmp] persistentDir /tmp/s\ncreateUser mon SHA-256 authpass123 AES privpass123\nrouser mon priv\n' > /tmp/s/snmpd.conf
 *   /usr/sbin/snmpd -f -Lo -C -c /tmp/s/snmpd.conf -p /tmp/s/snmpd.pid udp:127.77.1.3:1161
 *
 * Packages: openssh-server (sshd, ssh-keygen), snmpd and snmp, vsftpd (.ci/run installs them). Tests skip with a line saying
 * why where they are missing or where sshd cannot run (it needs root for privilege separation and password logins).
 */

export const SSHD = '/usr/sbin/sshd';
export const SNMPD = '/usr/sbin/snmpd';

export function sshdUnavailable(): string | undefined {
  if (!existsSync(SSHD)) return `${SSHD} is not installed (apt-get install openssh-server)`;
  if (process.getuid?.() !== 0) return 'sshd needs root for privilege separation and password logins';
  return undefined;
}

export function snmpdUnavailable(): string | undefined {
  return existsSync(SNMPD) ? undefined : `${SNMPD} is not installed (apt-get install snmpd)`;
}

export interface RunningDaemon {
  host: string;
  port: number;
  dir: string;
  /** What the daemon printed, for assertion messages. */
  output(): string;
  stop(): Promise<void>;
}

function spawnDaemon(command: string, args: string[], dir: string, host: string, port: number, ready: (output: string) => Promise<boolean>, cleanup: () => void): Promise<RunningDaemon> {
  const child: ChildProcess = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exit;
      clearTimeout(killer);
    }
    cleanup();
    rmSync(dir, { recursive: true, force: true });
  };
  return (async () => {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (exited) break;
      if (await ready(output)) return { host, port, dir, output: () => output, stop };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await stop();
    throw new Error(`${command} did not start: ${output.slice(-800)}`);
  })();
}

export interface SshdOptions {
  /** Lines added to the generated sshd_config (after ListenAddress, HostKey, PidFile). */
  config?: string[];
  /** Host key types to generate: ed25519 (default), ecdsa, rsa:<bits>. */
  hostKeys?: string[];
  banner?: string;
  /** Local accounts to create for the test (removed on stop); passwords set with chpasswd. */
  users?: Array<{ username: string; password: string }>;
}

/** Starts Debian's sshd with a generated configuration; create accounts only where the test needs logins. */
export async function startSshd(options: SshdOptions = {}): Promise<RunningDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'iec62443-sshd-'));
  const host = randomLoopbackHost();
  const port = await freePort(host);
  const keyLines = (options.hostKeys ?? ['ed25519']).map((spec, index) => {
    const [type, bits] = spec.split(':');
    const file = join(dir, `host_key_${index}_${type}`);
    execFileSync('ssh-keygen', ['-q', '-t', type!, ...(bits ? ['-b', bits] : []), '-N', '', '-f', file]);
    return `HostKey ${file}`;
  });
  const lines = [`ListenAddress ${host}:${port}`, ...keyLines, `PidFile ${join(dir, 'sshd.pid')}`, 'LogLevel VERBOSE'];
  if (options.banner) {
    writeFileSync(join(dir, 'banner'), `${options.banner}\n`);
    lines.push(`Banner ${join(dir, 'banner')}`);
  }
  lines.push(...(options.config ?? []));
  writeFileSync(join(dir, 'sshd_config'), `${lines.join('\n')}\n`);
  mkdirSync('/run/sshd', { recursive: true });
  const created: string[] = [];
  for (const user of options.users ?? []) {
    execFileSync('useradd', ['--no-create-home', '--shell', '/bin/sh', '--home-dir', dir, user.username]);
    created.push(user.username);
    execFileSync('chpasswd', { input: `${user.username}:${user.password}\n` });
  }
  const removeUsers = () => {
    for (const username of created) {
      try {
        execFileSync('userdel', [username], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    }
  };
  const listening = () =>
    new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once('data', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
      socket.setTimeout(500, () => (socket.destroy(), resolve(false)));
      socket.connect(port, host);
    });
  try {
    return await spawnDaemon(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], dir, host, port, listening, removeUsers);
  } catch (error) {
    removeUsers();
    throw error;
  }
}

/** A user name for a test account that no real account has. */
export const testUsername = (prefix: string) => `${prefix}${randomBytes(3).toString('hex')}`;

/** A free UDP port on host a moment ago. */
function freeUdpPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, host, () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

export interface SnmpdOptions {
  /** snmpd.conf lines (createUser, rouser, rocommunity, sysDescr, …); persistentDir is set to the temp folder. */
  config: string[];
}

/** Starts Debian's snmpd in the foreground on a random loopback address and UDP port, reading only our config. */
export async function startSnmpd(options: SnmpdOptions): Promise<RunningDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'iec62443-snmpd-'));
  const host = randomLoopbackHost();
  const port = await freeUdpPort(host);
  const config = [`[snmp] persistentDir ${dir}`, ...options.config];
  writeFileSync(join(dir, 'snmpd.conf'), `${config.join('\n')}\n`);
  return spawnDaemon(
    SNMPD,
    ['-f', '-Lo', '-C', '-c', join(dir, 'snmpd.conf'), '-p', join(dir, 'snmpd.pid'), `udp:${host}:${port}`],
    dir,
    host,
    port,
    // snmpd prints its version line once its sockets are bound.
    async (output) => /NET-SNMP version/.test(output),
    () => undefined,
  );
}

export const VSFTPD = '/usr/sbin/vsftpd';

export function vsftpdUnavailable(): string | undefined {
  if (!existsSync(VSFTPD)) return `${VSFTPD} is not installed (apt-get install vsftpd)`;
  if (process.getuid?.() !== 0) return 'vsftpd in standalone mode needs root';
  return undefined;
}

export interface VsftpdOptions {
  /** vsftpd.conf lines added after the standalone settings (anonymous_enable, local_enable, ssl_enable, …). */
  config: string[];
}

/**
 * Starts Debian's vsftpd in the foreground on a random loopback address, reading only our config (by hand:
 * `vsftpd /tmp/f/vsftpd.conf` with listen=YES, listen_address, listen_port and background=NO). Sandboxing that needs
 * namespaces is off so it runs in containers too; the anonymous root is an empty folder the ftp user can read.
 */
export async function startVsftpd(options: VsftpdOptions): Promise<RunningDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'iec62443-vsftpd-'));
  const host = randomLoopbackHost();
  const port = await freePort(host);
  const anonRoot = join(dir, 'anon');
  mkdirSync(anonRoot, { mode: 0o755 });
  chmodSync(dir, 0o755);
  const lines = [
    'listen=YES',
    'listen_ipv6=NO',
    `listen_address=${host}`,
    `listen_port=${port}`,
    'background=NO',
    'secure_chroot_dir=/var/run/vsftpd/empty',
    `anon_root=${anonRoot}`,
    'seccomp_sandbox=NO',
    'isolate=NO',
    'isolate_network=NO',
    'xferlog_enable=NO',
    ...options.config,
  ];
  writeFileSync(join(dir, 'vsftpd.conf'), `${lines.join('\n')}\n`);
  const greets = () =>
    new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once('data', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
      socket.setTimeout(500, () => (socket.destroy(), resolve(false)));
      socket.connect(port, host);
    });
  return spawnDaemon(VSFTPD, [join(dir, 'vsftpd.conf')], dir, host, port, greets, () => undefined);
}
