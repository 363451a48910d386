import type { AuthenticationType, Client as SshClient, ClientChannel, ConnectConfig } from 'ssh2';
import { settleWithin, StepTimeoutError } from '../../core/net/deadline.js';

/**
 * Password logins over SSH, one attempt per connection, so each attempt is one entry in the device's log and one
 * failure at most in its lockout count. The client first asks with the "none" method, which servers answer with the
 * methods they allow (OpenSSH does not count it as a failure), then sends the password by the "password" method, or
 * by "keyboard-interactive" when that is the only password-like method offered.
 */

export type LoginOutcome =
  /** The password was accepted. */
  | 'accepted'
  /** The password was refused. */
  | 'refused'
  /** The server let the user in without any password ("none" accepted). */
  | 'accepted-without-password'
  /** The server offers neither password nor keyboard-interactive, so no password was sent. */
  | 'no-password-method'
  /** Only the methods were asked for (LoginOptions.password undefined): no password was sent. */
  | 'methods-only';

export interface LoginAttempt {
  username: string;
  outcome: LoginOutcome;
  /** The methods the server listed after the "none" request. */
  methodsOffered: string[];
  /** How the password was sent. */
  method?: 'password' | 'keyboard-interactive';
  /** The pre-authentication banner (SSH_MSG_USERAUTH_BANNER), if the server sent one. */
  banner?: string;
  /** From sending the password to the server's verdict: a slowed-down login shows here. */
  verdictMs?: number;
  /** Whether this attempt counts as a failed login at the device. */
  failedLogin: boolean;
}

export interface LoginOptions {
  host: string;
  port: number;
  username: string;
  /** Undefined: only ask which methods the server offers (and collect its banner); no password is sent. */
  password: string | undefined;
  /** For the whole attempt: connection, key exchange and authentication. */
  timeoutMs: number;
  signal?: AbortSignal;
}

interface Authenticated {
  attempt: LoginAttempt;
  client: SshClient;
}

async function authenticate(options: LoginOptions, keepOpen: boolean): Promise<Authenticated> {
  const { Client } = (await import('ssh2')).default;
  const client: SshClient = new Client();
  let banner: string | undefined;
  let methodsOffered: string[] = [];
  let method: LoginAttempt['method'];
  let sentAt: number | undefined;
  let triedNone = false;
  const attempt = (outcome: LoginOutcome): LoginAttempt => ({
    username: options.username,
    outcome,
    methodsOffered,
    ...(method ? { method } : {}),
    ...(banner !== undefined ? { banner } : {}),
    ...(sentAt !== undefined ? { verdictMs: Date.now() - sentAt } : {}),
    failedLogin: outcome === 'refused',
  });
  let outcome: LoginOutcome | undefined;
  try {
    return await settleWithin<Authenticated>(
      `SSH login as "${options.username}" at ${options.host}:${options.port}`,
      options.timeoutMs,
      options.signal,
      ({ resolve, reject }) => {
        client.on('banner', (message: string) => {
          banner = (banner ?? '') + message;
        });
        client.on('ready', () => {
          outcome = method ? 'accepted' : 'accepted-without-password';
          resolve({ attempt: attempt(outcome), client });
        });
        client.on('error', (error: Error & { level?: string }) => {
          if (error.level === 'client-authentication') {
            outcome = method ? 'refused' : options.password === undefined ? 'methods-only' : 'no-password-method';
            resolve({ attempt: attempt(outcome), client });
          } else reject(new Error(`SSH login at ${options.host}:${options.port} failed before a verdict: ${error.message}`));
        });
        client.on('close', () => reject(new Error(`${options.host}:${options.port} closed the SSH connection before answering the login${method ? '' : ' (no password was sent)'}`)));
        const config: ConnectConfig = {
          host: options.host,
          port: options.port,
          username: options.username,
          readyTimeout: options.timeoutMs,
          keepaliveInterval: 0,
          // The harness inventories host keys; it does not pin them.
          hostVerifier: () => true,
          authHandler: (methodsLeft: AuthenticationType[] | null, _partial: boolean, next: (method: unknown) => void) => {
            if (!triedNone) {
              triedNone = true;
              return next({ type: 'none', username: options.username });
            }
            if (method) return next(false);
            methodsOffered = methodsLeft ?? [];
            if (options.password === undefined) return next(false);
            const password = options.password;
            sentAt = Date.now();
            if (methodsOffered.includes('password')) {
              method = 'password';
              return next({ type: 'password', username: options.username, password });
            }
            if (methodsOffered.includes('keyboard-interactive')) {
              method = 'keyboard-interactive';
              let round = 0;
              return next({
                type: 'keyboard-interactive',
                username: options.username,
                // Only the first round is answered with the password; a second round means it was not taken.
                prompt: (_name: string, _instructions: string, _lang: string, prompts: unknown[], finish: (answers: string[]) => void) =>
                  finish(round++ === 0 ? prompts.map(() => password) : prompts.map(() => '')),
              });
            }
            sentAt = undefined;
            return next(false);
          },
        } as ConnectConfig;
        client.connect(config);
      },
      () => {
        if (!keepOpen || outcome !== 'accepted') client.end();
      },
    );
  } catch (error) {
    client.end();
    throw error;
  }
}

/** One password login on a connection of its own; the connection is closed afterwards. */
export async function attemptPasswordLogin(options: LoginOptions & { password: string }): Promise<LoginAttempt> {
  return (await authenticate(options, false)).attempt;
}

/**
 * Asks the server which authentication methods it offers, by the "none" method only, and collects the banner it
 * shows before authentication. No password is sent, so no failed login is counted anywhere.
 */
export async function probeAuthentication(options: Omit<LoginOptions, 'password'>): Promise<LoginAttempt> {
  return (await authenticate({ ...options, password: undefined }, false)).attempt;
}

export interface IdleObservation {
  attempt: LoginAttempt;
  /** Whether the server ended the idle session within the wait. */
  ended: boolean;
  /** How long the session stayed open without traffic. */
  idleMs: number;
  /** "channel closed", "connection closed" or why the session never opened. */
  how?: string;
}

export interface IdleOptions extends LoginOptions {
  password: string;
  /** How long to stay idle at most before concluding that the server does not end the session. */
  maxIdleMs: number;
}

/**
 * Logs in, opens an interactive session (a shell without a terminal) and then sends nothing at all, watching for the
 * server to close the session channel or the connection. Keepalives are off, so only the server's own idle timer can
 * end it. The wait is bounded by maxIdleMs and the signal.
 */
export async function observeIdleSession(options: IdleOptions): Promise<IdleObservation> {
  const { attempt, client } = await authenticate(options, true);
  if (attempt.outcome !== 'accepted' && attempt.outcome !== 'accepted-without-password') {
    client.end();
    return { attempt, ended: false, idleMs: 0, how: `login ${attempt.outcome}` };
  }
  try {
    const channel = await settleWithin<ClientChannel>(
      `SSH session channel at ${options.host}:${options.port}`,
      options.timeoutMs,
      options.signal,
      ({ resolve, reject }) => client.shell(false, (error, stream) => (error ? reject(new Error(`the server refused a shell session: ${error.message}`)) : resolve(stream))),
      () => undefined,
    );
    channel.on('data', () => undefined);
    channel.stderr.on('data', () => undefined);
    const idleFrom = Date.now();
    try {
      const how = await settleWithin<string>(
        'idle session',
        options.maxIdleMs,
        options.signal,
        ({ resolve }) => {
          channel.once('close', () => resolve('channel closed'));
          client.once('close', () => resolve('connection closed'));
          client.once('end', () => resolve('connection closed'));
        },
        () => undefined,
      );
      return { attempt, ended: true, idleMs: Date.now() - idleFrom, how };
    } catch (error) {
      if (error instanceof StepTimeoutError && !options.signal?.aborted) return { attempt, ended: false, idleMs: Date.now() - idleFrom };
      throw error;
    }
  } finally {
    client.end();
  }
}
