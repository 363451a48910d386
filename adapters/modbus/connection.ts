import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { abortReason } from '../../core/net/abort.js';
import { ConnectError, whenConnected } from '../../core/net/socket.js';
import type { Profile } from '../../core/profile/schema.js';

/** Where and how to reach a Modbus/TCP or Modbus/TCP Security server. */
export interface ModbusTarget {
  host: string;
  port: number;
  unitId: number;
  /** Present for Modbus/TCP Security: the client certificate (with its role) and the CA that verifies the server. */
  tls?: ModbusTlsCredentials;
}

export interface ModbusTlsCredentials {
  certPem?: string;
  keyPem?: string;
  /** The CA the device's certificate should chain to; connections do not insist on it (CR 1.2 inspects it). */
  caPem?: string;
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
}

export interface StepOptions {
  signal?: AbortSignal;
  connectTimeoutMs: number;
}

/** The default unit id of Modbus/TCP when the profile names none: 0xFF addresses the server itself. */
export const DEFAULT_UNIT_ID = 0xff;

export class ModbusConnectError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly phase: 'tcp' | 'tls',
  ) {
    super(message);
    this.name = 'ModbusConnectError';
  }
}

/** The profile's Modbus endpoint at ctx.host. Certificate files are read here so checks never handle paths or keys. */
export function targetFromProfile(profile: Profile, host: string): ModbusTarget {
  const endpoint = profile.endpoints.modbus;
  if (!endpoint) throw new Error('the profile declares no Modbus endpoint (endpoints.modbus)');
  const target: ModbusTarget = { host, port: endpoint.port, unitId: endpoint.unitId ?? DEFAULT_UNIT_ID };
  if (endpoint.tls) {
    const read = (path: string | undefined, what: string) => {
      if (!path) return undefined;
      try {
        return readFileSync(path, 'utf8');
      } catch (error) {
        throw new Error(`cannot read the ${what} named in endpoints.modbus (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    };
    target.tls = {
      certPem: read(endpoint.clientCertificate, 'client certificate'),
      keyPem: read(endpoint.clientPrivateKey, 'client private key'),
      caPem: read(endpoint.caCertificate, 'CA certificate'),
    };
  }
  return target;
}

/** The CA private key of a Modbus/TCP Security profile, when the profile lends it for issuing test role certificates. */
export function caKeyFromProfile(profile: Profile): { certPem: string; keyPem: string } | undefined {
  const endpoint = profile.endpoints.modbus;
  if (!endpoint?.caCertificate || !endpoint.caPrivateKey) return undefined;
  return { certPem: readFileSync(endpoint.caCertificate, 'utf8'), keyPem: readFileSync(endpoint.caPrivateKey, 'utf8') };
}

export const describeTarget = (target: ModbusTarget): string => `${target.tls ? 'modbus+tls' : 'modbus'}://${target.host}:${target.port}`;

/**
 * How this harness's TLS client meets a Modbus/TCP Security server with the given credentials (over a connection of
 * its own or a stream a caller hands over); `overrides` widen it where a check must see what the device offers.
 */
export function tlsClientOptions(host: string, credentials: ModbusTlsCredentials, overrides: tls.ConnectionOptions = {}): tls.ConnectionOptions {
  return {
    cert: credentials.certPem,
    key: credentials.keyPem,
    ca: credentials.caPem,
    // The device's own certificate is judged by the CR 1.2 check; every other check must still reach the device.
    rejectUnauthorized: false,
    // An IP address is not a valid SNI name; the server certificate is checked against the address instead.
    servername: net.isIP(host) ? '' : host,
    minVersion: credentials.minVersion ?? 'TLSv1.2',
    maxVersion: credentials.maxVersion,
    ...overrides,
  };
}

/**
 * Opens a TCP (or TLS) connection within connectTimeoutMs, honouring the abort signal. For TLS the promise resolves
 * after the handshake. The socket is given to `prepare` before it connects, so a library can attach to it first.
 */
export async function openSocket(target: ModbusTarget, options: StepOptions, prepare?: (socket: net.Socket) => void): Promise<net.Socket> {
  if (options.signal?.aborted) throw abortReason(options.signal);
  const credentials = target.tls;
  const socket: net.Socket = credentials
    ? tls.connect({ host: target.host, port: target.port, ...tlsClientOptions(target.host, credentials) })
    : net.connect({ host: target.host, port: target.port });
  prepare?.(socket);
  try {
    const connected = await whenConnected(socket, { connectTimeoutMs: options.connectTimeoutMs, signal: options.signal, secure: credentials !== undefined, peer: target });
    connected.setNoDelay(true);
    return connected;
  } catch (error) {
    if (error instanceof ConnectError) throw new ModbusConnectError(error.message, error.code, error.stage === 'handshake' ? 'tls' : 'tcp');
    throw error;
  }
}

