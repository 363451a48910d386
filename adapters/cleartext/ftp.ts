import { Socket } from 'node:net';
import { settleWithin } from '../../core/net/deadline.js';
import type { ProbeOptions } from './telnet.js';

/**
 * Is this TCP port an FTP server, and does it take a login in clear? The probe reads the 220 greeting, then (only when
 * asked to) sends USER and, if a password is requested and one is given, PASS, and QUITs. It lists no directory and
 * transfers nothing. A server that demands TLS before USER is recorded as such.
 */

export interface FtpReply {
  code: number;
  text: string;
}

export type LoginOutcome = 'accepted' | 'refused' | 'tls-required' | 'not-tried' | 'password-requested';

export interface FtpProbe {
  port: number;
  ftp: boolean;
  greeting?: FtpReply;
  /** What USER (and PASS, when a password was given) brought. */
  login: LoginOutcome;
  /** The dialogue, commands prefixed with "> " and replies with "< ". */
  transcript: string[];
}

export const ANONYMOUS_USER = 'anonymous';
export const ANONYMOUS_PASSWORD = 'iec62443-harness@example.invalid';

/** Reads complete replies (RFC 959 4.2: "123-" opens a multi-line reply that "123 " closes). */
export function takeReplies(buffer: string): { replies: FtpReply[]; rest: string } {
  const replies: FtpReply[] = [];
  let rest = buffer;
  for (;;) {
    const first = /^(\d{3})([ -])/.exec(rest);
    if (!first) break;
    const closing = first[2] === ' ' ? new RegExp('^.*\\r?\\n') : new RegExp(`^[\\s\\S]*?(?:^|\\n)${first[1]} .*\\r?\\n`);
    const match = closing.exec(rest);
    if (!match) break;
    replies.push({ code: Number(first[1]), text: match[0].trim().replace(/\r?\n/g, ' | ').slice(0, 200) });
    rest = rest.slice(match[0].length);
  }
  return { replies, rest };
}

/**
 * user: the name to send (none: read the greeting only); password: sent when the server asks for one; without it the
 * probe stops at the answer to USER (331 "password-requested" shows the server takes a login in clear).
 */
export function probeFtp(options: ProbeOptions & { user?: string; password?: string }): Promise<FtpProbe> {
  const socket = new Socket();
  const transcript: string[] = [];
  let buffer = '';
  let greeting: FtpReply | undefined;
  let stage: 'greeting' | 'user' | 'pass' | 'quit' = 'greeting';
  const send = (line: string, shown = line) => {
    transcript.push(`> ${shown}`);
    socket.write(`${line}\r\n`);
  };
  return settleWithin<FtpProbe>(
    `FTP probe of ${options.host}:${options.port}`,
    options.timeoutMs,
    options.signal,
    ({ resolve, reject }) => {
      const done = (login: LoginOutcome) => {
        if (socket.writable && stage !== 'quit') {
          stage = 'quit';
          send('QUIT');
        }
        resolve({ port: options.port, ftp: greeting !== undefined, ...(greeting ? { greeting } : {}), login, transcript });
      };
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => {
        buffer += chunk;
        const taken = takeReplies(buffer);
        buffer = taken.rest;
        if (buffer.length > 8192) return reject(new Error(`${options.host}:${options.port} sent more than 8 KiB without a complete FTP reply`));
        for (const reply of taken.replies) {
          transcript.push(`< ${reply.text}`);
          if (stage === 'greeting') {
            // 120 means "ready in a few minutes"; the final greeting follows.
            if (reply.code === 120) continue;
            if (reply.code !== 220) return done('not-tried');
            greeting = reply;
            if (options.user === undefined) return done('not-tried');
            stage = 'user';
            send(`USER ${options.user}`);
          } else if (stage === 'user') {
            if (reply.code === 230) return done('accepted');
            if (reply.code === 331 || reply.code === 332) {
              if (options.password === undefined) return done('password-requested');
              stage = 'pass';
              send(`PASS ${options.password}`, options.password === ANONYMOUS_PASSWORD ? undefined : 'PASS ***');
            } else return done(/tls|ssl|secur|encrypt/i.test(reply.text) || reply.code === 534 ? 'tls-required' : 'refused');
          } else if (stage === 'pass') {
            return done(reply.code === 230 || reply.code === 202 ? 'accepted' : 'refused');
          }
        }
      });
      socket.once('close', () => {
        if (stage === 'greeting' && !greeting) reject(new Error(`${options.host}:${options.port} closed without an FTP greeting${buffer ? ` (sent ${JSON.stringify(buffer.slice(0, 60))})` : ''}`));
        else done(stage === 'user' || stage === 'pass' ? 'refused' : 'not-tried');
      });
      socket.once('error', (error: NodeJS.ErrnoException) => reject(new Error(`FTP probe of ${options.host}:${options.port} failed: ${error.code ?? error.message}`)));
      socket.connect({ host: options.host, port: options.port });
    },
    () => socket.end(),
  );
}
