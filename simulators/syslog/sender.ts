import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { WebAuditEvent } from '../web/device.js';

/**
 * How a simulated device sends its audit records to a syslog collector, the way embedded stacks do: UDP datagrams,
 * or a TCP/TLS connection it keeps open and reopens, with octet-counted frames (RFC 6587, RFC 5425). A hardened
 * device writes RFC 5424 records with a UTC time stamp and the event as structured data, and keeps what it could not
 * send while the collector is away; each flaw spoils one of these.
 */

export const SENDER_FLAWS = {
  'no-records': 'sends no audit records at all',
  'free-text': 'RFC 5424 header, but the event (user, outcome, source) only as prose, no structured data',
  'no-user': 'records name neither the user nor the outcome',
  'no-zone': 'time stamps in local time without a zone or offset',
  'clock-off': 'the device clock runs 7 minutes ahead',
  'no-buffer': 'records made while the collector is unreachable are dropped',
  'no-ntp': 'never asks its configured time source for the time',
} as const;

export type SenderFlaw = keyof typeof SENDER_FLAWS;

export interface SenderOptions {
  collector: { host: string; port: number; transport: 'udp' | 'tcp' | 'tls' };
  /** The device's own address: records leave from it. */
  localAddress: string;
  hostname: string;
  appName: string;
  flaws: ReadonlySet<SenderFlaw>;
}

const CLOCK_OFF_MS = 7 * 60 * 1000;
/** A device keeps its connection to the collector up: it retries soon, then less often, up to every second. */
const RECONNECT_MS = 200;
const RECONNECT_MAX_MS = 1_000;
const CONNECT_TIMEOUT_MS = 2_000;
/** What a device keeps while the collector is away; the oldest go first beyond it. */
const BUFFER_RECORDS = 1_000;
/** authpriv (10): security and authorisation messages. */
const FACILITY = 10;

const escapeParam = (value: string) => value.replace(/[\\"\]]/g, (char) => `\\${char}`);
const pad = (value: number, width = 2) => String(value).padStart(width, '0');

function localStamp(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

export function formatRecord(event: WebAuditEvent, options: Pick<SenderOptions, 'hostname' | 'appName' | 'flaws'>, now = new Date()): string {
  const { flaws } = options;
  const clock = new Date(now.getTime() + (flaws.has('clock-off') ? CLOCK_OFF_MS : 0));
  const stamp = flaws.has('no-zone') ? localStamp(clock) : clock.toISOString();
  const severity = event.outcome === 'failure' ? 4 : 6;
  const msgId = `${event.category.toUpperCase()}_${event.outcome.toUpperCase()}`;
  const who = flaws.has('no-user') ? '' : ` for user ${event.user ?? '(anonymous)'}`;
  const what = event.category === 'login' ? `login ${flaws.has('no-user') ? 'attempt' : event.outcome === 'success' ? 'succeeded' : 'failed'}` : `${event.action} ${flaws.has('no-user') ? 'requested' : event.outcome === 'success' ? 'allowed' : 'denied'}`;
  const prose = `${what}${who}${event.client ? ` from ${event.client}` : ''}`;
  const params: Record<string, string | undefined> = flaws.has('no-user')
    ? { category: event.category, action: event.action, src: event.client }
    : { category: event.category, action: event.action, outcome: event.outcome, user: event.user, src: event.client, reason: event.reason };
  const data = flaws.has('free-text')
    ? '-'
    : `[audit@32473${Object.entries(params)
        .filter(([, value]) => value !== undefined)
        .map(([name, value]) => ` ${name}="${escapeParam(value!)}"`)
        .join('')}]`;
  return `<${FACILITY * 8 + severity}>1 ${stamp} ${options.hostname} ${options.appName} ${process.pid} ${flaws.has('no-user') ? event.category.toUpperCase() : msgId} ${data} ${prose}`;
}

export class AuditSender {
  private readonly queue: string[] = [];
  private udp?: UdpSocket;
  private stream?: Socket;
  private connecting = false;
  private retry?: NodeJS.Timeout;
  private stopped = false;
  private backoffMs = RECONNECT_MS;
  /** Records sent, and records dropped (buffer full, or the no-buffer flaw). */
  readonly stats = { sent: 0, dropped: 0, connections: 0 };

  constructor(private readonly options: SenderOptions) {}

  /** Opens the connection a TCP or TLS sender keeps; nothing for UDP. */
  start(): void {
    if (this.options.collector.transport !== 'udp' && !this.options.flaws.has('no-records')) this.connect();
  }

  record(event: WebAuditEvent): void {
    if (this.stopped || this.options.flaws.has('no-records')) return;
    const record = formatRecord(event, this.options);
    if (this.options.collector.transport === 'udp') return this.datagram(record);
    if (!this.stream && this.options.flaws.has('no-buffer')) {
      this.stats.dropped++;
      return;
    }
    this.queue.push(record);
    if (this.queue.length > BUFFER_RECORDS) {
      this.queue.shift();
      this.stats.dropped++;
    }
    this.flush();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    this.stream?.destroy();
    const udp = this.udp;
    this.udp = undefined;
    if (udp) await new Promise<void>((resolve) => udp.close(() => resolve()));
  }

  private datagram(record: string): void {
    if (!this.udp) {
      const socket = createSocket('udp4');
      socket.on('error', () => undefined);
      socket.bind(0, this.options.localAddress);
      this.udp = socket;
    }
    this.udp.send(record, this.options.collector.port, this.options.collector.host, (error) => {
      if (error) this.stats.dropped++;
      else this.stats.sent++;
    });
  }

  private flush(): void {
    if (!this.stream) return this.connect();
    while (this.queue.length > 0) {
      const record = this.queue.shift()!;
      this.stream.write(`${Buffer.byteLength(record)} ${record}`);
      this.stats.sent++;
    }
  }

  private connect(): void {
    if (this.connecting || this.stream || this.stopped || this.retry) return;
    this.connecting = true;
    const { host, port, transport } = this.options.collector;
    const localAddress = this.options.localAddress;
    // The simulated device trusts any collector certificate: the harness makes its own for the run.
    const plain = new Socket().connect({ host, port, localAddress });
    const socket = transport === 'tls' ? connectTls({ socket: plain, rejectUnauthorized: false }) : plain;
    const timer = setTimeout(() => socket.destroy(), CONNECT_TIMEOUT_MS);
    socket.once(transport === 'tls' ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      this.connecting = false;
      this.stream = socket;
      this.backoffMs = RECONNECT_MS;
      this.stats.connections++;
      this.flush();
    });
    plain.on('error', () => undefined);
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    socket.once('close', () => {
      clearTimeout(timer);
      this.connecting = false;
      if (this.stream === socket) this.stream = undefined;
      if (this.stopped) return;
      this.retry = setTimeout(() => {
        this.retry = undefined;
        this.connect();
      }, this.backoffMs);
      this.backoffMs = Math.min(RECONNECT_MAX_MS, this.backoffMs * 2);
    });
  }
}
