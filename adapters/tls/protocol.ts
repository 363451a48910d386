import { z } from 'zod';
import { defineProtocol } from '../../core/protocol.js';
import { tlsServiceSchema, type TlsService } from './endpoint.js';

declare module '../../core/profile/endpoints.js' {
  interface EndpointSections {
    tls?: TlsService[];
  }
}

/** An operator's page behind TLS should answer within a second; the profile gives latency bounds only for essential functions. */
const SERVICE_BOUND_MS = 1_000;

/** What a service reached over TLS answers for: it is usually a web UI or an API, with logins and sessions of its own. */
const CONCERNS = ['CR 1.1', 'CR 1.2', 'CR 1.5', 'CR 1.7', 'CR 1.9', 'CR 1.10', 'CR 1.11', 'CR 1.12', 'CR 2.1', 'CR 2.6', 'CR 3.1', 'CR 3.5', 'CR 3.7', 'CR 3.8', 'CR 4.1', 'CR 4.3', 'CR 7.1'];

export default defineProtocol({
  name: 'tls',
  title: 'TLS service',
  checkProtocols: { tls: 'the profile declares no TLS service (endpoints.tls)' },
  libraries: ['node:tls', 'tls'],
  endpoint: { key: 'tls', schema: z.array(tlsServiceSchema).describe('services offered over TLS, e.g. a web UI: one entry each') },
  services: ['tls', 'https'],
  concerns: CONCERNS,
  interfaces(profile) {
    return (profile.endpoints.tls ?? []).map((service) => ({
      name: service.name,
      kind: 'tls',
      protocols: ['tls'],
      ports: [{ port: service.port, transport: 'tcp' as const, tls: true }, ...(service.cleartextPort ? [{ port: service.cleartextPort, transport: 'tcp' as const }] : [])],
      label: `tls://${profile.host}:${service.port}`,
      concerns: CONCERNS,
      endpoint: service,
    }));
  },
  watches: (profile) => (profile.endpoints.tls ?? []).map((service) => service.name),
  async monitor(ctx) {
    const services = ctx.profile.endpoints.tls ?? [];
    if (services.length === 0) return undefined;
    const [{ fetchRoot }, { tlsServiceProbe }] = await Promise.all([import('./cleartext.js'), import('./availability.js')]);
    const probes = [];
    for (const service of services) {
      // The first request says whether the service is a web page (then each sample needs the page) and that it is up.
      const answer = await ctx.step(`${service.name}: first request before the load`, () =>
        fetchRoot({ host: ctx.host, port: service.port, tls: true, connectTimeoutMs: ctx.settings.connectTimeoutMs, timeoutMs: ctx.settings.requestTimeoutMs, signal: ctx.signal }),
      );
      ctx.log(`${service.name} answers ${answer.http ? answer.http.statusLine : 'a TLS handshake (not HTTP)'} before the load`);
      probes.push(tlsServiceProbe({ host: ctx.host, port: service.port, name: service.name, http: answer.http !== undefined, maxLatencyMs: SERVICE_BOUND_MS }));
    }
    return { probes, close: async () => undefined };
  },
});
