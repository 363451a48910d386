import type { Discovered, DiscoveryScene } from '../../core/protocol.js';
import { CIP_SECURITY_PORT, ENIP_PORT } from './endpoint.js';
import { EnipConnection } from './session.js';
import { revisionText, type ListedIdentity } from './wire.js';

/**
 * `init`: an EtherNet/IP adapter sends nothing first and ignores an HTTP request, so the registered port 44818 and then
 * every silent port is asked ListIdentity, which needs no session and changes nothing. The CIP Security port (2221) is
 * claimed beside it when open, without a handshake: the TLS discovery would otherwise take it for a web service.
 */
export async function discoverEnip(scene: DiscoveryScene): Promise<Discovered | undefined> {
  const candidates = [...scene.tcp.filter((entry) => entry.port === ENIP_PORT), ...scene.tcp.filter((entry) => entry.port !== ENIP_PORT && entry.port !== CIP_SECURITY_PORT && entry.service === 'unknown')];
  for (const candidate of candidates) {
    const identity = await askIdentity(scene, candidate.port);
    if (identity) return describe(scene, candidate.port, identity);
  }
  return undefined;
}

async function askIdentity(scene: DiscoveryScene, port: number): Promise<ListedIdentity | undefined> {
  let connection: EnipConnection | undefined;
  try {
    const options = { connectTimeoutMs: scene.timeoutMs, requestTimeoutMs: scene.timeoutMs, signal: scene.signal };
    connection = await EnipConnection.open({ host: scene.host, port }, options);
    const [identity] = await connection.listIdentity(options);
    if (identity) scene.log(`${port}/tcp answers EtherNet/IP ListIdentity`);
    return identity;
  } catch {
    // Not EtherNet/IP, or not answering: the port stays for the other protocols.
    return undefined;
  } finally {
    connection?.destroy();
  }
}

function describe(scene: DiscoveryScene, port: number, identity: ListedIdentity): Discovered {
  const security = scene.tcp.some((entry) => entry.port === CIP_SECURITY_PORT);
  const revision = revisionText(identity.revision);
  const todo = [
    'writeProbes: name an attribute that is safe to write at any time, with its harmless value, or the write checks run only with --disruptive',
    security ? `${CIP_SECURITY_PORT}/tcp (CIP Security) is open: set "unsecured" to what the vendor documents for port ${port} ("read-only" or "full")` : 'no CIP Security port is open: if the device has CIP Security, enable it and set cipSecurityPort',
  ];
  return {
    endpoint: {
      port,
      ...(security ? { cipSecurityPort: CIP_SECURITY_PORT } : {}),
      identity: { vendorId: identity.vendorId, deviceType: identity.deviceType, productCode: identity.productCode, ...(identity.productName ? { productName: identity.productName } : {}) },
    },
    claims: [{ port, transport: 'tcp' }, ...(security ? [{ port: CIP_SECURITY_PORT, transport: 'tcp' as const }] : [])],
    found: [
      `EtherNet/IP on ${port}/tcp: "${identity.productName}", vendor ${identity.vendorId}, device type ${identity.deviceType}, product code ${identity.productCode}, revision ${revision}, serial 0x${identity.serialNumber.toString(16)}${security ? `; CIP Security port ${CIP_SECURITY_PORT}/tcp open` : ''}`,
    ],
    todo,
    identity: { vendor: `CIP vendor ${identity.vendorId}`, ...(identity.productName ? { model: identity.productName } : {}), firmware: revision, source: 'EtherNet/IP ListIdentity' },
    essentialFunctions: [{ name: 'EtherNet/IP Identity status', enip: { class: 1, instance: 1, attribute: 5 }, maxLatencyMs: 500 }],
  };
}
