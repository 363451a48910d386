import type { Discovered, DiscoveryScene } from '../../core/protocol.js';
import { CIP_SECURITY_PORT, ENIP_PORT } from './endpoint.js';
import { EnipConnection } from './session.js';
import { revisionText, type ListedIdentity } from './wire.js';

/**
 * `init`: an EtherNet/IP adapter sends nothing first and ignores an HTTP request, so the registered port 44818 and then
 * every silent port is asked ListIdentity, which needs no session and changes nothing. CIP Security is looked for the
 * same way inside TLS, on 2221 and on the other ports that answered like TLS, so that the TLS discovery does not take
 * it for a web service; an open 2221 that admits no handshake without a client certificate is claimed all the same.
 */
export async function discoverEnip(scene: DiscoveryScene): Promise<Discovered | undefined> {
  const candidates = [...scene.tcp.filter((entry) => entry.port === ENIP_PORT), ...scene.tcp.filter((entry) => entry.port !== ENIP_PORT && entry.port !== CIP_SECURITY_PORT && entry.service === 'unknown')];
  for (const candidate of candidates) {
    const identity = await askIdentity(scene, candidate.port, false);
    if (identity) return describe(scene, candidate.port, identity, await findCipSecurity(scene, candidate.port, identity));
  }
  return undefined;
}

/** The port that serves the same device's EtherNet/IP inside TLS (same serial number), or an open 2221. */
async function findCipSecurity(scene: DiscoveryScene, plainPort: number, plain: ListedIdentity): Promise<{ port: number; seen: boolean } | undefined> {
  // A TLS server may close on the banner probe's HTTP request without an alert, so silent ports are candidates too.
  const tlsPorts = scene.tcp.filter((entry) => entry.port !== plainPort && (entry.port === CIP_SECURITY_PORT || entry.service === 'TLS' || entry.service === 'unknown'));
  for (const candidate of tlsPorts) {
    const identity = await askIdentity(scene, candidate.port, true);
    if (identity && identity.serialNumber === plain.serialNumber) return { port: candidate.port, seen: true };
  }
  return scene.tcp.some((entry) => entry.port === CIP_SECURITY_PORT) ? { port: CIP_SECURITY_PORT, seen: false } : undefined;
}

async function askIdentity(scene: DiscoveryScene, port: number, tls: boolean): Promise<ListedIdentity | undefined> {
  let connection: EnipConnection | undefined;
  try {
    const options = { connectTimeoutMs: scene.timeoutMs, requestTimeoutMs: scene.timeoutMs, signal: scene.signal };
    connection = await EnipConnection.open({ host: scene.host, port, ...(tls ? { tls: {} } : {}) }, options);
    const [identity] = await connection.listIdentity(options);
    if (identity) scene.log(`${port}/tcp answers EtherNet/IP ListIdentity${tls ? ' inside TLS (CIP Security)' : ''}`);
    return identity;
  } catch {
    // Not EtherNet/IP, or not answering: the port stays for the other protocols.
    return undefined;
  } finally {
    connection?.destroy();
  }
}

function describe(scene: DiscoveryScene, port: number, identity: ListedIdentity, security: { port: number; seen: boolean } | undefined): Discovered {
  const revision = revisionText(identity.revision);
  const name = scene.uniqueName('enip', port);
  const todo = [
    `component.vendor: the device reports CIP vendor id ${identity.vendorId}; write the vendor's name`,
    'writeProbes: name an attribute that is safe to write at any time, with its harmless value, or the write checks run only with --disruptive',
    security
      ? `CIP Security on ${security.port}/tcp${security.seen ? '' : ' (open, but no handshake without a client certificate)'}: set "unsecured" to what the vendor documents for port ${port} ("read-only" or "full")`
      : 'no CIP Security port is open: if the device has CIP Security, enable it and set cipSecurityPort',
  ];
  return {
    endpoint: {
      ...(name !== 'enip' ? { name } : {}),
      port,
      ...(security ? { cipSecurityPort: security.port } : {}),
      identity: { vendorId: identity.vendorId, deviceType: identity.deviceType, productCode: identity.productCode, ...(identity.productName ? { productName: identity.productName } : {}) },
    },
    claims: [{ port, transport: 'tcp' }, ...(security ? [{ port: security.port, transport: 'tcp' as const }] : [])],
    found: [
      `EtherNet/IP on ${port}/tcp: "${identity.productName}", vendor ${identity.vendorId}, device type ${identity.deviceType}, product code ${identity.productCode}, revision ${revision}, serial 0x${identity.serialNumber.toString(16)}${security ? `; CIP Security on ${security.port}/tcp${security.seen ? ' (ListIdentity answered inside TLS)' : ''}` : ''}`,
    ],
    todo,
    // A CIP vendor id is a number from the ODVA's list, not the vendor's name: it goes to endpoints.enip.identity only.
    identity: { ...(identity.productName ? { model: identity.productName } : {}), firmware: revision, source: 'EtherNet/IP ListIdentity' },
    essentialFunctions: [{ name: 'EtherNet/IP Identity status', enip: { class: 1, instance: 1, attribute: 5 }, maxLatencyMs: 500 }],
  };
}
