import { StatusCodes, type StatusCode } from 'node-opcua';
import type { StatusValue } from './types.js';

/**
 * node-opcua reports refusals as Errors whose message carries the status name; these helpers turn them into values
 * so that checks compare codes, not text.
 */

export const statusValue = (status: StatusCode): StatusValue => ({ name: status.name, code: status.value >>> 0 });

export function statusByName(name: string): StatusValue | undefined {
  const status = (StatusCodes as unknown as Record<string, StatusCode | undefined>)[name];
  return status && typeof status.value === 'number' ? statusValue(status) : undefined;
}

export const GOOD: StatusValue = { name: 'Good', code: 0 };

/** The status carried by a node-opcua error: its statusCode field, or the first known status name in its message. */
export function statusFromError(error: unknown): StatusValue | undefined {
  if (error && typeof error === 'object') {
    const carried = (error as { statusCode?: unknown }).statusCode;
    if (carried && typeof carried === 'object' && typeof (carried as StatusCode).value === 'number') {
      const value = statusValue(carried as StatusCode);
      if (value.code !== 0) return value;
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  for (const match of message.matchAll(/\b(Bad[A-Za-z0-9]+|Uncertain[A-Za-z0-9]+)\b/g)) {
    const value = statusByName(match[1]!);
    if (value) return value;
  }
  return undefined;
}

export const isGood = (status: StatusValue | undefined): boolean => status !== undefined && (status.code & 0xc0000000) === 0;
export const formatStatus = (status: StatusValue | undefined): string =>
  status ? `${status.name} (0x${status.code.toString(16).padStart(8, '0')})` : 'no status';

/**
 * Statuses that say the connection broke rather than that the device refused: a server that stopped, a channel that
 * closed, a request that got no answer. They never count as the device's answer.
 */
const CONNECTION_LEVEL = /^Bad(Timeout|ConnectionClosed|SecureChannelClosed|ServerHalted|Shutdown|NotConnected|CommunicationError|Disconnect|RequestInterrupted|ConnectionRejected|Tcp[A-Za-z]*)$/;
export const isConnectionLevel = (status: StatusValue | undefined): boolean => status !== undefined && CONNECTION_LEVEL.test(status.name);
