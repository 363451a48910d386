import type { EssentialProbe } from '../../core/load/availability.js';
import type { AvailabilityMonitor } from '../../core/protocol.js';
import type { Profile } from '../../core/profile/schema.js';
import { snmpGet, type SnmpTarget } from './client.js';
import type { SnmpEndpoint } from './endpoint.js';
import { profileCredentials } from './target.js';

/**
 * The CR 7.1 monitors' view of SNMP essential functions: each sample is one GET of the function's object with the
 * profile's strongest credential, on a session of its own (UDP has no connection to hold).
 */
export function snmpEssentialProbes(profile: Profile, endpoint: SnmpEndpoint, target: Omit<SnmpTarget, 'signal'>): AvailabilityMonitor {
  const credentials = profileCredentials(endpoint)[0];
  const probes: EssentialProbe[] = profile.essentialFunctions.flatMap((entry) => {
    if (!('snmp' in entry)) return [];
    const oid = (entry.snmp as { oid: string }).oid;
    return [
      {
        name: entry.name,
        maxLatencyMs: entry.maxLatencyMs,
        async sample(signal: AbortSignal) {
          if (!credentials) throw new Error(`essential function "${entry.name}": the profile gives no SNMP credential to read ${oid} with`);
          const answer = await snmpGet({ ...target, signal }, credentials, [oid]);
          if (answer.kind !== 'answered') throw new Error(`GET ${oid}: ${answer.kind}`);
          if (answer.values[0]?.value === null) throw new Error(`GET ${oid}: ${answer.values[0]?.type}`);
        },
      },
    ];
  });
  return { probes, close: async () => undefined };
}
