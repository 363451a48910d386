import { fuzzReplayer } from '../../core/fuzz/replay.js';
import { defineProtocol } from '../../core/protocol.js';
import type { Profile } from '../../core/profile/schema.js';
import { enipEndpointSchema, enipEssentialFunctionSchema, type EnipEndpoint, type EnipEssentialFunction } from './endpoint.js';

declare module '../../core/profile/endpoints.js' {
  interface EndpointSections {
    enip?: EnipEndpoint;
  }
  interface EssentialFunctionKinds {
    enip: EnipEssentialFunction;
  }
}

/** Identification, use control, integrity, confidentiality, robustness, availability and the inventory, on the interface itself. */
const CONCERNS = ['CR 1.1', 'CR 2.1', 'CR 3.1', 'CR 3.5', 'CR 4.1', 'CR 7.1', 'CR 7.8'];
/** With CIP Security, its TLS (cryptography and certificate) is this interface's too. */
const SECURE_CONCERNS = [...CONCERNS, 'CR 1.9', 'CR 4.3'];

const watched = (profile: Profile) => (profile.endpoints.enip ? profile.essentialFunctions.flatMap((entry) => ('enip' in entry ? [entry.name] : [])) : []);

export default defineProtocol({
  name: 'enip',
  title: 'EtherNet/IP',
  checkProtocols: {
    enip: 'the profile declares no EtherNet/IP endpoint (endpoints.enip)',
    'enip-security': 'the profile declares no CIP Security port (endpoints.enip.cipSecurityPort)',
  },
  libraries: [],
  endpoint: { key: 'enip', schema: enipEndpointSchema },
  essentialFunction: { key: 'enip', schema: enipEssentialFunctionSchema },
  // "EtherNet/IP" is what the CR 7.7 UDP probe names a ListIdentity answer on 44818.
  services: ['enip', 'EtherNet/IP', 'cip-security'],
  concerns: SECURE_CONCERNS,
  interfaces(profile) {
    const endpoint = profile.endpoints.enip;
    if (!endpoint) return [];
    const secure = endpoint.cipSecurityPort !== undefined;
    return [
      {
        name: endpoint.name ?? 'enip',
        kind: 'enip',
        protocols: secure ? ['enip', 'enip-security'] : ['enip'],
        ports: [
          { port: endpoint.port, transport: 'tcp' },
          ...(endpoint.listIdentityUdp ? [{ port: endpoint.port, transport: 'udp' as const }] : []),
          ...(secure ? [{ port: endpoint.cipSecurityPort!, transport: 'tcp' as const, tls: true }] : []),
        ],
        label: `enip://${profile.host}:${endpoint.port}${secure ? ` (CIP Security on ${endpoint.cipSecurityPort})` : ''}`,
        concerns: secure ? SECURE_CONCERNS : CONCERNS,
        endpoint,
        profilePath: ['endpoints', 'enip'],
      },
    ];
  },
  watches: watched,
  async monitor(ctx) {
    if (watched(ctx.profile).length === 0) return undefined;
    const { essentialProbes } = await import('./target.js');
    return essentialProbes(ctx.profile, ctx.host, { connectTimeoutMs: ctx.settings.connectTimeoutMs, requestTimeoutMs: ctx.settings.requestTimeoutMs });
  },
  replay: fuzzReplayer(async () => (await import('./fuzz-setup.js')).enipFuzzing),
  discovery: { run: async (scene) => (await import('./discover.js')).discoverEnip(scene) },
});
