import { randomBytes } from 'node:crypto';
import snmp from 'net-snmp';
import { settleWithin, StepTimeoutError } from '../../core/net/deadline.js';
import { levelOf, type SnmpSecurityLevel, type SnmpUser } from './endpoint.js';

/**
 * SNMP requests as the checks need them: one GET or SET per session, no retries, each with a time limit and the
 * abort signal. What the agent did is returned as an observation (answered, stayed silent, refused with a USM report
 * or an error status); only an answer that is not SNMP, a socket failure or an abort is thrown.
 */

export const OID = {
  sysDescr: '1.3.6.1.2.1.1.1.0',
  sysObjectID: '1.3.6.1.2.1.1.2.0',
  sysUpTime: '1.3.6.1.2.1.1.3.0',
  sysContact: '1.3.6.1.2.1.1.4.0',
  sysName: '1.3.6.1.2.1.1.5.0',
  sysLocation: '1.3.6.1.2.1.1.6.0',
} as const;

/** RFC 3414 usmStats counters, by the suffix a Report's varbind carries under 1.3.6.1.6.3.15.1.1. */
export const USM_STATS: Record<string, string> = {
  '1': 'usmStatsUnsupportedSecLevels',
  '2': 'usmStatsNotInTimeWindows',
  '3': 'usmStatsUnknownUserNames',
  '4': 'usmStatsUnknownEngineIDs',
  '5': 'usmStatsWrongDigests',
  '6': 'usmStatsDecryptionErrors',
};

export type SnmpCredentials = { version: '1' | '2c'; community: string } | { version: '3'; user: SnmpUser; level?: SnmpSecurityLevel };

export interface SnmpTarget {
  host: string;
  port: number;
  /** Per round trip; a v3 request makes two (engine discovery, then the request). */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Called with the time an unanswered request waited: for an agent, silence is how it refuses. */
  onSilence?: (waitedMs: number) => void;
}

export interface SnmpValue {
  oid: string;
  /** net-snmp's ObjectType name: OctetString, Integer, ObjectIdentifier, TimeTicks, NoSuchObject, … */
  type: string;
  /** Text for strings and identifiers, a number for integers, null when the agent has no such object. */
  value: string | number | null;
  /** The varbind as it came, for a SET of the same value. */
  raw: { type: number; value: unknown };
}

export type SnmpAnswer =
  | { kind: 'answered'; values: SnmpValue[] }
  /** Nothing came back within the time limit: v1/v2c agents drop wrong communities silently. */
  | { kind: 'silent'; waitedMs: number }
  /** A v3 Report naming the usmStats counter that the request incremented. */
  | { kind: 'usm-report'; counter: string; message: string }
  /** A response PDU with a non-zero error-status (noAccess, notWritable, readOnly, authorizationError, …). */
  | { kind: 'error-status'; status: string; message: string };

function describeCredentials(credentials: SnmpCredentials): string {
  return credentials.version === '3' ? `v3 user "${credentials.user.user}" (${credentials.level ?? levelOf(credentials.user)})` : `v${credentials.version}`;
}

function netSnmpUser(user: SnmpUser, level: SnmpSecurityLevel): snmp.User {
  return {
    name: user.user,
    level: snmp.SecurityLevel[level] as unknown as snmp.SecurityLevel,
    ...(level !== 'noAuthNoPriv' && user.authProtocol ? { authProtocol: snmp.AuthProtocols[user.authProtocol] as unknown as snmp.AuthProtocols, authKey: user.authKey } : {}),
    ...(level === 'authPriv' && user.privProtocol ? { privProtocol: snmp.PrivProtocols[user.privProtocol] as unknown as snmp.PrivProtocols, privKey: user.privKey } : {}),
  };
}

function openSession(target: SnmpTarget, credentials: SnmpCredentials): snmp.Session {
  const transport = target.host.includes(':') ? 'udp6' : 'udp4';
  const common = { port: target.port, retries: 0, timeout: target.timeoutMs, transport } as const;
  if (credentials.version === '3') {
    // A fresh engine id per session, so no agent state from an earlier request (time window, discovery) carries over.
    return snmp.createV3Session(target.host, netSnmpUser(credentials.user, credentials.level ?? levelOf(credentials.user)), { ...common, engineID: randomBytes(12).toString('hex') } as snmp.SessionOptionsV3);
  }
  return snmp.createSession(target.host, credentials.community, { ...common, version: credentials.version === '1' ? snmp.Version1 : snmp.Version2c } as snmp.SessionOptions);
}

function typeName(type: number | undefined): string {
  return (snmp.ObjectType as unknown as Record<number, string>)[type ?? -1] ?? `type ${type}`;
}

function toValue(varbind: snmp.Varbind): SnmpValue {
  const raw = { type: varbind.type as unknown as number, value: varbind.value };
  if (snmp.isVarbindError(varbind)) return { oid: varbind.oid, type: typeName(raw.type), value: null, raw };
  const value = varbind.value;
  const shown = Buffer.isBuffer(value) ? value.toString('utf8') : typeof value === 'bigint' ? Number(value) : typeof value === 'number' || typeof value === 'string' ? value : value == null ? null : String(value);
  return { oid: varbind.oid, type: typeName(raw.type), value: shown, raw };
}

/** Turns net-snmp's callback errors into observations; anything else is rethrown. */
function classify(error: Error, startedAt: number): SnmpAnswer {
  const named = error as Error & { name: string; code?: number; status?: number };
  if (named.name === 'RequestTimedOutError') return { kind: 'silent', waitedMs: Date.now() - startedAt };
  if (named.name === 'ResponseInvalidError' && named.code === snmp.ResponseInvalidCode.EAuthFailure) {
    const counter = Object.entries(USM_STATS).find(([, name]) => name === usmCounterFromText(named.message))?.[1] ?? named.message;
    return { kind: 'usm-report', counter, message: named.message };
  }
  if (named.name === 'RequestFailedError') return { kind: 'error-status', status: named.message.split(':')[0]!.trim(), message: named.message };
  throw error;
}

/** net-snmp names the counter in words; map them back to the MIB names. */
function usmCounterFromText(text: string): string {
  if (/unsupported security level/i.test(text)) return USM_STATS['1']!;
  if (/time window/i.test(text)) return USM_STATS['2']!;
  if (/unknown user/i.test(text)) return USM_STATS['3']!;
  if (/unknown engine/i.test(text)) return USM_STATS['4']!;
  if (/wrong digest/i.test(text)) return USM_STATS['5']!;
  if (/decryption/i.test(text)) return USM_STATS['6']!;
  return text;
}

function request(
  target: SnmpTarget,
  credentials: SnmpCredentials,
  label: string,
  send: (session: snmp.Session, callback: (error: Error | null, varbinds?: snmp.Varbind[]) => void) => void,
): Promise<SnmpAnswer> {
  const session = openSession(target, credentials);
  const startedAt = Date.now();
  const roundTrips = credentials.version === '3' ? 2 : 1;
  return settleWithin<SnmpAnswer>(
    `SNMP ${label} (${describeCredentials(credentials)}) to ${target.host}:${target.port}`,
    target.timeoutMs * roundTrips + 500,
    target.signal,
    ({ resolve, reject }) => {
      // net-snmp reports an undecodable datagram on the session, not on the request, which would otherwise wait
      // for its timeout: an answer that is not SNMP ends the request at once. net-snmp reads whatever reaches its
      // socket, from any address; only a datagram from the agent is its answer.
      let last: { from: string; bytes: string } | undefined;
      const socket = (session as unknown as { dgram: { prependListener(event: 'message', listener: (message: Buffer, from: { address: string; port: number }) => void): void } }).dgram;
      socket.prependListener('message', (message, from) => (last = { from: `${from.address}:${from.port}`, bytes: message.subarray(0, 16).toString('hex') }));
      session.on('error', (error: Error) => {
        if (last && last.from !== `${target.host}:${target.port}`) return;
        reject(new Error(`${target.host}:${target.port} answered with something that is not SNMP (${error.message}; it began ${last?.bytes ?? '?'})`));
      });
      send(session, (error, varbinds) => {
        if (!error) return resolve({ kind: 'answered', values: (varbinds ?? []).map(toValue) });
        try {
          resolve(classify(error, startedAt));
        } catch (unexpected) {
          reject(unexpected as Error);
        }
      });
    },
    () => {
      try {
        session.close();
      } catch {
        // already closed
      }
    },
  )
    .catch((error: unknown) => {
      // Our own deadline ran out before net-snmp's: that is silence too, unless the run was aborted.
      if (error instanceof StepTimeoutError && !target.signal?.aborted) return { kind: 'silent', waitedMs: Date.now() - startedAt } as const;
      throw error;
    })
    .then((answer) => {
      if (answer.kind === 'silent') target.onSilence?.(answer.waitedMs);
      return answer;
    });
}

export function snmpGet(target: SnmpTarget, credentials: SnmpCredentials, oids: string[]): Promise<SnmpAnswer> {
  return request(target, credentials, `GET ${oids.join(', ')}`, (session, callback) => session.get(oids, callback));
}

/**
 * Proof that the caller may write: `disruptive` when the run allows disruptive checks, `write-probe` when the
 * profile names this object as safe to write. Without one of them no SET is sent.
 */
export type WritePermission = { kind: 'disruptive' } | { kind: 'write-probe'; oid: string };

/**
 * Reads an object and writes the value just read back to it, so an accepted SET changes nothing unless the value
 * moved in between (the read and the write are as close together as one more round trip).
 */
export async function setSameValue(
  target: SnmpTarget,
  credentials: SnmpCredentials,
  oid: string,
  permission: WritePermission,
): Promise<{ read: SnmpAnswer; write?: SnmpAnswer }> {
  if (permission.kind === 'write-probe' && permission.oid !== oid) throw new Error(`no permission to write ${oid}: the profile names ${permission.oid}`);
  const read = await snmpGet(target, credentials, [oid]);
  if (read.kind !== 'answered' || read.values[0]?.value === null || read.values[0] === undefined) return { read };
  const { raw } = read.values[0];
  const write = await request(target, credentials, `SET ${oid} (the value just read)`, (session, callback) =>
    session.set([{ oid, type: raw.type as unknown as snmp.ObjectType, value: raw.value as snmp.VarbindValue }], callback),
  );
  return { read, write };
}

export interface SystemInfo {
  sysDescr?: string;
  sysObjectID?: string;
  sysName?: string;
  answer: SnmpAnswer;
}

/** The MIB-II system group's identity objects (CR 7.8 inventory). */
export async function readSystemInfo(target: SnmpTarget, credentials: SnmpCredentials): Promise<SystemInfo> {
  const answer = await snmpGet(target, credentials, [OID.sysDescr, OID.sysObjectID, OID.sysName]);
  if (answer.kind !== 'answered') return { answer };
  const text = (oid: string) => {
    const value = answer.values.find((entry) => entry.oid === oid)?.value;
    return value === null || value === undefined ? undefined : String(value);
  };
  const info: SystemInfo = { answer };
  const sysDescr = text(OID.sysDescr);
  const sysObjectID = text(OID.sysObjectID);
  const sysName = text(OID.sysName);
  if (sysDescr !== undefined) info.sysDescr = sysDescr;
  if (sysObjectID !== undefined) info.sysObjectID = sysObjectID;
  if (sysName !== undefined) info.sysName = sysName;
  return info;
}

export interface UsmObservation {
  /** What a request by a user name the agent cannot know brought back. */
  unknownUser: SnmpAnswer;
  /** What a request by a known user with a wrong authentication key brought back. */
  wrongKey?: SnmpAnswer;
  /** Whether the two answers differ, so that a caller can tell a valid user name from an invalid one. */
  distinguishable?: boolean;
}

const summary = (answer: SnmpAnswer) => (answer.kind === 'usm-report' ? answer.counter : answer.kind);

/**
 * RFC 3414 has the agent count an unknown user name and a wrong digest in different usmStats counters and report
 * them, so every conforming agent tells them apart; the CR 1.10 check records which it did.
 */
export async function observeUsmReports(target: SnmpTarget, knownUser: SnmpUser | undefined): Promise<UsmObservation> {
  const unknownName = `iec62443-${randomBytes(6).toString('hex')}`;
  const unknownUser = await snmpGet(target, { version: '3', user: { user: unknownName }, level: 'noAuthNoPriv' }, [OID.sysDescr]);
  if (!knownUser?.authProtocol) return { unknownUser };
  const wrong: SnmpUser = { ...knownUser, authKey: `wrong-${randomBytes(8).toString('hex')}`, ...(knownUser.privKey ? { privKey: `wrong-${randomBytes(8).toString('hex')}` } : {}) };
  const wrongKey = await snmpGet(target, { version: '3', user: wrong }, [OID.sysDescr]);
  return { unknownUser, wrongKey, distinguishable: summary(unknownUser) !== summary(wrongKey) };
}
