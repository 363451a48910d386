import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, randomLoopbackHost } from '../../core/net/loopback.js';

/**
 * Debian's lighttpd as an independent web server for the HTTP adapter and checks: a generated configuration in a temp
 * folder, bound to a random 127.x address and a free port, run in the foreground (-D) and stopped by its process id.
 * Install it with `apt-get install -y lighttpd` (.ci/run does).
 */

export const LIGHTTPD = '/usr/sbin/lighttpd';

export interface LighttpdUser {
  username: string;
  password: string;
}

export interface LighttpdOptions {
  /** Plain-text users of mod_authn_file's "plain" backend, which serves Basic and Digest alike. */
  users?: LighttpdUser[];
  /** Folders (with a trailing "/") behind authentication. */
  protect?: Array<{ path: string; method: 'basic' | 'digest'; algorithms?: Array<'MD5' | 'SHA-256'>; realm?: string; users?: string[] }>;
  /** Files to serve, relative to the document root (folders are created). */
  files?: Record<string, string>;
  dirListing?: boolean;
  /** The Server header; lighttpd's default names its version. */
  serverTag?: string;
}

export interface RunningLighttpd {
  host: string;
  port: number;
  url: string;
  dir: string;
  stop(): Promise<void>;
}

/** Why lighttpd cannot be used here, or undefined when it can. */
export function lighttpdUnavailable(): string | undefined {
  if (!existsSync(LIGHTTPD)) return `${LIGHTTPD} is not installed (apt-get install -y lighttpd)`;
  const version = spawnSync(LIGHTTPD, ['-v'], { encoding: 'utf8' });
  return version.status === 0 ? undefined : `${LIGHTTPD} -v failed: ${version.stderr.trim()}`;
}

const quote = (text: string) => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

function configuration(options: LighttpdOptions, dir: string, host: string, port: number): string {
  const lines = [
    `server.document-root = ${quote(join(dir, 'www'))}`,
    `server.bind = ${quote(host)}`,
    `server.port = ${port}`,
    `server.errorlog = ${quote(join(dir, 'error.log'))}`,
    `server.modules = ("mod_auth", "mod_authn_file", "mod_dirlisting")`,
    `index-file.names = ("index.html")`,
    `mimetype.assign = (".html" => "text/html", ".css" => "text/css", ".txt" => "text/plain")`,
    `dir-listing.activate = ${quote(options.dirListing ? 'enable' : 'disable')}`,
  ];
  if (options.serverTag !== undefined) lines.push(`server.tag = ${quote(options.serverTag)}`);
  if (options.protect?.length) {
    lines.push(`auth.backend = "plain"`, `auth.backend.plain.userfile = ${quote(join(dir, 'users'))}`);
    const rules = options.protect.map((rule) => {
      const require = rule.users ? rule.users.map((user) => `user=${user}`).join('|') : 'valid-user';
      const fields = [`"method" => ${quote(rule.method)}`, `"realm" => ${quote(rule.realm ?? 'PLC web')}`, `"require" => ${quote(require)}`];
      if (rule.algorithms) fields.push(`"algorithm" => ${quote(rule.algorithms.join('|'))}`);
      return `${quote(rule.path)} => ( ${fields.join(', ')} )`;
    });
    lines.push(`auth.require = ( ${rules.join(',\n  ')} )`);
  }
  return `${lines.join('\n')}\n`;
}

function waitForPort(host: string, port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) return reject(new Error(`lighttpd exited with code ${child.exitCode}`));
      const socket = connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`lighttpd did not listen on ${host}:${port} within ${timeoutMs} ms`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export async function startLighttpd(options: LighttpdOptions = {}): Promise<RunningLighttpd> {
  const dir = mkdtempSync(join(tmpdir(), 'iec62443-lighttpd-'));
  const host = randomLoopbackHost();
  const port = await freePort(host);
  mkdirSync(join(dir, 'www'), { recursive: true });
  for (const [file, content] of Object.entries(options.files ?? { 'index.html': '<!doctype html><title>lighttpd</title><p>It works.</p>\n' })) {
    const path = join(dir, 'www', file);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content);
  }
  writeFileSync(join(dir, 'users'), (options.users ?? []).map((user) => `${user.username}:${user.password}\n`).join(''), { mode: 0o600 });
  const configFile = join(dir, 'lighttpd.conf');
  writeFileSync(configFile, configuration(options, dir, host, port));
  const check = spawnSync(LIGHTTPD, ['-tt', '-f', configFile], { encoding: 'utf8' });
  if (check.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`lighttpd refused the generated configuration: ${(check.stderr || check.stdout).trim()}`);
  }
  const child = spawn(LIGHTTPD, ['-D', '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => child.kill('SIGKILL'), 3_000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(host, port, child, 5_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { host, port, url: `http://${host}:${port}/`, dir, stop };
}
