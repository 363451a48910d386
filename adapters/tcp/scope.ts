import type { RunSettings } from '../../core/check.js';
import { declaredPorts } from '../../core/protocol.js';
import type { Profile } from '../../core/profile/schema.js';
import { parsePortList, tcpConnectScan, type PortScanResult } from './scan.js';

/** Which TCP ports a scan of the component covers, shared by every check that looks for open ports. */

/**
 * Every TCP port: a service can listen anywhere, and one on an unusual high port (a vendor's web server on 18080, a
 * debug agent on 31337) is exactly what a scan of the usual ports misses. scan.ports narrows it.
 */
export const DEFAULT_SCAN_RANGE = '1-65535';

export interface ScanScope {
  ports: number[];
  /** The configured list as written ("1-65535", "1-1024,4840"), for the transcript. */
  configured: string;
  /** Every port scanned, as ranges ("1-65535"; "1-1024,4840" when declared ports were added to a narrower list). */
  scanned: string;
  declared: number[];
  connectTimeoutMs: number;
  concurrency: number;
  controlHost?: string;
}

export function scanScope(profile: Profile, settings: Pick<RunSettings, 'connectTimeoutMs'>): ScanScope {
  const declared = declaredPorts(profile);
  const configured = profile.scan?.ports?.trim() ?? DEFAULT_SCAN_RANGE;
  const ports = [...new Set([...parsePortList(configured), ...declared])].sort((a, b) => a - b);
  return {
    ports,
    configured,
    scanned: portRanges(ports),
    declared,
    connectTimeoutMs: profile.scan?.connectTimeoutMs ?? Math.min(settings.connectTimeoutMs, 1_000),
    concurrency: profile.scan?.concurrency ?? 128,
    controlHost: profile.scan?.controlHost,
  };
}

/** Sorted ports as ranges: [1, 2, 3, 80] → "1-3,80". */
export function portRanges(sorted: readonly number[]): string {
  const parts: string[] = [];
  for (let index = 0; index < sorted.length; ) {
    let end = index;
    while (end + 1 < sorted.length && sorted[end + 1] === sorted[end]! + 1) end++;
    parts.push(end === index ? String(sorted[index]) : `${sorted[index]}-${sorted[end]}`);
    index = end + 1;
  }
  return parts.join(',');
}

/** "65535 TCP ports (1-65535) in 4.2 s": what a scan covered and how long it took, for observed lines. */
export const scanSummary = (scope: Pick<ScanScope, 'ports' | 'scanned'>, durationMs: number): string =>
  `${scope.ports.length} TCP port${scope.ports.length === 1 ? '' : 's'} (${scope.scanned}) in ${(durationMs / 1000).toFixed(1)} s`;

export interface ComponentPorts {
  /** Open on the component and not on the control address. */
  open: number[];
  /** Open on the control address too: listeners of the shared machine, not of the component. */
  sharedHost: number[];
  scanned: number;
  /** The scan of the component, without the control scan. */
  durationMs: number;
  /** The scan of the component as made: every open port (shared-host ones included), closed and unanswered. */
  scan: PortScanResult;
}

/** What a component scan depends on, for sharing one among the checks of a run (ctx.shared). */
export const componentScanKey = (host: string, scope: ScanScope): string =>
  `TCP connect scan of ${host} (${scope.scanned}; ${scope.connectTimeoutMs} ms, ${scope.concurrency} at once${scope.controlHost ? `; control ${scope.controlHost}` : ''})`;

/** Connect scan of the scope on host, minus the ports that answer on the control address as well. */
export async function scanComponentPorts(host: string, scope: ScanScope, signal: AbortSignal): Promise<ComponentPorts> {
  const { connectTimeoutMs, concurrency } = scope;
  const scan = await tcpConnectScan({ host, ports: scope.ports, connectTimeoutMs, concurrency, signal });
  let sharedHost: number[] = [];
  if (scope.controlHost && scan.open.length > 0) {
    const control = await tcpConnectScan({ host: scope.controlHost, ports: scan.open, connectTimeoutMs, concurrency, signal });
    sharedHost = control.open.filter((port) => !scope.declared.includes(port));
  }
  return { open: scan.open.filter((port) => !sharedHost.includes(port)), sharedHost, scanned: scan.scanned, durationMs: scan.durationMs, scan };
}
