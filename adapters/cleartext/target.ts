import type { CheckContext } from '../../core/check.js';
import type { CleartextEndpoint } from './endpoint.js';

export interface CleartextTarget {
  endpoint: CleartextEndpoint & { implied?: boolean };
  host: string;
  port: number;
  timeoutMs: number;
  signal: AbortSignal;
  /** "telnet on 2323/tcp": how the report names the service. */
  where: string;
}

export function cleartextTarget(ctx: CheckContext): CleartextTarget {
  const endpoint = ctx.interface.endpoint as CleartextTarget['endpoint'];
  const transport = endpoint.service === 'tftp' ? 'udp' : 'tcp';
  return {
    endpoint,
    host: ctx.host,
    port: endpoint.port,
    timeoutMs: ctx.settings.connectTimeoutMs + ctx.settings.requestTimeoutMs,
    signal: ctx.signal,
    where: `${endpoint.service.toUpperCase()} on ${ctx.host}:${endpoint.port}/${transport}`,
  };
}

/** A TCP port nobody listens on carries nothing in clear. */
export const refusedConnection = (error: unknown) => /ECONNREFUSED/.test((error as Error).message);
