import { z } from 'zod';
import { defineProtocol } from '../../core/protocol.js';
import type { Profile } from '../../core/profile/schema.js';
import { httpEndpointSchema, httpEssentialFunctionSchema, type HttpEndpoint, type HttpEssentialFunction } from './endpoint.js';

declare module '../../core/profile/endpoints.js' {
  interface EndpointSections {
    http?: HttpEndpoint[];
  }
  interface EssentialFunctionKinds {
    http: HttpEssentialFunction;
  }
}

/**
 * What a web management interface answers for on its own: who may log in and how (CR 1.1, 1.5, 1.7, 1.10, 1.11,
 * 1.12), what each role may do (CR 2.1), how sessions end and are protected (CR 2.6, 3.8), transport protection and
 * cryptography (CR 3.1, 4.1, 4.3), what errors give away (CR 3.7), input handling (CR 3.5) and availability (CR 7.1).
 */
const CONCERNS = ['CR 1.1', 'CR 1.2', 'CR 1.5', 'CR 1.7', 'CR 1.10', 'CR 1.11', 'CR 1.12', 'CR 2.1', 'CR 2.6', 'CR 3.1', 'CR 3.5', 'CR 3.7', 'CR 3.8', 'CR 4.1', 'CR 4.3', 'CR 7.1'];
/** Over HTTPS the interface authenticates itself with a certificate, which the TLS analysis judges (CR 1.9), as for any TLS service. */
const HTTPS_CONCERNS = [...CONCERNS, 'CR 1.9'];

function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

const watched = (profile: Profile) => profile.essentialFunctions.flatMap((entry) => ('http' in entry ? [entry.name] : []));

export default defineProtocol({
  name: 'http',
  title: 'Web management interface (HTTP)',
  checkProtocols: { http: 'the profile declares no web interface (endpoints.http)' },
  libraries: ['node:http', 'node:https'],
  endpoint: { key: 'http', schema: z.array(httpEndpointSchema).describe('web management interfaces (HTTP or HTTPS): one entry each') },
  essentialFunction: { key: 'http', schema: httpEssentialFunctionSchema },
  services: ['http', 'http-alt', 'http-proxy'],
  concerns: CONCERNS,
  interfaces(profile) {
    return (profile.endpoints.http ?? []).map((endpoint, index) => {
      const url = new URL(endpoint.url);
      const secure = url.protocol === 'https:';
      const ports = [{ port: portOf(url), transport: 'tcp' as const, ...(secure ? { tls: true } : {}) }];
      if (endpoint.plainUrl) {
        const plain = portOf(new URL(endpoint.plainUrl));
        if (plain !== ports[0]!.port) ports.push({ port: plain, transport: 'tcp' as const });
      }
      return {
        name: endpoint.name,
        kind: 'http',
        // An HTTPS interface is also a TLS service: the TLS analysis (CR 4.3, certificates) runs against it.
        protocols: secure ? ['http', 'tls'] : ['http'],
        ports,
        label: endpoint.url,
        concerns: secure ? HTTPS_CONCERNS : CONCERNS,
        endpoint,
        profilePath: ['endpoints', 'http', index],
        ...(endpoint.lockout ? { lockoutThreshold: endpoint.lockout.threshold } : {}),
      };
    });
  },
  watches: watched,
  async monitor(ctx) {
    const functions = ctx.profile.essentialFunctions.flatMap((entry) => ('http' in entry ? [entry] : []));
    if (functions.length === 0) return undefined;
    const [{ httpEssentialProbe }, { essentialFunctionsAnswerBeforeLoad }] = await Promise.all([import('./availability.js'), import('../../core/load/ready.js')]);
    const probes = functions.map((fn) => httpEssentialProbe(fn, { host: ctx.host, timeoutMs: ctx.settings.requestTimeoutMs }));
    await essentialFunctionsAnswerBeforeLoad(ctx, probes, ctx.host);
    return { probes, close: async () => undefined };
  },
  discovery: { run: async (scene) => (await import('./discover.js')).discoverHttp(scene) },
});
