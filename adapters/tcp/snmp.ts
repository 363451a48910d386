/**
 * Just enough SNMP (BER over UDP) to ask an agent who it is: a v1/v2c GetRequest for sysDescr.0, a v3 engine
 * discovery request, and a decoder for what comes back. The simulators use the same encoder to answer.
 */

export const SYS_DESCR_OID = '1.3.6.1.2.1.1.1.0';

const TAG = { integer: 0x02, octetString: 0x04, null: 0x05, oid: 0x06, sequence: 0x30, getRequest: 0xa0, getResponse: 0xa2, report: 0xa8 } as const;

function tlv(tag: number, content: Buffer): Buffer {
  const length = content.length;
  const header =
    length < 0x80 ? Buffer.from([tag, length]) : length < 0x100 ? Buffer.from([tag, 0x81, length]) : Buffer.from([tag, 0x82, length >> 8, length & 0xff]);
  return Buffer.concat([header, content]);
}

function integer(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  do {
    bytes.unshift(rest & 0xff);
    rest = Math.floor(rest / 256);
  } while (rest > 0);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return tlv(TAG.integer, Buffer.from(bytes));
}

const octets = (value: string | Buffer) => tlv(TAG.octetString, Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8'));
const sequence = (...items: Buffer[]) => tlv(TAG.sequence, Buffer.concat(items));

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const bytes = [parts[0]! * 40 + parts[1]!];
  for (const part of parts.slice(2)) {
    const chunk = [part & 0x7f];
    for (let rest = part >> 7; rest > 0; rest >>= 7) chunk.unshift((rest & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(TAG.oid, Buffer.from(bytes));
}

/** A v1 (version 0) or v2c (version 1) GetRequest. */
export function encodeGetRequest(options: { version: 0 | 1; community: string; requestId: number; oid?: string }): Buffer {
  const varbind = sequence(oid(options.oid ?? SYS_DESCR_OID), tlv(TAG.null, Buffer.alloc(0)));
  const pdu = tlv(TAG.getRequest, Buffer.concat([integer(options.requestId), integer(0), integer(0), sequence(varbind)]));
  return sequence(integer(options.version), octets(options.community), pdu);
}

/** A GetResponse carrying one string value, as an agent sends it. */
export function encodeGetResponse(options: { version: number; community: string; requestId: number; oid: string; value: string }): Buffer {
  const varbind = sequence(oid(options.oid), octets(options.value));
  const pdu = tlv(TAG.getResponse, Buffer.concat([integer(options.requestId), integer(0), integer(0), sequence(varbind)]));
  return sequence(integer(options.version), octets(options.community), pdu);
}

/** An SNMPv3 request with no user and the reportable flag: any v3 agent answers it with a Report naming its engine. */
export function encodeV3Discovery(messageId: number): Buffer {
  const globalData = sequence(integer(messageId), integer(65507), octets(Buffer.from([0x04])), integer(3));
  const security = octets(sequence(octets(''), integer(0), integer(0), octets(''), octets(''), octets('')));
  const pdu = tlv(TAG.getRequest, Buffer.concat([integer(messageId), integer(0), integer(0), sequence()]));
  return sequence(integer(3), globalData, security, sequence(octets(''), octets(''), pdu));
}

interface Node {
  tag: number;
  content: Buffer;
}

function readNodes(buffer: Buffer): Node[] {
  const nodes: Node[] = [];
  let offset = 0;
  while (offset < buffer.length) {
    const tag = buffer[offset]!;
    let length = buffer[offset + 1];
    if (length === undefined) throw new Error('truncated BER');
    let start = offset + 2;
    if (length & 0x80) {
      const count = length & 0x7f;
      if (count === 0 || count > 3 || start + count > buffer.length) throw new Error('unsupported BER length');
      length = buffer.readUIntBE(start, count);
      start += count;
    }
    if (start + length > buffer.length) throw new Error('truncated BER');
    nodes.push({ tag, content: buffer.subarray(start, start + length) });
    offset = start + length;
  }
  return nodes;
}

const readInteger = (node: Node | undefined) => (node && node.tag === TAG.integer ? node.content.reduce((value, byte) => value * 256 + byte, 0) : undefined);

function readOid(content: Buffer): string {
  const parts: number[] = [Math.floor(content[0]! / 40), content[0]! % 40];
  let value = 0;
  for (const byte of content.subarray(1)) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

export interface SnmpMessage {
  /** 0 = v1, 1 = v2c, 3 = v3. */
  version: number;
  community?: string;
  pduType: number;
  requestId?: number;
  varbinds: Array<{ oid: string; value: string | number | null }>;
  /** SNMPv3: the authoritative engine ID, hex. */
  engineId?: string;
}

/** Decodes an SNMP message; throws on anything that is not one. */
export function decodeSnmp(buffer: Buffer): SnmpMessage {
  const [message] = readNodes(buffer);
  if (!message || message.tag !== TAG.sequence) throw new Error('not an SNMP message');
  const fields = readNodes(message.content);
  const version = readInteger(fields[0]);
  if (version === undefined) throw new Error('SNMP message without version');
  if (version === 3) {
    const security = fields[2] && readNodes(fields[2].content)[0];
    const engine = security ? readNodes(security.content)[0] : undefined;
    const scoped = fields[3] ? readNodes(fields[3].content) : [];
    const pdu = scoped[2];
    return { version, pduType: pdu?.tag ?? 0, varbinds: [], engineId: engine?.content.toString('hex') };
  }
  const community = fields[1]?.content.toString('utf8');
  const pdu = fields[2];
  if (!pdu) throw new Error('SNMP message without PDU');
  const [requestId, , , list] = readNodes(pdu.content);
  const varbinds = (list ? readNodes(list.content) : []).map((varbind) => {
    const [name, value] = readNodes(varbind.content);
    const decoded = !value || value.tag === TAG.null ? null : value.tag === TAG.octetString ? value.content.toString('utf8') : value.tag === TAG.integer ? readInteger(value)! : `(type 0x${value.tag.toString(16)})`;
    return { oid: name ? readOid(name.content) : '', value: decoded };
  });
  return { version, community, pduType: pdu.tag, requestId: readInteger(requestId), varbinds };
}

export const SNMP_PDU = TAG;
