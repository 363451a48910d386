import type { RunSettings } from '../../core/check.js';
import { declaredPorts } from '../../core/protocol.js';
import type { Profile } from '../../core/profile/schema.js';
import { parsePortList, tcpConnectScan, WELL_KNOWN_ICS_PORTS } from './scan.js';

/** Which TCP ports a scan of the component covers, shared by every check that looks for open ports. */

export const DEFAULT_SCAN_RANGE = '1-1024';

export interface ScanScope {
  ports: number[];
  /** The configured list as written ("1-1024,102,502,…"), for the transcript. */
  configured: string;
  declared: number[];
  connectTimeoutMs: number;
  concurrency: number;
  controlHost?: string;
}

export function scanScope(profile: Profile, settings: Pick<RunSettings, 'connectTimeoutMs'>): ScanScope {
  const declared = declaredPorts(profile);
  const configured = profile.scan?.ports ?? [DEFAULT_SCAN_RANGE, ...WELL_KNOWN_ICS_PORTS.map((entry) => entry.port)].join(',');
  return {
    ports: [...new Set([...parsePortList(configured), ...declared])].sort((a, b) => a - b),
    configured,
    declared,
    connectTimeoutMs: profile.scan?.connectTimeoutMs ?? Math.min(settings.connectTimeoutMs, 1_000),
    concurrency: profile.scan?.concurrency ?? 128,
    controlHost: profile.scan?.controlHost,
  };
}

export interface ComponentPorts {
  /** Open on the component and not on the control address. */
  open: number[];
  /** Open on the control address too: listeners of the shared machine, not of the component. */
  sharedHost: number[];
  scanned: number;
}

/** Connect scan of the scope on host, minus the ports that answer on the control address as well. */
export async function scanComponentPorts(host: string, scope: ScanScope, signal: AbortSignal): Promise<ComponentPorts> {
  const { connectTimeoutMs, concurrency } = scope;
  const scan = await tcpConnectScan({ host, ports: scope.ports, connectTimeoutMs, concurrency, signal });
  let sharedHost: number[] = [];
  if (scope.controlHost && scan.open.length > 0) {
    const control = await tcpConnectScan({ host: scope.controlHost, ports: scan.open, connectTimeoutMs, concurrency, signal });
    sharedHost = control.open.filter((port) => !scope.declared.includes(port));
  }
  return { open: scan.open.filter((port) => !sharedHost.includes(port)), sharedHost, scanned: scan.scanned };
}
