import type { Discovered, DiscoveryScene } from '../../core/protocol.js';
import { OpcuaProbe } from './client.js';
import { BUILD_INFO_NODES } from './nodes.js';
import { defaultPkiDir } from '../pki/store.js';
import { ensureHarnessPki } from './pki.js';
import { helloExchange } from './raw.js';
import { isGood } from './status.js';
import { rankEndpoint } from './target.js';
import type { EndpointInfo } from './types.js';

/**
 * `init`: an OPC UA server answers a Hello on any port it listens on, whatever else it serves, so every unclaimed
 * port gets one. The server's endpoint list says how to reach it; its BuildInfo says what it is, read over an
 * anonymous session only when the server offers one (no login is guessed).
 */
export async function discoverOpcua(scene: DiscoveryScene): Promise<Discovered | undefined> {
  const candidates = scene.tcp.filter((entry) => entry.service === 'unknown' || entry.service === 'TLS');
  for (const candidate of candidates) {
    const url = `opc.tcp://${scene.host}:${candidate.port}`;
    const hello = await helloExchange(url, scene.timeoutMs, scene.signal).catch(() => undefined);
    if (!hello || hello.kind === 'closed') continue;
    scene.log(`${candidate.port}/tcp answers an OPC UA Hello (${hello.kind === 'ack' ? 'Acknowledge' : 'Error'})`);
    return describeServer(scene, url, candidate.port);
  }
  return undefined;
}

async function describeServer(scene: DiscoveryScene, url: string, port: number): Promise<Discovered> {
  const claims = [{ port, transport: 'tcp' as const }];
  const probe = new OpcuaProbe({ url, credentials: ensureHarnessPki(defaultPkiDir()).client, timeoutMs: scene.timeoutMs, signal: scene.signal });
  let endpoints: EndpointInfo[];
  try {
    endpoints = (await probe.inventory()).endpoints;
  } catch (error) {
    return {
      endpoint: { url },
      claims,
      found: [`OPC UA on ${port}/tcp: GetEndpoints failed (${(error as Error).message})`],
      todo: ['GetEndpoints failed during discovery: check the URL and that the server lets the harness open a discovery channel'],
    };
  }
  const tokens = [...new Set(endpoints.flatMap((endpoint) => endpoint.userTokens.map((token) => token.tokenType)))];
  const modes = [...new Set(endpoints.map((endpoint) => `${endpoint.securityMode}/${endpoint.securityPolicy}`))];
  const found = [`OPC UA on ${port}/tcp: ${endpoints.length} endpoint(s) (${modes.join(', ')}), user tokens ${tokens.join(', ') || 'none'}`];
  const todo: string[] = [];
  const onlyNone = endpoints.every((endpoint) => endpoint.securityMode === 'None');
  if (!onlyNone && endpoints.some((endpoint) => endpoint.securityMode === 'None')) todo.push('the server offers a None endpoint: if it is meant for discovery only, set discoveryOnlyNone: true');
  if (tokens.includes('Anonymous')) todo.push('anonymous sessions are offered: if the vendor documents them as read-only, set anonymousAccess: read-only');
  todo.push("trust the harness's client certificate on the device (its path is printed when a run starts), or set clientCertificate/clientPrivateKey");

  const buildInfo = tokens.includes('Anonymous') ? await readBuildInfo(probe, endpoints).catch(() => undefined) : undefined;
  if (!buildInfo) found.push(`BuildInfo not read: ${tokens.includes('Anonymous') ? 'the anonymous session could not read it' : 'no anonymous session is offered, and init guesses no login'}`);
  return {
    endpoint: { url },
    claims,
    found,
    todo,
    ...(buildInfo ? { identity: { vendor: buildInfo.ManufacturerName, model: buildInfo.ProductName, firmware: buildInfo.SoftwareVersion, source: 'OPC UA BuildInfo' } } : {}),
    // lockout: a throwaway account that only the disruptive CR 1.11 check logs in as, and may lock.
    roles: tokens.includes('UserName') ? ['admin', 'operator', 'viewer', 'lockout'] : [],
    essentialFunctions: [{ name: 'OPC UA server clock (Server.ServerStatus.CurrentTime)', opcua: { nodeId: 'i=2258' } }],
  };
}

type BuildInfo = Partial<Record<keyof typeof BUILD_INFO_NODES, string>>;

async function readBuildInfo(probe: OpcuaProbe, endpoints: EndpointInfo[]): Promise<BuildInfo | undefined> {
  const usable = endpoints.filter((endpoint) => Number.isFinite(rankEndpoint(endpoint)) && endpoint.userTokens.some((token) => token.tokenType === 'Anonymous'));
  const best = usable.sort((a, b) => rankEndpoint(a) - rankEndpoint(b))[0];
  if (!best) return undefined;
  const fields = Object.keys(BUILD_INFO_NODES) as Array<keyof typeof BUILD_INFO_NODES>;
  const reads = await probe.withSession({ kind: 'anonymous' }, { securityPolicy: best.securityPolicy, securityMode: best.securityMode }, (session) =>
    session.readValues(fields.map((field) => BUILD_INFO_NODES[field])),
  );
  const entries = fields.flatMap((field, index) => {
    const read = reads[index]!;
    const text = isGood(read.status) && !(read.value instanceof Date) ? String(read.value ?? '').trim() : '';
    return text ? [[field, text] as const] : [];
  });
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}
