import { randomInt } from 'node:crypto';
import { grabBanners } from '../../adapters/tcp/banner.js';
import { parsePortList, tcpConnectScan } from '../../adapters/tcp/scan.js';
import { encodeGetRequest, encodeV3Discovery } from '../../adapters/tcp/snmp.js';
import { UDP_PROBES, udpServiceScan, type UdpProbe, type UdpProbeResult } from '../../adapters/tcp/udp.js';
import { protocolDefinitions, type Discovered, type DiscoveryScene, type ListeningPort, type ProtocolDefinition } from '../../core/protocol.js';

/**
 * `init --host`: what a device shows of itself to harmless requests. The port scan and the UDP probes find the
 * services; each protocol's discovery then claims the ports it recognises, the specific protocols before the generic
 * ones (TLS). Nothing here writes to the device or logs in with a guessed password.
 */

export interface InitOptions {
  host: string;
  /** Ports to scan, as scan.ports writes them; default every TCP port. */
  ports: string;
  /** An address on the same machine that is not the device: ports open there too are not the device's. */
  controlHost?: string;
  timeoutMs: number;
  /** Communities to try on an SNMP agent; without them only an SNMPv3 discovery (no community) is sent. */
  snmpCommunities?: string[];
  signal: AbortSignal;
  log(line: string): void;
}

export interface DeviceDiscovery {
  host: string;
  scanned: { ports: string; count: number; durationMs: number };
  tcp: ListeningPort[];
  /** Open on the control host as well: listeners of the machine, not of the device. */
  sharedHost: number[];
  udp: UdpProbeResult[];
  protocols: Array<{ definition: ProtocolDefinition; found: Discovered }>;
  /** Open ports no protocol claimed, with their banners. */
  unexplained: ListeningPort[];
}

export const DEFAULT_INIT_PORTS = '1-65535';

export async function discoverDevice(options: InitOptions): Promise<DeviceDiscovery> {
  const { host, signal, log } = options;
  const ports = parsePortList(options.ports);
  log(`scanning ${ports.length} TCP ports of ${host}`);
  const scan = await tcpConnectScan({ host, ports, connectTimeoutMs: Math.min(options.timeoutMs, 1_000), concurrency: 256, signal });
  let sharedHost: number[] = [];
  if (options.controlHost && scan.open.length > 0) {
    sharedHost = (await tcpConnectScan({ host: options.controlHost, ports: scan.open, connectTimeoutMs: Math.min(options.timeoutMs, 1_000), concurrency: 64, signal })).open;
  }
  const open = scan.open.filter((port) => !sharedHost.includes(port));
  log(`${open.length} open TCP port(s) in ${scan.durationMs} ms${sharedHost.length ? `; ${sharedHost.length} more answer on the control host too and are left out` : ''}`);

  const banners = await grabBanners(open, { host, connectTimeoutMs: options.timeoutMs, greetingWaitMs: 500, timeoutMs: options.timeoutMs, signal });
  const tcp: ListeningPort[] = banners.map((entry) => ({ port: entry.port, service: entry.service ?? 'unknown', ...(entry.banner ? { banner: entry.banner } : {}) }));
  const udp = (await udpServiceScan({ host, probes: udpProbes(options.snmpCommunities), timeoutMs: options.timeoutMs, signal })).filter((entry) => entry.state === 'open');

  const claimed = new Set<string>();
  const names = new Set<string>();
  const uniqueName = (preferred: string, port: number) => {
    let name = names.has(preferred) ? `${preferred}-${port}` : preferred;
    for (let suffix = 2; names.has(name); suffix++) name = `${preferred}-${port}-${suffix}`;
    names.add(name);
    return name;
  };
  const protocols: DeviceDiscovery['protocols'] = [];
  const definitions = protocolDefinitions().filter((definition) => definition.discovery);
  const ordered = [...definitions.filter((definition) => !definition.discovery!.fallback), ...definitions.filter((definition) => definition.discovery!.fallback)];
  for (const definition of ordered) {
    signal.throwIfAborted();
    const scene: DiscoveryScene = {
      host,
      tcp: tcp.filter((entry) => !claimed.has(`${entry.port}/tcp`)),
      udp: udp.filter((entry) => !claimed.has(`${entry.port}/udp`)).map((entry) => ({ port: entry.port, service: entry.service, ...(entry.answer ? { answer: entry.answer } : {}) })),
      timeoutMs: options.timeoutMs,
      signal,
      uniqueName,
      options: { snmpCommunities: options.snmpCommunities?.join(',') },
      log: (line) => log(`${definition.name}: ${line}`),
    };
    const found = await definition.discovery!.run(scene);
    if (!found) continue;
    for (const claim of found.claims) claimed.add(`${claim.port}/${claim.transport}`);
    for (const line of found.found) log(line);
    protocols.push({ definition, found });
  }
  return {
    host,
    scanned: { ports: options.ports, count: ports.length, durationMs: scan.durationMs },
    tcp,
    sharedHost,
    udp,
    protocols,
    unexplained: tcp.filter((entry) => !claimed.has(`${entry.port}/tcp`)),
  };
}

/** The CR 7.7 probes, but SNMP asks with a community only when the user named the communities to try. */
function udpProbes(communities: string[] | undefined): UdpProbe[] {
  return UDP_PROBES.map((probe) =>
    probe.port !== 161
      ? probe
      : {
          ...probe,
          requests: () => [encodeV3Discovery(randomInt(1, 0x7fffffff)), ...(communities ?? []).map((community) => encodeGetRequest({ version: 1, community, requestId: randomInt(1, 0x7fffffff) }))],
        },
  );
}
