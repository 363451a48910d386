import { readFileSync } from 'node:fs';
import type { CheckContext } from '../../core/check.js';
import type { ComponentInterface } from '../../core/protocol.js';
import { protocolDefinitions } from '../../core/protocol.js';
import type { AdminAction, HttpEndpoint } from '../http/endpoint.js';
import { randomPassword, unknownUserName, webTarget, type WebTarget } from '../http/target.js';
import type { HttpSession } from '../http/session.js';
import { issueCertificate } from '../pki/certificates.js';
import { testKeyPem } from '../pki/store.js';
import { CollectorBindError, SyslogCollector, type ReceivedRecord } from './collector.js';
import { listenAddress, type SyslogEndpoint } from './endpoint.js';
import { eventFields, recordText } from './parse.js';

/**
 * What the syslog checks share: the collector opened where the profile says for the time of one check (and closed
 * when it ends, also on abort), security events caused through the device's other interfaces, and the matching of
 * each event to its record by time window and content.
 */

/** A connection the device holds open with nothing to say is closed after this long; it reconnects when it has more. */
const IDLE_TIMEOUT_MS = 120_000;
/** Both times are the harness's clock; a record may only seem early by the event loop's delay in noting the start. */
const EARLY_MS = 50;

export function syslogEndpoint(ctx: CheckContext): SyslogEndpoint {
  return ctx.interface.endpoint as SyslogEndpoint;
}

/** Opens the collector; an address that cannot be bound is an error naming the profile field. */
export async function openCollector(ctx: CheckContext): Promise<SyslogCollector> {
  const endpoint = syslogEndpoint(ctx);
  checkSources(ctx);
  const { host, port } = listenAddress(endpoint);
  let tls: { key: string; cert: string } | undefined;
  if (endpoint.transport === 'tls') {
    if (endpoint.tls) {
      tls = { key: readFileSync(endpoint.tls.keyFile, 'utf8'), cert: readFileSync(endpoint.tls.certFile, 'utf8') };
    } else {
      const certificate = issueCertificate({ commonName: host, organization: 'iec62443-harness syslog collector', san: { ips: [host] }, extKeyUsage: ['serverAuth'], keyPem: testKeyPem('syslog-collector') });
      tls = { key: certificate.keyPem, cert: certificate.certPem };
      ctx.log('collector presents a self-signed certificate made for this run (endpoints.syslog.tls not given)');
    }
  }
  try {
    const collector = await SyslogCollector.open({ host, port, transport: endpoint.transport, idleTimeoutMs: IDLE_TIMEOUT_MS, acceptFrom: ctx.host, ...(tls ? { tls } : {}), log: (line) => ctx.log(line) });
    // An aborted run (Ctrl-C, the check's timeout) closes the collector at once, whatever the check is waiting on.
    ctx.signal.addEventListener('abort', () => void collector.close(), { once: true });
    ctx.log(`collector listening on ${collector.address}, keeping records from ${ctx.host} only`);
    // A device reconnects on its own schedule; events caused before it is back would test its buffer, not its auditing.
    if (endpoint.transport !== 'udp') {
      const began = Date.now();
      const connected = await ctx.step(`wait up to ${endpoint.recordWithinS} s for the device to connect`, () => collector.waitForConnection(endpoint.recordWithinS * 1000, ctx.signal));
      ctx.designedWait(Date.now() - began, "the device's reconnect schedule: it connects to the collector when it next tries");
      if (!connected) ctx.log(`the device did not connect to ${collector.address} within ${endpoint.recordWithinS} s`);
    }
    return collector;
  } catch (error) {
    if (error instanceof CollectorBindError) throw new Error(`endpoints.syslog.listen: ${error.message}`);
    throw error;
  }
}

export type EventKind = 'failed-login' | 'refused-write';

/** A security event the harness caused, and what it expects the record to name. */
export interface CausedEvent {
  interface: string;
  kind: EventKind;
  /** For people: 'failed login as unknown user "nouser-1a2b"'. */
  action: string;
  user: string;
  /** What the device answered, showing the event happened (the login or write was refused). */
  answer: string;
  startedAt: Date;
  endedAt: Date;
}

/** Words of a record's category, per kind of event. */
const CATEGORY: Record<EventKind, RegExp> = {
  'failed-login': /log ?[io]n|logon|auth|session|password|credential/i,
  'refused-write': /write|authori[sz]|permission|access|forbidden|denied|settings|admin|identify|config/i,
};
const FAILURE = /fail|denied|refus|reject|invalid|unsuccess|forbidden|wrong|bad |locked|false|error/i;

export type RecordField = 'time' | 'source' | 'category' | 'outcome' | 'user';
export const RECORD_FIELDS: readonly RecordField[] = ['time', 'source', 'category', 'outcome', 'user'];

export interface EventMatch {
  event: CausedEvent;
  record?: ReceivedRecord;
  /** Seconds from the end of the event to the record's arrival. */
  delayS?: number;
  present: RecordField[];
  missing: RecordField[];
}

function fieldsOf(record: ReceivedRecord, event: CausedEvent): RecordField[] {
  const text = recordText(record.record);
  const fields = eventFields(record.record);
  const outcomeValue = fields.outcome ?? fields.result ?? fields.status ?? fields.Keywords;
  const present: RecordField[] = [];
  if (record.record.timestamp) present.push('time');
  if (record.record.hostname || record.record.appName) present.push('source');
  if (CATEGORY[event.kind].test(text)) present.push('category');
  if (outcomeValue ? FAILURE.test(outcomeValue) : FAILURE.test(record.record.message)) present.push('outcome');
  if (text.includes(event.user)) present.push('user');
  return present;
}

/**
 * Each event's record: among the records that arrived from just before the event began until `withinMs` after it
 * ended, not already taken by another event nor naming another event's user, the one that names the user (the
 * harness's unknown user names are unique to the event), else the one of the event's category; the better match wins,
 * the earlier on a tie. Pass every event of the check, so that each record is attributed once.
 */
export function matchEvents(events: readonly CausedEvent[], records: readonly ReceivedRecord[], withinMs: number): EventMatch[] {
  const taken = new Set<ReceivedRecord>();
  return events.map((event) => {
    const otherUsers = events.filter((other) => other.user !== event.user).map((other) => other.user);
    let best: { record: ReceivedRecord; present: RecordField[]; score: number } | undefined;
    for (const record of records) {
      if (taken.has(record)) continue;
      // A record naming the user of another event the harness caused is that event's, whatever its category.
      const text = recordText(record.record);
      if (!text.includes(event.user) && otherUsers.some((user) => text.includes(user))) continue;
      const at = record.receivedAt.getTime();
      if (at < event.startedAt.getTime() - EARLY_MS || at > event.endedAt.getTime() + withinMs) continue;
      const present = fieldsOf(record, event);
      const score = (present.includes('user') ? 4 : 0) + (present.includes('category') ? 2 : 0) + (present.includes('outcome') ? 1 : 0);
      if (score < 2) continue;
      if (!best || score > best.score) best = { record, present, score };
    }
    if (!best) return { event, present: [], missing: [...RECORD_FIELDS] };
    taken.add(best.record);
    return {
      event,
      record: best.record,
      delayS: Math.max(0, (best.record.receivedAt.getTime() - event.endedAt.getTime()) / 1000),
      present: best.present,
      missing: RECORD_FIELDS.filter((field) => !best!.present.includes(field)),
    };
  });
}

/** "failed login as unknown user "x" → <raw record> (0.1 s later)" or "→ none within 10 s", for the report. */
export function describeMatch(match: EventMatch, withinS: number): string {
  if (!match.record) return `${match.event.interface}: ${match.event.action} → no record within ${withinS} s`;
  return `${match.event.interface}: ${match.event.action} → record ${match.delayS!.toFixed(1)} s later${match.missing.length > 0 ? ` lacking ${match.missing.join(', ')}` : ''}`;
}

/** The side-by-side table of events and records, as a Markdown attachment. */
export function attachMatches(ctx: CheckContext, matches: readonly EventMatch[], withinS: number): void {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const rows = matches.map((match) => `| ${cell(match.event.interface)} | ${cell(match.event.action)} (${cell(match.event.answer)}) at ${match.event.startedAt.toISOString()} | ${match.record ? `\`${cell(match.record.record.raw)}\` received ${match.record.receivedAt.toISOString()}` : `none within ${withinS} s`} | ${match.record ? match.present.join(', ') : ''} | ${match.missing.join(', ')} |`);
  ctx.attach({
    name: 'Security events and the syslog records received',
    contentType: 'text/markdown',
    extension: 'md',
    content: `| interface | event caused by the harness | record received | fields present | fields missing |\n|---|---|---|---|---|\n${rows.join('\n')}\n`,
  });
}

/** A view of the check's context with another interface under test, for the adapters of that interface. */
function onInterface(ctx: CheckContext, target: ComponentInterface): CheckContext {
  return { ...ctx, interface: target };
}

/** The interfaces of a protocol whose events this log records (endpoints.syslog.sources, default all). */
function interfacesOf(ctx: CheckContext, protocol: string): ComponentInterface[] {
  const definition = protocolDefinitions().find((entry) => entry.name === protocol);
  const sources = syslogEndpoint(ctx).sources;
  return (definition ? definition.interfaces(ctx.profile) : []).filter((entry) => !sources || sources.includes(entry.name));
}

function checkSources(ctx: CheckContext): void {
  const sources = syslogEndpoint(ctx).sources;
  if (!sources) return;
  const known = protocolDefinitions().flatMap((definition) => definition.interfaces(ctx.profile).map((entry) => entry.name));
  const unknown = sources.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new Error(`endpoints.syslog.sources names ${unknown.map((name) => `"${name}"`).join(', ')}, which the profile does not declare (interfaces: ${known.join(', ')})`);
}

function sendAction(session: HttpSession, action: AdminAction) {
  return session.request({ method: action.method, path: action.path, ...(action.form ? { form: action.form } : {}), ...(action.json ? { json: action.json } : {}) });
}

async function webFailedLogin(ctx: CheckContext, target: WebTarget): Promise<CausedEvent | undefined> {
  const user = unknownUserName();
  // The user name is new, so its budget is whole; the check never sends a second failure for it.
  if (ctx.logins.remaining(user) === 0) return undefined;
  const startedAt = new Date();
  const result = await ctx.step(`${target.name}: failed login as unknown user "${user}"`, () => target.login(target.session(), { username: user, password: randomPassword() }));
  if (result.accepted) throw new Error(`${target.name} accepted an unknown user name with a random password, so no failed login could be caused`);
  return { interface: target.name, kind: 'failed-login', action: `failed login as unknown user "${user}"`, user, answer: `refused: ${result.reason}`, startedAt, endedAt: new Date() };
}

async function webRefusedWrite(ctx: CheckContext, target: WebTarget): Promise<CausedEvent | undefined> {
  const action = (target.endpoint as HttpEndpoint).adminAction;
  const low = target.account('viewer', 'operator');
  if (!action?.safe || !low) return undefined;
  const { session } = await target.loginAs(low);
  const startedAt = new Date();
  const answer = await ctx.step(`${target.name}: admin action ${action.method} ${action.path} as ${low.role} "${low.username}"`, () => sendAction(session, action));
  if (answer.status < 400) {
    ctx.log(`${target.name}: the ${low.role} was not refused the admin action (${answer.status}); no refused write to look for`);
    return undefined;
  }
  return { interface: target.name, kind: 'refused-write', action: `refused admin action ${action.method} ${action.path} by ${low.role} "${low.username}"`, user: low.username, answer: `${answer.status}`, startedAt, endedAt: new Date() };
}

async function opcuaFailedLogin(ctx: CheckContext, opcua: ComponentInterface): Promise<{ event?: CausedEvent; attachTranscript(): void }> {
  // Loaded only when the profile has an OPC UA interface: node-opcua is heavy.
  const { opcuaTarget, randomPassword: opcuaPassword, unknownUserName: opcuaUser } = await import('../opcua/target.js');
  const target = opcuaTarget(onInterface(ctx, opcua));
  const transcript = { attachTranscript: () => target.attachTranscript(`${opcua.name} OPC UA transcript`) };
  const user = opcuaUser();
  if (ctx.logins.remaining(user) === 0) return transcript;
  const channel = await target.sessionChannel();
  const startedAt = new Date();
  const attempt = await ctx.step(`${opcua.name}: failed login as unknown user "${user}"`, () => target.probe.attemptSession({ kind: 'username', username: user, password: opcuaPassword() }, channel));
  if (attempt.accepted) {
    ctx.logins.succeeded(user);
    throw new Error(`${opcua.name} accepted an unknown user name with a random password, so no failed login could be caused`);
  }
  ctx.logins.failed(user);
  const answer = attempt.status ? `refused: ${attempt.status.name}` : `refused at ${attempt.stage}`;
  return { ...transcript, event: { interface: opcua.name, kind: 'failed-login', action: `failed login as unknown user "${user}"`, user, answer, startedAt, endedAt: new Date() } };
}

/**
 * Causes security events through every interface that allows it: the OPC UA interface (a failed login as an unknown
 * user) and the web interfaces (a failed login as an
 * unknown user, and the admin action the profile names as safe, sent by the least privileged account). `which` is
 * 'all', or 'one' failed login for checks that only need a record to judge.
 */
export async function causeSecurityEvents(ctx: CheckContext, which: 'all' | 'one'): Promise<{ events: CausedEvent[]; targets: Array<{ attachTranscript(): void }> }> {
  const events: CausedEvent[] = [];
  const targets: Array<{ attachTranscript(): void }> = [];
  for (const web of interfacesOf(ctx, 'http')) {
    const target = webTarget(onInterface(ctx, web));
    targets.push(target);
    const failed = await webFailedLogin(ctx, target);
    if (failed) events.push(failed);
    if (which === 'one' && events.length > 0) break;
    const refused = await webRefusedWrite(ctx, target);
    if (refused) events.push(refused);
  }
  if (which === 'all' || events.length === 0) {
    for (const opcua of interfacesOf(ctx, 'opcua')) {
      const caused = await opcuaFailedLogin(ctx, opcua);
      targets.push(caused);
      if (caused.event) events.push(caused.event);
    }
  }
  if (events.length === 0) {
    throw new Error('no interface of the profile lets the harness cause a security event (an OPC UA interface, endpoints.opcua, or a web interface, endpoints.http, with a login; a refused write needs adminAction.safe and a viewer or operator account)');
  }
  return { events, targets };
}

/** Waits until every event has a record with every field, or withinMs after the last event (an incomplete record may yet be followed by the right one). */
export async function awaitRecords(ctx: CheckContext, collector: SyslogCollector, events: readonly CausedEvent[], withinMs: number): Promise<EventMatch[]> {
  const lastEnd = Math.max(...events.map((event) => event.endedAt.getTime()));
  const remaining = Math.max(0, lastEnd + withinMs - Date.now());
  await ctx.step(`wait up to ${(remaining / 1000).toFixed(1)} s for the records of ${events.length} event(s)`, () =>
    collector.waitFor((records) => matchEvents(events, records, withinMs).every((match) => match.record && match.missing.length === 0), remaining, ctx.signal),
  );
  ctx.throwIfAborted();
  return matchEvents(events, collector.records, withinMs);
}
