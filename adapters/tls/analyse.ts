import { csvDocument } from '../../core/evidence/csv.js';
import { cipherSuite, LEGACY_SUITE_CODES, TLS13_SUITE_CODES, type CipherSuite } from './cipher-suites.js';
import { chainLoop, describeCertificate, distinguishedNameText, type CertificateFacts } from '../pki/inspect.js';
import { probeClientCertificateRequired } from './client-auth.js';
import { probe, type ProbeResult, type ProbeTarget } from './probe.js';
import { displayVersion, GROUPS, keyShareGroupSupported, TLS_VERSIONS, VERSION_CODES, versionName, type TlsVersion } from './wire.js';

/**
 * What a TLS service accepts, found with hand-built ClientHellos: one per protocol version, then one per accepted
 * cipher suite (each time without the suites already found) until the server refuses. Nothing beyond the server's
 * first flight is exchanged, except one ordinary handshake when the server asks for a client certificate.
 */

export interface TlsAnalysisOptions {
  host: string;
  port: number;
  signal: AbortSignal;
  /** TCP connect timeout per connection (default 3000 ms). */
  connectTimeoutMs?: number;
  /** Wait for the server's answer per connection (default 5000 ms). */
  timeoutMs?: number;
  /** DNS name for SNI; never sent for an IP address. */
  serverName?: string;
  /** Receives one line per connection, for the check's transcript. */
  log?: (line: string) => void;
  /** false: one ClientHello per version only (enough for versions and the certificate). Default true. */
  enumerateSuites?: boolean;
}

export interface VersionProbe {
  version: TlsVersion;
  accepted: boolean;
  /** What the server answered: "ServerHello TLS 1.2 …", "alert protocol_version (70)", "connection closed". */
  answer: string;
}

export interface AcceptedSuite extends CipherSuite {
  version: TlsVersion;
  /** The ephemeral key of the exchange when the server showed it: "x25519", "DH 1024-bit". */
  ephemeralKey?: string;
}

export interface ClientCertificatePolicy {
  requested: boolean;
  /** undefined when not requested, or when no complete handshake could tell. */
  required?: boolean;
  /** Distinguished names of the CAs the server said it trusts for client certificates. */
  authorities: string[];
  detail: string;
}

export interface TlsAnalysis {
  host: string;
  port: number;
  versions: VersionProbe[];
  acceptedVersions: TlsVersion[];
  /** Every accepted (version, suite) pair, in the server's order of preference per version (only the first per version when enumerateSuites is false). */
  suites: AcceptedSuite[];
  forwardSecrecy: {
    /** At least one accepted suite has an ephemeral key exchange. */
    offered: boolean;
    /** Every accepted suite has one. */
    only: boolean;
  };
  /** The chain as the server presents it, leaf first, from the highest accepted version. */
  certificates: CertificateFacts[];
  clientCertificate: ClientCertificatePolicy;
  connections: number;
  durationMs: number;
}

export class TlsAnalysisError extends Error {
  override name = 'TlsAnalysisError';
}

function describeAnswer(result: ProbeResult, timeoutMs: number): string {
  switch (result.outcome) {
    case 'server-hello': {
      const hello = result.serverHello!;
      const version = versionName(hello.version);
      return `${hello.helloRetryRequest ? 'HelloRetryRequest' : 'ServerHello'} ${typeof version === 'string' && version.startsWith('0x') ? version : displayVersion(version as TlsVersion)} ${cipherSuite(hello.suite).name}`;
    }
    case 'alert':
      return `alert ${result.alert!.text}`;
    case 'timeout':
      return `no answer within ${timeoutMs} ms`;
    case 'not-tls':
      return `not TLS: "${result.plaintextAnswer}"`;
    default:
      return result.note ?? 'connection closed without an answer';
  }
}

const ephemeralOf = (result: ProbeResult): string | undefined => {
  const share = result.serverHello?.keyShare;
  return result.ephemeralKey ?? (share ? (GROUPS[share.group] ?? `group 0x${share.group.toString(16)}`) : undefined);
};

export async function analyseTls(options: TlsAnalysisOptions): Promise<TlsAnalysis> {
  const started = Date.now();
  const connectTimeoutMs = options.connectTimeoutMs ?? 3_000;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const target: ProbeTarget = {
    host: options.host,
    port: options.port,
    serverName: options.serverName,
    connectTimeoutMs,
    responseTimeoutMs: timeoutMs,
    signal: options.signal,
  };
  const log = options.log ?? (() => undefined);
  let connections = 0;
  const run = async (version: TlsVersion, suites: readonly number[], readFlight: boolean, keyShareGroups?: number[]) => {
    connections++;
    const result = await probe(target, { version, suites, readFlight, keyShareGroups });
    log(`${displayVersion(version)} ClientHello offering ${suites.length} suite(s) → ${describeAnswer(result, timeoutMs)}`);
    return result;
  };

  const versions: VersionProbe[] = [];
  const suites: AcceptedSuite[] = [];
  const flights: Array<{ version: TlsVersion; result: ProbeResult }> = [];
  // Highest first: the first answer tells whether the port speaks TLS at all.
  for (const version of [...TLS_VERSIONS].reverse()) {
    const offered = version === 'TLSv1.3' ? TLS13_SUITE_CODES : LEGACY_SUITE_CODES;
    let first = await run(version, offered, true);
    if (first.outcome === 'not-tls') throw new TlsAnalysisError(`${options.host}:${options.port} does not speak TLS: it answered a ClientHello with "${first.plaintextAnswer}"`);
    // Two silent answers in a row at the start (TLS 1.3 and 1.2) mean a service that is not TLS or is stuck, not a version gap.
    if (first.outcome === 'timeout' && versions.length === 1 && versions[0]!.answer.startsWith('no answer')) {
      throw new TlsAnalysisError(`${options.host}:${options.port} accepted the TCP connection but answered no ClientHello within ${timeoutMs} ms`);
    }
    const hello = first.serverHello;
    let keyShareGroups: number[] | undefined;
    if (hello?.helloRetryRequest && hello.keyShare && keyShareGroupSupported(hello.keyShare.group)) {
      // A new connection with the share the server asked for is simpler than continuing the old one, and equivalent.
      keyShareGroups = [hello.keyShare.group];
      first = await run(version, offered, true, keyShareGroups);
    }
    const accepted = first.outcome === 'server-hello' && first.serverHello!.version === VERSION_CODES[version];
    versions.push({ version, accepted, answer: describeAnswer(first, timeoutMs) });
    if (!accepted) continue;
    flights.push({ version, result: first });

    const found: AcceptedSuite[] = [];
    let latest = first;
    let remaining = offered;
    while (options.enumerateSuites !== false) {
      const code = latest.serverHello!.suite;
      if (!remaining.includes(code) || found.some((suite) => suite.code === code)) {
        log(`${displayVersion(version)}: the server chose ${cipherSuite(code).name}, which was not offered; enumeration stopped`);
        break;
      }
      found.push({ ...cipherSuite(code), version, ephemeralKey: ephemeralOf(latest) });
      remaining = remaining.filter((candidate) => candidate !== code);
      if (remaining.length === 0) break;
      options.signal.throwIfAborted();
      const next = await run(version, remaining, version !== 'TLSv1.3', keyShareGroups);
      if (next.outcome !== 'server-hello' || next.serverHello!.version !== VERSION_CODES[version]) break;
      latest = next;
    }
    if (options.enumerateSuites === false) found.push({ ...cipherSuite(first.serverHello!.suite), version, ephemeralKey: ephemeralOf(first) });
    suites.push(...found);
  }

  const acceptedVersions = versions.filter((probe) => probe.accepted).map((probe) => probe.version);
  if (acceptedVersions.length === 0) {
    throw new TlsAnalysisError(
      `${options.host}:${options.port} accepted no TLS version: ${versions.map((probe) => `${displayVersion(probe.version)} → ${probe.answer}`).join('; ')}`,
    );
  }

  const withChain = flights.find((flight) => flight.result.certificates && flight.result.certificates.length > 0);
  const certificates = (withChain?.result.certificates ?? []).map((der) => describeCertificate(der));
  if (!withChain) log('no certificate could be read from any accepted version');
  const loop = chainLoop(certificates);
  if (loop) throw new TlsAnalysisError(`${options.host}:${options.port} presents a certificate chain that loops (${loop}): it leads to no trust anchor, so the service cannot be assessed`);

  const requestingFlight = flights.find((flight) => flight.result.certificateRequested);
  let clientCertificate: ClientCertificatePolicy = { requested: false, authorities: [], detail: 'the server did not ask for a client certificate' };
  if (requestingFlight) {
    const authorities = (requestingFlight.result.certificateAuthorities ?? []).map(distinguishedNameText);
    const pinned = acceptedVersions.find((version): version is 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3' => version !== 'SSLv3');
    if (pinned) {
      connections++;
      const verdict = await probeClientCertificateRequired({ ...target, version: pinned });
      log(`${displayVersion(pinned)} handshake without a client certificate → ${verdict.detail}`);
      clientCertificate = { requested: true, required: verdict.required, authorities, detail: verdict.detail };
    } else {
      clientCertificate = { requested: true, authorities, detail: 'requested; whether it is required was not tested (SSL 3.0 only)' };
    }
  }

  const fs = suites.map((suite) => suite.forwardSecrecy);
  return {
    host: options.host,
    port: options.port,
    versions: versions.sort((a, b) => TLS_VERSIONS.indexOf(a.version) - TLS_VERSIONS.indexOf(b.version)),
    acceptedVersions: TLS_VERSIONS.filter((version) => acceptedVersions.includes(version)),
    suites,
    forwardSecrecy: { offered: fs.some(Boolean), only: fs.length > 0 && fs.every(Boolean) },
    certificates,
    clientCertificate,
    connections,
    durationMs: Date.now() - started,
  };
}

/** The analysis as CSV rows (one per accepted version and suite), for attachments. */
export function suitesCsv(analysis: TlsAnalysis): string {
  return csvDocument(
    ['version', 'suite', 'code', 'key exchange', 'ephemeral key', 'cipher', 'mac', 'forward secrecy', 'aead'],
    analysis.suites.map((suite) => [displayVersion(suite.version), suite.name, `0x${suite.code.toString(16).padStart(4, '0')}`, suite.keyExchange, suite.ephemeralKey, suite.cipher, suite.mac, suite.forwardSecrecy, suite.aead]),
  );
}

/** The analysis without the certificates' PEM, for a check's details. */
export function analysisSummary(analysis: TlsAnalysis): unknown {
  return {
    ...analysis,
    suites: analysis.suites.map((suite) => ({ version: suite.version, name: suite.name, ephemeralKey: suite.ephemeralKey, forwardSecrecy: suite.forwardSecrecy })),
    certificates: analysis.certificates.map(({ pem: _pem, ...facts }) => facts),
  };
}
