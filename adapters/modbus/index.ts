import type { CheckContext } from '../../core/check.js';
import type { Profile } from '../../core/profile/schema.js';
import { describeOutcome, type Outcome } from './channel.js';
import { describeTarget, targetFromProfile, type ModbusTarget } from './connection.js';
import { primaryRead, type ReadSpec } from './load.js';
import { readReply, wordsOf } from './wire.js';

/** The Modbus adapter's public surface for checks, plus the few helpers every Modbus check shares. */
export * from './wire.js';
export * from './connection.js';
export * from './channel.js';
export * from './session.js';
export * from './fuzz.js';
export * from './load.js';
export * from './security.js';
export * from './availability.js';
export * from './replay.js';

export interface ModbusCheckTarget {
  target: ModbusTarget;
  /** "modbus://127.1.2.3:502" or "modbus+tls://…". */
  label: string;
  /** The profile's first Modbus essential function, used as the harmless read of every probe. */
  read: ReadSpec;
  readLabel: string;
  options: { connectTimeoutMs: number; requestTimeoutMs: number; signal: AbortSignal };
}

export function modbusTarget(ctx: CheckContext): ModbusCheckTarget {
  const target = targetFromProfile(ctx.profile, ctx.host);
  const read = primaryRead(ctx.profile);
  return {
    target,
    label: describeTarget(target),
    read,
    readLabel: `${read.table} ${read.count > 1 ? `${read.address}-${read.address + read.count - 1}` : read.address}`,
    options: { connectTimeoutMs: ctx.settings.connectTimeoutMs, requestTimeoutMs: ctx.settings.requestTimeoutMs, signal: ctx.signal },
  };
}

/** For Modbus/TCP Security: the credentials a check needs from endpoints.modbus, or undefined for plain Modbus/TCP. */
export function requiresSecurityCredentials(fields: Array<'clientCertificate' | 'clientPrivateKey' | 'caCertificate' | 'caPrivateKey'>) {
  return (profile: Profile): string | undefined => {
    const endpoint = profile.endpoints.modbus;
    if (!endpoint?.tls) return undefined;
    const missing = fields.filter((field) => !endpoint[field]);
    return missing.length ? `Modbus/TCP Security: this check needs endpoints.modbus.${missing.join(', endpoints.modbus.')} to connect and to issue test certificates` : undefined;
  };
}

export function isNormalResponse(requestPdu: Buffer, outcome: Outcome): boolean {
  return outcome.kind === 'reply' && readReply(requestPdu, outcome.received.pdu).kind === 'response';
}

/** The register values of a normal read response, for observed text. */
export function valuesOf(requestPdu: Buffer, outcome: Outcome): number[] | undefined {
  if (outcome.kind !== 'reply') return undefined;
  const reading = readReply(requestPdu, outcome.received.pdu);
  if (reading.kind !== 'response') return undefined;
  return requestPdu[0]! <= 0x02 ? [...reading.data.subarray(1)] : wordsOf(reading.data.subarray(1));
}

export const outcomeText = (requestPdu: Buffer, outcome: Outcome): string => describeOutcome(requestPdu, outcome);
