/**
 * EtherNet/IP encapsulation and CIP explicit messages as bytes, written from the public descriptions of the
 * encapsulation protocol (24-byte little-endian header, common packet format) and of the CIP message router
 * (service, EPATH, general status). Pure functions: no socket here, so the simulator and the fuzz corpus share them.
 */

export const HEADER_LENGTH = 24;
/** The largest data part the encapsulation allows (the 16-bit length minus the header, as the specification caps it). */
export const MAX_DATA_LENGTH = 65_511;

export const Command = {
  nop: 0x0000,
  listServices: 0x0004,
  listIdentity: 0x0063,
  listInterfaces: 0x0064,
  registerSession: 0x0065,
  unRegisterSession: 0x0066,
  sendRRData: 0x006f,
  sendUnitData: 0x0070,
} as const;

/** Encapsulation status codes. */
export const EncapStatus = {
  success: 0x0000,
  invalidCommand: 0x0001,
  insufficientMemory: 0x0002,
  incorrectData: 0x0003,
  invalidSession: 0x0064,
  invalidLength: 0x0065,
  unsupportedProtocol: 0x0069,
} as const;

const ENCAP_STATUS_NAMES: Record<number, string> = {
  0x0000: 'success',
  0x0001: 'invalid or unsupported command',
  0x0002: 'insufficient memory resources',
  0x0003: 'poorly formed or incorrect data',
  0x0064: 'invalid session handle',
  0x0065: 'invalid length',
  0x0069: 'unsupported encapsulation protocol revision',
};
export const encapStatusName = (status: number) => `0x${status.toString(16).padStart(4, '0')} ${ENCAP_STATUS_NAMES[status] ?? 'unknown status'}`;

export const Service = {
  getAttributesAll: 0x01,
  getAttributeSingle: 0x0e,
  setAttributeSingle: 0x10,
} as const;

/** CIP general status codes. */
export const GeneralStatus = {
  success: 0x00,
  pathSegmentError: 0x04,
  pathDestinationUnknown: 0x05,
  serviceNotSupported: 0x08,
  attributeNotSettable: 0x0e,
  privilegeViolation: 0x0f,
  notEnoughData: 0x13,
  attributeNotSupported: 0x14,
  tooMuchData: 0x15,
  objectDoesNotExist: 0x16,
} as const;

const GENERAL_STATUS_NAMES: Record<number, string> = {
  0x00: 'success',
  0x01: 'connection failure',
  0x02: 'resource unavailable',
  0x03: 'invalid parameter value',
  0x04: 'path segment error',
  0x05: 'path destination unknown',
  0x08: 'service not supported',
  0x09: 'invalid attribute value',
  0x0c: 'object state conflict',
  0x0e: 'attribute not settable',
  0x0f: 'privilege violation',
  0x10: 'device state conflict',
  0x13: 'not enough data',
  0x14: 'attribute not supported',
  0x15: 'too much data',
  0x16: 'object does not exist',
  0x20: 'invalid parameter',
};
export const generalStatusName = (status: number) => `0x${status.toString(16).padStart(2, '0')} ${GENERAL_STATUS_NAMES[status] ?? 'status'}`;

export interface EncapHeader {
  command: number;
  length: number;
  session: number;
  status: number;
  context: Buffer;
  options: number;
}

export interface EncapFrame extends EncapHeader {
  data: Buffer;
}

export const hex = (bytes: Buffer) => bytes.toString('hex');

/** One encapsulation message; `length` may lie (fuzz cases), otherwise it is the data's. */
export function encodeFrame(frame: Partial<EncapHeader> & { command: number; data?: Buffer }): Buffer {
  const data = frame.data ?? Buffer.alloc(0);
  const header = Buffer.alloc(HEADER_LENGTH);
  header.writeUInt16LE(frame.command, 0);
  header.writeUInt16LE(frame.length ?? data.length, 2);
  header.writeUInt32LE(frame.session ?? 0, 4);
  header.writeUInt32LE(frame.status ?? 0, 8);
  (frame.context ?? Buffer.alloc(8)).copy(header, 12, 0, 8);
  header.writeUInt32LE(frame.options ?? 0, 20);
  return Buffer.concat([header, data]);
}

export function decodeHeader(bytes: Buffer): EncapHeader {
  return {
    command: bytes.readUInt16LE(0),
    length: bytes.readUInt16LE(2),
    session: bytes.readUInt32LE(4),
    status: bytes.readUInt32LE(8),
    context: Buffer.from(bytes.subarray(12, 20)),
    options: bytes.readUInt32LE(20),
  };
}

/** Splits complete frames off the front of a stream buffer; `rest` is what is still incomplete. */
export function splitFrames(buffer: Buffer): { frames: EncapFrame[]; rest: Buffer } {
  const frames: EncapFrame[] = [];
  let offset = 0;
  while (buffer.length - offset >= HEADER_LENGTH) {
    const header = decodeHeader(buffer.subarray(offset));
    if (buffer.length - offset < HEADER_LENGTH + header.length) break;
    frames.push({ ...header, data: Buffer.from(buffer.subarray(offset + HEADER_LENGTH, offset + HEADER_LENGTH + header.length)) });
    offset += HEADER_LENGTH + header.length;
  }
  return { frames, rest: buffer.subarray(offset) };
}

/** RegisterSession data: protocol version 1, no options. */
export const registerSessionData = (version = 1, options = 0) => {
  const data = Buffer.alloc(4);
  data.writeUInt16LE(version, 0);
  data.writeUInt16LE(options, 2);
  return data;
};

/** A CIP EPATH to class/instance[/attribute], with 8-bit logical segments where the ids fit and 16-bit ones otherwise. */
export function encodePath(point: { class: number; instance: number; attribute?: number }): Buffer {
  const segment = (type: number, id: number) => (id <= 0xff ? Buffer.from([type, id]) : Buffer.from([type | 1, 0, id & 0xff, id >> 8]));
  return Buffer.concat([segment(0x20, point.class), segment(0x24, point.instance), ...(point.attribute !== undefined ? [segment(0x30, point.attribute)] : [])]);
}

/** A message-router request: service, path size in words, path, data. */
export function encodeCipRequest(service: number, path: Buffer, data: Buffer = Buffer.alloc(0), pathWords = path.length / 2): Buffer {
  return Buffer.concat([Buffer.from([service, pathWords]), path, data]);
}

export interface CipPath {
  class?: number;
  instance?: number;
  attribute?: number;
}

/** Reads an EPATH of logical segments; undefined when a segment is not one this decoder knows (a path segment error). */
export function decodePath(path: Buffer): CipPath | undefined {
  const result: CipPath = {};
  let offset = 0;
  while (offset < path.length) {
    const type = path[offset]!;
    const logical = type & 0xfc;
    const format = type & 0x03;
    let id: number;
    if (format === 0 && offset + 2 <= path.length) {
      id = path[offset + 1]!;
      offset += 2;
    } else if (format === 1 && offset + 4 <= path.length) {
      id = path.readUInt16LE(offset + 2);
      offset += 4;
    } else return undefined;
    if (logical === 0x20) result.class = id;
    else if (logical === 0x24) result.instance = id;
    else if (logical === 0x30) result.attribute = id;
    else return undefined;
  }
  return result;
}

export interface CipRequest {
  service: number;
  pathWords: number;
  path: Buffer;
  data: Buffer;
}

/** undefined when the request is too short for its own path size. */
export function decodeCipRequest(bytes: Buffer): CipRequest | undefined {
  if (bytes.length < 2) return undefined;
  const pathWords = bytes[1]!;
  if (bytes.length < 2 + pathWords * 2) return undefined;
  return { service: bytes[0]!, pathWords, path: bytes.subarray(2, 2 + pathWords * 2), data: bytes.subarray(2 + pathWords * 2) };
}

export interface CipResponse {
  service: number;
  generalStatus: number;
  additionalStatus: number[];
  data: Buffer;
}

export function encodeCipResponse(service: number, generalStatus: number, data: Buffer = Buffer.alloc(0), additional: number[] = []): Buffer {
  const head = Buffer.from([service | 0x80, 0, generalStatus, additional.length]);
  const extra = Buffer.alloc(additional.length * 2);
  additional.forEach((word, index) => extra.writeUInt16LE(word, index * 2));
  return Buffer.concat([head, extra, data]);
}

export function decodeCipResponse(bytes: Buffer): CipResponse | undefined {
  if (bytes.length < 4 || (bytes[0]! & 0x80) === 0) return undefined;
  const additionalWords = bytes[3]!;
  if (bytes.length < 4 + additionalWords * 2) return undefined;
  const additionalStatus = Array.from({ length: additionalWords }, (_, index) => bytes.readUInt16LE(4 + index * 2));
  return { service: bytes[0]! & 0x7f, generalStatus: bytes[2]!, additionalStatus, data: bytes.subarray(4 + additionalWords * 2) };
}

/** Common packet format items. */
export const ItemType = { nullAddress: 0x0000, unconnectedData: 0x00b2, identity: 0x000c, services: 0x0100 } as const;

export interface CpfItem {
  type: number;
  data: Buffer;
}

export function encodeCpf(items: CpfItem[]): Buffer {
  const count = Buffer.alloc(2);
  count.writeUInt16LE(items.length, 0);
  return Buffer.concat([
    count,
    ...items.map((item) => {
      const head = Buffer.alloc(4);
      head.writeUInt16LE(item.type, 0);
      head.writeUInt16LE(item.data.length, 2);
      return Buffer.concat([head, item.data]);
    }),
  ]);
}

/** undefined when the item list is inconsistent with its own lengths. */
export function decodeCpf(bytes: Buffer): CpfItem[] | undefined {
  if (bytes.length < 2) return undefined;
  const count = bytes.readUInt16LE(0);
  const items: CpfItem[] = [];
  let offset = 2;
  for (let index = 0; index < count; index++) {
    if (offset + 4 > bytes.length) return undefined;
    const type = bytes.readUInt16LE(offset);
    const length = bytes.readUInt16LE(offset + 2);
    if (offset + 4 + length > bytes.length) return undefined;
    items.push({ type, data: Buffer.from(bytes.subarray(offset + 4, offset + 4 + length)) });
    offset += 4 + length;
  }
  return items;
}

/** SendRRData data: interface handle 0, a timeout, and a null address item with the unconnected message. */
export function sendRRData(cipRequest: Buffer, timeoutS = 5): Buffer {
  const head = Buffer.alloc(6);
  head.writeUInt32LE(0, 0);
  head.writeUInt16LE(timeoutS, 4);
  return Buffer.concat([head, encodeCpf([{ type: ItemType.nullAddress, data: Buffer.alloc(0) }, { type: ItemType.unconnectedData, data: cipRequest }])]);
}

/** The CIP message inside a SendRRData request or reply; undefined when the packet does not carry one. */
export function unconnectedMessage(sendRRDataPayload: Buffer): Buffer | undefined {
  if (sendRRDataPayload.length < 6) return undefined;
  return decodeCpf(sendRRDataPayload.subarray(6))?.find((item) => item.type === ItemType.unconnectedData)?.data;
}

/** What the Identity object (class 1, instance 1) holds, and what ListIdentity repeats. */
export interface IdentityAttributes {
  vendorId: number;
  deviceType: number;
  productCode: number;
  revision: { major: number; minor: number };
  status: number;
  serialNumber: number;
  productName: string;
}

/** Get_Attributes_All of the Identity object: attributes 1 to 7 in order. */
export function encodeIdentityAttributes(identity: IdentityAttributes): Buffer {
  const fixed = Buffer.alloc(14);
  fixed.writeUInt16LE(identity.vendorId, 0);
  fixed.writeUInt16LE(identity.deviceType, 2);
  fixed.writeUInt16LE(identity.productCode, 4);
  fixed.writeUInt8(identity.revision.major, 6);
  fixed.writeUInt8(identity.revision.minor, 7);
  fixed.writeUInt16LE(identity.status, 8);
  fixed.writeUInt32LE(identity.serialNumber, 10);
  const name = Buffer.from(identity.productName, 'latin1');
  return Buffer.concat([fixed, Buffer.from([name.length]), name]);
}

export function decodeIdentityAttributes(bytes: Buffer): IdentityAttributes | undefined {
  if (bytes.length < 15) return undefined;
  const nameLength = bytes[14]!;
  if (bytes.length < 15 + nameLength) return undefined;
  return {
    vendorId: bytes.readUInt16LE(0),
    deviceType: bytes.readUInt16LE(2),
    productCode: bytes.readUInt16LE(4),
    revision: { major: bytes[6]!, minor: bytes[7]! },
    status: bytes.readUInt16LE(8),
    serialNumber: bytes.readUInt32LE(10),
    productName: bytes.subarray(15, 15 + nameLength).toString('latin1'),
  };
}

/** A ListIdentity item: protocol version, socket address (big-endian, as sockaddr_in), the identity, a state byte. */
export function encodeListIdentityItem(identity: IdentityAttributes, address: { ip: string; port: number }, state = 0x03): Buffer {
  const head = Buffer.alloc(18);
  head.writeUInt16LE(1, 0);
  head.writeUInt16BE(2, 2);
  head.writeUInt16BE(address.port, 4);
  const octets = address.ip.split('.').map(Number);
  if (octets.length === 4 && octets.every((octet) => Number.isInteger(octet))) octets.forEach((octet, index) => head.writeUInt8(octet, 6 + index));
  return Buffer.concat([head, encodeIdentityAttributes(identity), Buffer.from([state])]);
}

export interface ListedIdentity extends IdentityAttributes {
  protocolVersion: number;
  socketAddress: string;
  state?: number;
}

export function decodeListIdentityItem(bytes: Buffer): ListedIdentity | undefined {
  if (bytes.length < 18) return undefined;
  const identity = decodeIdentityAttributes(bytes.subarray(18));
  if (!identity) return undefined;
  const stateAt = 18 + 15 + identity.productName.length;
  return {
    ...identity,
    protocolVersion: bytes.readUInt16LE(0),
    socketAddress: `${bytes[6]}.${bytes[7]}.${bytes[8]}.${bytes[9]}:${bytes.readUInt16BE(4)}`,
    ...(bytes.length > stateAt ? { state: bytes[stateAt] } : {}),
  };
}

/** A ListServices item: version 1, capability flags, a 16-byte name. */
export function encodeServiceItem(name: string, capabilities: number): Buffer {
  const body = Buffer.alloc(20);
  body.writeUInt16LE(1, 0);
  body.writeUInt16LE(capabilities, 2);
  body.write(name.slice(0, 15), 4, 'latin1');
  return body;
}

export interface ListedService {
  version: number;
  capabilities: number;
  name: string;
  /** Capability bit 5: CIP encapsulation over TCP. */
  tcp: boolean;
  /** Capability bit 8: class 0/1 connected data over UDP. */
  udp: boolean;
}

export function decodeServiceItem(bytes: Buffer): ListedService | undefined {
  if (bytes.length < 20) return undefined;
  const capabilities = bytes.readUInt16LE(2);
  return { version: bytes.readUInt16LE(0), capabilities, name: bytes.subarray(4, 20).toString('latin1').replace(/\0.*$/s, ''), tcp: (capabilities & 0x20) !== 0, udp: (capabilities & 0x100) !== 0 };
}

export const revisionText = (revision: { major: number; minor: number }) => `${revision.major}.${revision.minor}`;
