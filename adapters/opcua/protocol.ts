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
      },
    ];
  },
  watches: watched,
  async monitor(ctx) {
    if (watched(ctx.profile).length === 0) return undefined;
    const { opcuaEssentialProbes } = await import('./availability.js');
    const opcua = opcuaEssentialProbes(ctx);
    try {
      await ctx.step('OPC UA essential functions answer on a monitoring session before the load', () => opcua.ready());
    } catch (error) {
      await opcua.close();
      throw error;
    }
    return { probes: opcua.probes, close: () => opcua.close() };
  },
  async replay(profile, caseId, options) {
    const { isOpcuaCaseId, replayOpcuaFuzzCase } = await import('./fuzz-setup.js');
    if (!profile.endpoints.opcua || !isOpcuaCaseId(caseId)) return undefined;
    try {
      const { fuzzCase, result, aliveAfter } = await replayOpcuaFuzzCase(profile, caseId, options);
      return { protocol: 'opcua', caseId: fuzzCase.id, description: fuzzCase.description, sent: result.sent, expected: result.expected, observed: result.observed, handledCorrectly: result.verdict === 'ok', aliveAfter };
    } catch (error) {
      if (/^no fuzz case/.test((error as Error).message)) return undefined;
      throw error;
    }
  },
});
