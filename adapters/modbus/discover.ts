import type { Discovered, DiscoveryScene, ListeningPort } from '../../core/protocol.js';
import { ModbusSession, type DeviceIdentification } from './session.js';

/**
 * `init`: a Modbus/TCP server sends nothing first and ignores an HTTP request, so each silent port is asked for the
 * device identification (FC 43 / MEI 14), a read that every server answers, with the objects or with an exception.
 * Unit id 255 first, which Modbus/TCP reserves for the device itself, then 1, which many devices use instead; an
 * answer "gateway path unavailable / target failed to respond" means the unit id was wrong, not that Modbus is absent.
 */
const UNIT_IDS = [255, 1];
const GATEWAY_EXCEPTIONS = [0x0a, 0x0b];
/** Modbus/TCP Security has its own port; nothing is sent to it without the client certificate a vendor issues. */
const MODBUS_SECURITY_PORT = 802;

export async function discoverModbus(scene: DiscoveryScene): Promise<Discovered | undefined> {
  const security = scene.tcp.find((entry) => entry.port === MODBUS_SECURITY_PORT);
  for (const candidate of scene.tcp.filter((entry) => entry.service === 'unknown' && entry.port !== MODBUS_SECURITY_PORT)) {
    const answer = await askIdentification(scene, candidate);
    if (answer) return describe(scene, candidate.port, answer.unitId, answer.identification, security);
  }
  if (!security) return undefined;
  return {
    endpoint: { port: MODBUS_SECURITY_PORT, tls: true },
    claims: [{ port: MODBUS_SECURITY_PORT, transport: 'tcp' }],
    found: [`${MODBUS_SECURITY_PORT}/tcp is open, the Modbus/TCP Security port; not probed without a client certificate`],
    todo: ['Modbus/TCP Security needs clientCertificate, clientPrivateKey and caCertificate from the vendor; remove this section if the port serves something else'],
  };
}

async function askIdentification(scene: DiscoveryScene, candidate: ListeningPort): Promise<{ unitId: number; identification: DeviceIdentification | undefined } | undefined> {
  for (const unitId of UNIT_IDS) {
    let session: ModbusSession | undefined;
    try {
      session = await ModbusSession.connect({ host: scene.host, port: candidate.port, unitId }, { connectTimeoutMs: scene.timeoutMs, requestTimeoutMs: scene.timeoutMs, signal: scene.signal });
      const result = await session.readDeviceIdentification();
      if (!result.ok && GATEWAY_EXCEPTIONS.includes(result.exception)) {
        scene.log(`${candidate.port}/tcp answers Modbus for unit ${unitId} with a gateway exception: not this unit id`);
        continue;
      }
      scene.log(`${candidate.port}/tcp answers Modbus FC 43 for unit ${unitId}${result.ok ? '' : ' with an exception'}`);
      return { unitId, identification: result.ok ? result.value : undefined };
    } catch {
      // No Modbus answer from this unit id (or not Modbus at all): try the next.
    } finally {
      await session?.close().catch(() => {});
    }
  }
  return undefined;
}

function describe(scene: DiscoveryScene, port: number, unitId: number, identification: DeviceIdentification | undefined, security: ListeningPort | undefined): Discovered {
  const object = (id: number) => identification?.objects.find((entry) => entry.id === id)?.value.trim() || undefined;
  const vendor = object(0x00);
  const model = object(0x05) ?? object(0x04) ?? object(0x01);
  const firmware = object(0x02);
  const todo: string[] = [];
  if (!identification) todo.push('the device answers FC 43 with an exception: fill in component.vendor, model and firmware');
  if (security) todo.push(`${MODBUS_SECURITY_PORT}/tcp (Modbus/TCP Security) is open too: describe it as a second component profile or confirm it in openPorts`);
  if (port !== 502) scene.log(`Modbus/TCP on ${port}/tcp, not the registered port 502`);
  return {
    endpoint: { port, unitId },
    claims: [{ port, transport: 'tcp' }],
    found: [`Modbus/TCP on ${port}/tcp, unit ${unitId}: ${identification ? identification.objects.map((entry) => `${entry.name}="${entry.value}"`).join(', ') : 'no device identification'}`],
    todo,
    ...(vendor || model || firmware ? { identity: { vendor, model, firmware, source: 'Modbus FC 43 device identification' } } : {}),
    essentialFunctions: [{ name: 'Modbus holding register 0', modbus: { read: 'holding', address: 0, count: 1 } }],
  };
}
