import { createSocket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { isIP } from 'node:net';
import { decodeSnmp, encodeGetRequest, encodeV3Discovery, SNMP_PDU } from './snmp.js';

/**
 * UDP has no handshake, so a UDP port only shows itself by answering something it understands. Each probe here sends
 * one harmless request of a common ICS or management protocol (a read of an identity, never a write) and recognises
 * the answer. A port that sends ICMP port-unreachable is closed; one that stays silent is "open|filtered", as nmap says.
 */

export interface UdpProbe {
  port: number;
  service: string;
  /** Datagrams to send; each is sent once, and again halfway through the wait. */
  requests(): Buffer[];
  /** What the answer says about the service, or undefined when it is not this protocol's answer. */
  recognise(reply: Buffer): string | undefined;
}

const printable = (text: string) => text.replace(/[^\x20-\x7e]+/g, ' ').trim().slice(0, 120);

const BACNET_WHO_IS = Buffer.from([0x81, 0x0a, 0x00, 0x08, 0x01, 0x00, 0x10, 0x08]);

/** Reads the device instance of a BACnet/IP I-Am, past the NPDU's optional addressing. */
function bacnetAnswer(reply: Buffer): string | undefined {
  if (reply.length < 6 || reply[0] !== 0x81) return undefined;
  let offset = 4;
  if (reply[offset] !== 0x01) return 'BACnet/IP (BVLC answer)';
  const control = reply[offset + 1]!;
  offset += 2;
  if (control & 0x20) offset += 3 + (reply[offset + 2] ?? 0);
  if (control & 0x08) offset += 3 + (reply[offset + 2] ?? 0);
  if (control & 0x20) offset += 1;
  if (control & 0x80) return 'BACnet/IP (network layer message)';
  if (reply[offset] === 0x10 && reply[offset + 1] === 0x00 && reply[offset + 2] === 0xc4 && offset + 7 <= reply.length) {
    const objectId = reply.readUInt32BE(offset + 3);
    return `BACnet/IP I-Am, device instance ${objectId & 0x3fffff}`;
  }
  return 'BACnet/IP (APDU answer)';
}

export const UDP_PROBES: readonly UdpProbe[] = [
  {
    port: 69,
    service: 'TFTP',
    requests: () => [Buffer.concat([Buffer.from([0x00, 0x01]), Buffer.from('iec62443-harness-probe\0octet\0', 'latin1')])],
    recognise: (reply) => {
      const opcode = reply.length >= 4 ? reply.readUInt16BE(0) : 0;
      if (opcode === 3) return 'TFTP (served a file named iec62443-harness-probe)';
      if (opcode === 5) return `TFTP (error ${reply.readUInt16BE(2)}: ${printable(reply.subarray(4).toString('latin1'))})`;
      return undefined;
    },
  },
  {
    port: 123,
    service: 'NTP',
    requests: () => [Buffer.concat([Buffer.from([0x23]), Buffer.alloc(47)])],
    recognise: (reply) => (reply.length >= 48 && (reply[0]! & 0x07) === 4 ? `NTP server, stratum ${reply[1]}` : undefined),
  },
  {
    port: 161,
    service: 'SNMP',
    requests: () => [encodeGetRequest({ version: 1, community: 'public', requestId: randomInt(1, 0x7fffffff) }), encodeV3Discovery(randomInt(1, 0x7fffffff))],
    recognise: (reply) => {
      try {
        const message = decodeSnmp(reply);
        if (message.version === 3) return `SNMPv3 agent, engine ${message.engineId ?? 'unknown'}`;
        const value = message.varbinds[0]?.value;
        if (message.pduType === SNMP_PDU.getResponse) return `SNMP v${message.version === 0 ? '1' : '2c'} agent answering community "${message.community}"${typeof value === 'string' ? `, sysDescr "${printable(value)}"` : ''}`;
        return `SNMP agent (PDU 0x${message.pduType.toString(16)})`;
      } catch {
        return undefined;
      }
    },
  },
  {
    port: 1900,
    service: 'SSDP/UPnP',
    requests: () => [Buffer.from('M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n', 'latin1')],
    recognise: (reply) => {
      const text = reply.toString('latin1');
      if (!text.startsWith('HTTP/1.1')) return undefined;
      const server = /\r\nserver:\s*([^\r\n]*)/i.exec(text)?.[1];
      return `SSDP/UPnP${server ? `, server "${printable(server)}"` : ''}`;
    },
  },
  {
    port: 5683,
    service: 'CoAP',
    // Confirmable GET /.well-known/core.
    requests: () => [Buffer.concat([Buffer.from([0x40, 0x01, randomInt(0, 256), randomInt(0, 256), 0xbb]), Buffer.from('.well-known'), Buffer.from([0x04]), Buffer.from('core')])],
    recognise: (reply) => (reply.length >= 4 && reply[0]! >> 6 === 1 ? `CoAP (response code ${reply[1]! >> 5}.${String(reply[1]! & 0x1f).padStart(2, '0')})` : undefined),
  },
  {
    port: 44818,
    service: 'EtherNet/IP',
    // Encapsulation ListIdentity (command 0x63) with no data.
    requests: () => [Buffer.concat([Buffer.from([0x63, 0x00]), Buffer.alloc(22)])],
    recognise: (reply) => {
      if (reply.length < 24 || reply.readUInt16LE(0) !== 0x63) return undefined;
      const name = reply.length > 63 ? printable(reply.subarray(63, 63 + reply[62]!).toString('latin1')) : '';
      return `EtherNet/IP ListIdentity answer${name ? `, product "${name}"` : ''}`;
    },
  },
  {
    port: 47808,
    service: 'BACnet/IP',
    requests: () => [BACNET_WHO_IS],
    recognise: bacnetAnswer,
  },
];

export type UdpState = 'open' | 'closed' | 'open|filtered';

export interface UdpProbeResult {
  port: number;
  service: string;
  state: UdpState;
  /** What the answer said; for an unrecognised answer, its size. */
  answer?: string;
}

export interface UdpScanOptions {
  host: string;
  probes?: readonly UdpProbe[];
  /** How long to wait for an answer per port; the requests are sent again halfway through. */
  timeoutMs: number;
  signal: AbortSignal;
}

function probeOne(host: string, probe: UdpProbe, timeoutMs: number, signal: AbortSignal): Promise<UdpProbeResult> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = (result: UdpProbeResult | Error) => {
      if (settled) return;
      settled = true;
      timers.forEach(clearTimeout);
      signal.removeEventListener('abort', onAbort);
      try {
        socket.close();
      } catch {
        // already closed
      }
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const onAbort = () => finish(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    const base = { port: probe.port, service: probe.service };
    const send = () => {
      for (const request of probe.requests()) socket.send(request, (error) => error && finish({ ...base, state: 'open|filtered', answer: `send failed: ${error.message}` }));
    };
    socket.on('message', (reply) => {
      const recognised = probe.recognise(reply);
      finish({ ...base, state: 'open', answer: recognised ?? `unrecognised answer of ${reply.length} bytes` });
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') finish({ ...base, state: 'closed' });
      else finish({ ...base, state: 'open|filtered', answer: `socket error ${error.code ?? error.message}` });
    });
    socket.connect(probe.port, host, () => {
      send();
      timers.push(setTimeout(send, timeoutMs / 2));
      timers.push(setTimeout(() => finish({ ...base, state: 'open|filtered' }), timeoutMs));
    });
  });
}

/** Probes every service at once: the probes are few and each is one or two datagrams. */
export async function udpServiceScan(options: UdpScanOptions): Promise<UdpProbeResult[]> {
  options.signal.throwIfAborted();
  const probes = options.probes ?? UDP_PROBES;
  return Promise.all(probes.map((probe) => probeOne(options.host, probe, options.timeoutMs, options.signal)));
}
