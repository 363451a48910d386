import { ConnectError, connectTcp } from '../../core/net/socket.js';

/** TCP connect scan: a port is open when the handshake completes, closed on a reset, filtered when nothing answers in time. */

export type PortState = 'open' | 'closed' | 'filtered';

export interface PortScanResult {
  host: string;
  scanned: number;
  open: number[];
  closed: number;
  filtered: number[];
  durationMs: number;
}

export interface ScanOptions {
  host: string;
  ports: number[];
  connectTimeoutMs: number;
  concurrency: number;
  signal: AbortSignal;
}

/** Industrial and management services a component should only expose on purpose. */
export const WELL_KNOWN_ICS_PORTS: ReadonlyArray<{ port: number; service: string }> = [
  { port: 102, service: 'Siemens S7 / ISO-TSAP' },
  { port: 502, service: 'Modbus/TCP' },
  { port: 802, service: 'Modbus/TCP Security' },
  { port: 1089, service: 'Foundation Fieldbus HSE' },
  { port: 1090, service: 'Foundation Fieldbus HSE' },
  { port: 1091, service: 'Foundation Fieldbus HSE' },
  { port: 1217, service: 'CODESYS gateway' },
  { port: 1911, service: 'Niagara Fox' },
  { port: 1962, service: 'PCWorx' },
  { port: 2222, service: 'EtherNet/IP implicit' },
  { port: 2323, service: 'Telnet (alternate)' },
  { port: 2404, service: 'IEC 60870-5-104' },
  { port: 2455, service: 'CODESYS runtime' },
  { port: 4000, service: 'Emerson ROC' },
  { port: 4840, service: 'OPC UA' },
  { port: 4843, service: 'OPC UA over TLS' },
  { port: 4911, service: 'Niagara Fox TLS' },
  { port: 5006, service: 'MELSEC-Q' },
  { port: 5007, service: 'MELSEC-Q' },
  { port: 5094, service: 'HART-IP' },
  { port: 5900, service: 'VNC' },
  { port: 8080, service: 'HTTP (alternate)' },
  { port: 8443, service: 'HTTPS (alternate)' },
  { port: 9600, service: 'OMRON FINS' },
  { port: 11740, service: 'CODESYS V3' },
  { port: 18245, service: 'GE SRTP' },
  { port: 18246, service: 'GE SRTP' },
  { port: 20000, service: 'DNP3' },
  { port: 20547, service: 'ProConOS' },
  { port: 34962, service: 'PROFINET RT' },
  { port: 34963, service: 'PROFINET RT' },
  { port: 34964, service: 'PROFINET CM' },
  { port: 44818, service: 'EtherNet/IP' },
  { port: 47808, service: 'BACnet/IP' },
];

/** "1-1024,4840" → sorted unique port numbers. */
export function parsePortList(text: string): number[] {
  const ports = new Set<number>();
  for (const part of text.split(',')) {
    const [low, high] = part.split('-').map((value) => Number(value.trim()));
    if (low === undefined || !Number.isInteger(low)) continue;
    const top = high === undefined ? low : high;
    for (let port = Math.max(1, low); port <= Math.min(65535, top); port++) ports.add(port);
  }
  return [...ports].sort((a, b) => a - b);
}

export async function probePort(host: string, port: number, timeoutMs: number, signal: AbortSignal): Promise<PortState> {
  try {
    (await connectTcp({ host, port, connectTimeoutMs: timeoutMs, signal })).destroy();
    return 'open';
  } catch (error) {
    // An aborted scan stops at the next port; the abort itself is reported by the scan, not by this port's state.
    return error instanceof ConnectError && error.code === 'ECONNREFUSED' ? 'closed' : 'filtered';
  }
}

export async function tcpConnectScan(options: ScanOptions): Promise<PortScanResult> {
  const started = Date.now();
  const open: number[] = [];
  const filtered: number[] = [];
  let closed = 0;
  let next = 0;
  const worker = async () => {
    while (next < options.ports.length) {
      options.signal.throwIfAborted();
      const port = options.ports[next++]!;
      const state = await probePort(options.host, port, options.connectTimeoutMs, options.signal);
      if (state === 'open') open.push(port);
      else if (state === 'closed') closed++;
      else filtered.push(port);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.ports.length) }, worker));
  options.signal.throwIfAborted();
  return {
    host: options.host,
    scanned: options.ports.length,
    open: open.sort((a, b) => a - b),
    closed,
    filtered: filtered.sort((a, b) => a - b),
    durationMs: Date.now() - started,
  };
}

export function serviceName(port: number): string | undefined {
  return WELL_KNOWN_ICS_PORTS.find((entry) => entry.port === port)?.service;
}
