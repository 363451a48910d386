/**
 * How each simulator profile behaves. The weak profile reproduces, on purpose, the defects of a naive Modbus stack;
 * the hardened and secure profiles answer every malformed frame as the Modbus application protocol prescribes.
 */

export interface IdentificationObjects {
  /** Object id to value: 0x00 VendorName, 0x01 ProductCode, 0x02 MajorMinorRevision, 0x03-0x06 regular, 0x80+ extended. */
  [objectId: number]: string;
}

export interface TokenBucketSpec {
  ratePerSecond: number;
  burst: number;
}

export interface ServerBehaviour {
  /** Protocol id other than 0 or an impossible MBAP length closes the connection; a partial frame times out. */
  strictFraming: boolean;
  /** A single-threaded stack that blocks on a partial frame: no connection is served until it completes or closes. */
  blockingReads: boolean;
  /** Unsupported function codes get exception 01; otherwise they are silently ignored. */
  answerUnknownFunctions: boolean;
  /** Quantity, PDU length, byte count and address range are checked and answered with 03 or 02. */
  validateRequests: boolean;
  /** The reply carries the request's unit id; otherwise the device's own. */
  echoUnitId: boolean;
  /** Exception for unit ids other than the device's own, 0 and 255; absent: any unit id is served. */
  foreignUnitException?: number;
  /** Reads past the end of a table get a truncated reply; a write past the end stops the service. */
  boundaryDefects: boolean;
  /** Ranges no request may write (exception 02). */
  writeProtected: Array<{ table: 'holding' | 'coil'; from: number; to: number }>;
  /** FC 43 / MEI 14 objects; absent: FC 43 is not implemented. */
  identification?: IdentificationObjects;
  /** Concurrent connections; at the cap the oldest connection that never sent a request is dropped, else the new one. */
  maxConnections?: number;
  newConnections?: TokenBucketSpec;
  /** Requests beyond this rate on one connection get exception 06 (server device busy). */
  perConnectionRate?: TokenBucketSpec;
  /** Requests waiting per connection; beyond it exception 06. */
  perConnectionQueue?: number;
  /**
   * A stack with one client slot in service: only the oldest open connection is served; the others are accepted and
   * read, but their requests wait until every older connection has closed.
   */
  oneClientAtATime?: boolean;
  /** Round-robin between connections; otherwise one global first-come queue. */
  fairScheduling: boolean;
  /** Simulated processing cost, in microseconds of the PLC's one CPU: its capacity is finite, as a real device's. */
  requestCostUs: number;
  connectionCostUs: number;
  partialFrameTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** After a "crash", a watchdog restarts the service (listens again) after this delay. */
  restartAfterCrashMs?: number;
  /** Rights from the client certificate's Modbus role (Modbus/TCP Security). */
  roleBasedAccess: boolean;
}

export const IDENTIFICATION: IdentificationObjects = {
  0x00: 'Example Automation',
  0x01: 'TPLC-100',
  0x02: 'V2.4.1',
  0x03: 'https://example.invalid/tplc-100',
  0x04: 'Tank PLC',
  0x05: 'TPLC-100-MB',
  0x06: 'tank-level-control',
  0x80: 'serial=TP100-000042',
};

const hardenedBase: ServerBehaviour = {
  strictFraming: true,
  blockingReads: false,
  answerUnknownFunctions: true,
  validateRequests: true,
  echoUnitId: true,
  foreignUnitException: 0x0a,
  boundaryDefects: false,
  writeProtected: [{ table: 'holding', from: 10, to: 99 }],
  identification: IDENTIFICATION,
  // Admission well above what an operator station needs, below what would starve the served connections of CPU.
  newConnections: { ratePerSecond: 1000, burst: 100 },
  perConnectionRate: { ratePerSecond: 3000, burst: 500 },
  perConnectionQueue: 32,
  fairScheduling: true,
  requestCostUs: 250,
  connectionCostUs: 250,
  partialFrameTimeoutMs: 1000,
  idleTimeoutMs: 60_000,
  roleBasedAccess: false,
};

/** The plain and secure profiles of the simulated PLC, and the single-flaw variants of each. */
export const MODBUS_PROFILES = [
  'hardened',
  'weak',
  'secure',
  'weak-secure',
  'weak-exceptions',
  'weak-no-identification',
  'weak-validation',
  'weak-no-connection-cap',
  'weak-unbounded-queue',
  'weak-one-client',
  'weak-client-verify',
  'weak-self-signed',
  'weak-roles',
  'weak-legacy-tls',
] as const;
export type ModbusProfileName = (typeof MODBUS_PROFILES)[number];

/** Profiles served over Modbus/TCP Security (TLS with client certificates and roles). */
export const SECURE_PROFILES: readonly ModbusProfileName[] = ['secure', 'weak-secure', 'weak-client-verify', 'weak-self-signed', 'weak-roles', 'weak-legacy-tls'];

/**
 * One flaw each on the hardened (plain) or secure profile, so each check is shown to catch its own flaw:
 * the flaws of the TLS layer (client certificates not verified, a self-signed device certificate, TLS 1.0) live in
 * the simulator's TLS configuration (index.ts); these are the Modbus stack's.
 */
const FLAWS: Partial<Record<ModbusProfileName, Partial<ServerBehaviour>>> = {
  // Silent on function codes and MEI types it does not implement, otherwise correct.
  'weak-exceptions': { answerUnknownFunctions: false },
  'weak-no-identification': { identification: undefined },
  // The naive request handling (no quantity, length or range checks; defects at the table end) behind hardened limits.
  'weak-validation': { validateRequests: false, boundaryDefects: true, writeProtected: [], restartAfterCrashMs: 3000 },
  // No connection table limit: every connection admitted is kept.
  'weak-no-connection-cap': { maxConnections: undefined },
  // One first-come queue without bounds or per-connection rates: a flood queues ahead of everyone else.
  'weak-unbounded-queue': { fairScheduling: false, perConnectionRate: undefined, perConnectionQueue: undefined },
  // Serves the client it has and leaves every new one waiting: an HMI that reconnects is never served again.
  'weak-one-client': { oneClientAtATime: true },
  'weak-roles': { roleBasedAccess: false },
};

/**
 * The behaviour of one profile. Conforming parameters a real device chooses for itself (here the connection cap) are
 * drawn by the caller at each start, so no check can lean on one constant of this simulator.
 */
export function behaviourOf(profile: ModbusProfileName, drawn: { maxConnections: number }): ServerBehaviour {
  if (profile === 'weak' || profile === 'weak-secure') return naive();
  const secure = SECURE_PROFILES.includes(profile);
  const base: ServerBehaviour = {
    ...hardenedBase,
    maxConnections: drawn.maxConnections,
    // TLS handshakes cost a PLC far more than a request: new connections are admitted more sparingly.
    ...(secure ? { roleBasedAccess: true, newConnections: { ratePerSecond: 50, burst: 20 } } : {}),
  };
  return { ...base, ...FLAWS[profile] };
}
/** A naive stack: the defects listed in ServerBehaviour, no limits of any kind. */
function naive(): ServerBehaviour {
  return {
    strictFraming: false,
    blockingReads: true,
    answerUnknownFunctions: false,
    validateRequests: false,
    echoUnitId: false,
    boundaryDefects: true,
    writeProtected: [],
    fairScheduling: false,
    requestCostUs: 1000,
    connectionCostUs: 2000,
    restartAfterCrashMs: 3000,
    roleBasedAccess: false,
  };
}
