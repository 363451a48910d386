import { fuzzReplayer } from '../../core/fuzz/replay.js';
import { defineProtocol } from '../../core/protocol.js';
import type { Profile } from '../../core/profile/schema.js';
import { opcuaEndpointSchema, opcuaEssentialFunctionSchema, opcuaPort, type OpcuaEndpoint, type OpcuaEssentialFunction } from './endpoint.js';

declare module '../../core/profile/endpoints.js' {
  interface EndpointSections {
    opcua?: OpcuaEndpoint;
  }
  interface EssentialFunctionKinds {
    opcua: OpcuaEssentialFunction;
  }
}

/*
 * The OPC UA adapter, the only code that talks to node-opcua; checks import its modules directly:
 * - client.ts: OpcuaProbe (GetEndpoints inventory, channels with a chosen policy, mode and client certificate,
 *   CreateSession/ActivateSession observed one by one), OpcuaSession (read, write, write-back, browse, call);
 * - raw.ts: the UA connection protocol and the None secure conversation by hand (Hello, OPN, MSG, CLO), for
 *   liveness probes and for checks that must send what no client library would;
 * - pki.ts: the harness's persistent PKI (client certificate, test CA with CRL) and per-run test certificates;
 * - target.ts: what a check starts from (probe bound to ctx.host, ctx.signal and the timeouts; accounts as identities);
 * - status.ts, deadline.ts, transcript.ts: status values, bounded steps, the evidence transcript;
 * - nodes.ts: the namespace 0 nodes the checks read (Server.Auditing, BuildInfo, diagnostics counters, event types);
 * - availability.ts, storm.ts: the essential-function probe for core/load's monitor, and the Hello/OpenSecureChannel storm;
 * - mitm.ts: the tampering relay (CR 3.1 RE(1)); subjects.ts: a writable variable that holds its value;
 * - fuzz.ts, fuzz-setup.ts: the CR 3.5 corpus and how one case is sent and judged, for core/fuzz's runner and replay.
 */

const watched = (profile: Profile) => (profile.endpoints.opcua ? profile.essentialFunctions.flatMap((entry) => ('opcua' in entry ? [entry.name] : [])) : []);

/** An OPC UA server authenticates users and applications, holds sessions, signs and encrypts: each of these is asked of it. */
const CONCERNS = ['CR 1.1', 'CR 1.2', 'CR 1.5', 'CR 1.7', 'CR 1.9', 'CR 1.10', 'CR 1.11', 'CR 2.1', 'CR 2.6', 'CR 2.7', 'CR 3.1', 'CR 3.5', 'CR 3.7', 'CR 3.8', 'CR 4.1', 'CR 4.3', 'CR 7.1', 'CR 7.2'];

export default defineProtocol({
  name: 'opcua',
  title: 'OPC UA',
  checkProtocols: { opcua: 'the profile declares no OPC UA endpoint (endpoints.opcua)' },
  libraries: ['node-opcua'],
  endpoint: { key: 'opcua', schema: opcuaEndpointSchema },
  essentialFunction: { key: 'opcua', schema: opcuaEssentialFunctionSchema },
  services: ['opcua'],
  concerns: CONCERNS,
  interfaces(profile) {
    const endpoint = profile.endpoints.opcua;
    if (!endpoint) return [];
    return [
      {
        name: endpoint.name ?? 'opcua',
        kind: 'opcua',
        protocols: ['opcua'],
        ports: [{ port: opcuaPort(endpoint.url), transport: 'tcp' }],
        label: endpoint.url,
        concerns: CONCERNS,
        endpoint,
        profilePath: ['endpoints', 'opcua'],
        ...(endpoint.lockout ? { lockoutThreshold: endpoint.lockout.threshold } : {}),
      },
    ];
  },
  watches: watched,
  async monitor(ctx) {
    if (watched(ctx.profile).length === 0) return undefined;
    const { opcuaEssentialProbes } = await import('./availability.js');
    // The monitor is opened by checks of other interfaces (the TCP storm, the syslog outage): its sessions use the
    // accounts of the OPC UA interface, not those of the interface the check runs on.
    const own = this.interfaces(ctx.profile)[0];
    const opcua = opcuaEssentialProbes(own ? { ...ctx, interface: own } : ctx);
    try {
      await ctx.step('OPC UA essential functions answer on a monitoring session before the load', () => opcua.ready());
    } catch (error) {
      await opcua.close();
      throw error;
    }
    return { probes: opcua.probes, close: () => opcua.close() };
  },
  replay: fuzzReplayer(async () => (await import('./fuzz-setup.js')).opcuaFuzzing),
  discovery: { run: async (scene) => (await import('./discover.js')).discoverOpcua(scene) },
});
