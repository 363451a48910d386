import { defineProtocol } from '../../core/protocol.js';
import type { Profile } from '../../core/profile/schema.js';
import { modbusEndpointSchema, modbusEssentialFunctionSchema, type ModbusEndpoint, type ModbusEssentialFunction } from './endpoint.js';

declare module '../../core/profile/endpoints.js' {
  interface EndpointSections {
    modbus?: ModbusEndpoint;
  }
  interface EssentialFunctionKinds {
    modbus: ModbusEssentialFunction;
  }
}

/** Plain Modbus/TCP has no cryptography to judge; CR 4.3 concerns only a Modbus/TCP Security endpoint. */
const PLAIN_CONCERNS = ['CR 1.1', 'CR 1.2', 'CR 2.1', 'CR 3.1', 'CR 3.5', 'CR 3.7', 'CR 4.1', 'CR 7.1', 'CR 7.2'];

const watched = (profile: Profile) => (profile.endpoints.modbus ? profile.essentialFunctions.flatMap((entry) => ('modbus' in entry ? [entry.name] : [])) : []);

export default defineProtocol({
  name: 'modbus',
  title: 'Modbus/TCP',
  checkProtocols: {
    // Checks of protocol "modbus" judge the Modbus endpoint on either transport, plain or Modbus/TCP Security.
    modbus: 'the profile declares no Modbus endpoint (endpoints.modbus)',
    'modbus-tls': 'the profile declares no Modbus/TCP Security endpoint (endpoints.modbus.tls)',
  },
  libraries: ['jsmodbus', 'modbus-serial'],
  endpoint: { key: 'modbus', schema: modbusEndpointSchema },
  essentialFunction: { key: 'modbus', schema: modbusEssentialFunctionSchema },
  services: ['modbus'],
  concerns: [...PLAIN_CONCERNS, 'CR 4.3'],
  interfaces(profile) {
    const endpoint = profile.endpoints.modbus;
    if (!endpoint) return [];
    return [
      {
        name: endpoint.name ?? 'modbus',
        kind: 'modbus',
        protocols: endpoint.tls ? ['modbus', 'modbus-tls'] : ['modbus'],
        ports: [{ port: endpoint.port, transport: 'tcp', ...(endpoint.tls ? { tls: true } : {}) }],
        label: `${endpoint.tls ? 'modbus+tls' : 'modbus'}://${profile.host}:${endpoint.port}${endpoint.unitId !== undefined ? `/unit ${endpoint.unitId}` : ''}`,
        concerns: endpoint.tls ? [...PLAIN_CONCERNS, 'CR 4.3'] : PLAIN_CONCERNS,
        endpoint,
      },
    ];
  },
  watches: watched,
  async monitor(ctx) {
    if (watched(ctx.profile).length === 0) return undefined;
    const { essentialProbes, targetFromProfile } = await import('./index.js');
    const options = { connectTimeoutMs: ctx.settings.connectTimeoutMs, requestTimeoutMs: ctx.settings.requestTimeoutMs };
    return essentialProbes(ctx.profile, targetFromProfile(ctx.profile, ctx.host), options);
  },
  async replay(profile, caseId, options) {
    if (!profile.endpoints.modbus) return undefined;
    const { replayFuzzCase } = await import('./index.js');
    try {
      const { fuzzCase, result, aliveAfter } = await replayFuzzCase(profile, profile.host, caseId, options);
      return { protocol: 'modbus', caseId: fuzzCase.id, description: fuzzCase.description, sent: result.sent, expected: result.expected, observed: result.observed, handledCorrectly: result.verdict === 'ok', aliveAfter };
    } catch (error) {
      if (/^no fuzz case/.test((error as Error).message)) return undefined;
      throw error;
    }
  },
});
