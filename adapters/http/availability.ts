import type { EssentialProbe } from '../../core/load/availability.js';
import type { EssentialFunction } from '../../core/profile/endpoints.js';
import { sendRequest } from './client.js';

/**
 * An HTTP essential function for the CR 7.1 monitors: each sample is a fresh connection and an anonymous GET of the
 * URL, as an operator's browser or a plant system polling a status page would do, and it counts only when the
 * answer carries the expected status. Fresh connections, because an HMI that reconnects during a storm must be
 * served too, not only one kept from before it.
 */
export function httpEssentialProbe(fn: Extract<EssentialFunction, { http: unknown }>, options: { host: string; timeoutMs: number }): EssentialProbe {
  const url = new URL(fn.http.url);
  if (url.hostname !== options.host) throw new Error(`essential function "${fn.name}": ${url.href} is not on the profile's host ${options.host}`);
  const expected = fn.http.expectStatus;
  return {
    name: `${fn.name} (GET ${url.pathname} → ${expected})`,
    maxLatencyMs: fn.maxLatencyMs,
    async sample(signal) {
      const response = await sendRequest({ url, timeoutMs: options.timeoutMs, signal, maxBodyBytes: 256 * 1024 });
      if (response.status !== expected) throw new Error(`answered ${response.status}, not ${expected}`);
    },
  };
}
