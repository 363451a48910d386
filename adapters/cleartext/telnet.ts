import { Socket } from 'node:net';
import { settleWithin, StepTimeoutError } from '../../core/net/deadline.js';

/**
 * Is this TCP port a Telnet service? Telnet servers either open with option negotiation (IAC WILL/WONT/DO/DONT) or
 * print a login prompt. The probe answers every negotiation with a refusal (WONT/DONT), as a minimal client does,
 * so servers that wait for answers go on to their prompt, and sends one empty line if the server stays quiet. It
 * never sends a user name or password.
 */

const IAC = 0xff;
const WILL = 0xfb;
const WONT = 0xfc;
const DO = 0xfd;
const DONT = 0xfe;
const VERBS: Record<number, string> = { [WILL]: 'WILL', [WONT]: 'WONT', [DO]: 'DO', [DONT]: 'DONT' };
const OPTIONS: Record<number, string> = { 0: 'BINARY', 1: 'ECHO', 3: 'SUPPRESS-GO-AHEAD', 5: 'STATUS', 24: 'TERMINAL-TYPE', 31: 'NAWS', 32: 'TERMINAL-SPEED', 33: 'LINEMODE', 34: 'LINEMODE', 35: 'X-DISPLAY', 36: 'ENVIRON', 39: 'NEW-ENVIRON' };
const LOGIN_PROMPT = /(login|user(name)?|password)\s*:\s*$/im;
const MAX_BYTES = 8192;

export interface TelnetProbe {
  port: number;
  /** True when the port negotiated Telnet options or showed a login prompt. */
  telnet: boolean;
  /** Negotiations received, e.g. "DO TERMINAL-TYPE", "WILL ECHO". */
  negotiation: string[];
  /** The printable text received, at most 200 characters. */
  text: string;
  loginPrompt: boolean;
  note: string;
}

export interface ProbeOptions {
  host: string;
  port: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Splits Telnet commands from text and builds the refusals a minimal client sends. */
export function readTelnet(bytes: Buffer): { text: string; negotiation: string[]; replies: Buffer } {
  const text: number[] = [];
  const negotiation: string[] = [];
  const replies: number[] = [];
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index]!;
    if (byte !== IAC) {
      text.push(byte);
      continue;
    }
    const command = bytes[index + 1];
    if (command === undefined) break;
    if (command >= WILL && command <= DONT) {
      const option = bytes[index + 2];
      if (option === undefined) break;
      negotiation.push(`${VERBS[command]} ${OPTIONS[option] ?? option}`);
      replies.push(IAC, command === WILL || command === WONT ? DONT : WONT, option);
      index += 2;
    } else if (command === 0xfa) {
      // Sub-negotiation: skip to IAC SE.
      const end = bytes.indexOf(Buffer.from([IAC, 0xf0]), index + 2);
      index = end < 0 ? bytes.length : end + 1;
    } else {
      index += 1;
    }
  }
  return { text: Buffer.from(text).toString('latin1'), negotiation, replies: Buffer.from(replies) };
}

const printable = (text: string) => text.replace(/\r?\n/g, ' | ').replace(/[^\x20-\x7e]+/g, '.').trim().slice(0, 200);

export function probeTelnet(options: ProbeOptions): Promise<TelnetProbe> {
  const socket = new Socket();
  const received: Buffer[] = [];
  let nudged = false;
  let connected = false;
  let nudgeTimer: NodeJS.Timeout | undefined;
  const observe = (note: string): TelnetProbe => {
    const { text, negotiation } = readTelnet(Buffer.concat(received));
    const loginPrompt = LOGIN_PROMPT.test(text);
    return { port: options.port, telnet: negotiation.length > 0 || loginPrompt, negotiation: [...new Set(negotiation)], text: printable(text), loginPrompt, note };
  };
  return settleWithin<TelnetProbe>(
    `Telnet probe of ${options.host}:${options.port}`,
    options.timeoutMs,
    options.signal,
    ({ resolve, reject }) => {
      socket.once('connect', () => {
        connected = true;
        // Quiet servers (some wait for a key press) get one empty line after a third of the time.
        nudgeTimer = setTimeout(() => {
          nudged = true;
          socket.write('\r\n');
        }, options.timeoutMs / 3);
      });
      socket.on('data', (chunk: Buffer) => {
        received.push(chunk);
        const all = Buffer.concat(received);
        const { replies, text } = readTelnet(chunk);
        if (replies.length > 0 && socket.writable) socket.write(replies);
        if (LOGIN_PROMPT.test(readTelnet(all).text) || all.length > MAX_BYTES) resolve(observe(nudged ? 'after an empty line' : 'sent unasked'));
        else if (text.trim().length > 0 && !nudged) {
          clearTimeout(nudgeTimer);
          nudgeTimer = setTimeout(() => resolve(observe('sent unasked')), 300);
        }
      });
      socket.once('close', () => resolve(observe(received.length ? 'then closed' : 'closed without a word')));
      socket.once('error', (error: NodeJS.ErrnoException) => reject(new Error(`Telnet probe of ${options.host}:${options.port} failed: ${error.code ?? error.message}`)));
      socket.connect({ host: options.host, port: options.port });
    },
    () => {
      clearTimeout(nudgeTimer);
      socket.destroy();
    },
  ).catch((error: unknown) => {
    // A port that stays silent to the end is an observation about that port, not a failure of the probe.
    if (error instanceof StepTimeoutError && !options.signal?.aborted && connected) return observe(`silent for ${options.timeoutMs} ms`);
    throw error;
  });
}
