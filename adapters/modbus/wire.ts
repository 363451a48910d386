/**
 * Modbus application protocol constants and Modbus/TCP (MBAP) framing, shared by the adapter, the fuzz corpus and the
 * load workers. Pure functions on Buffers: no sockets here.
 */

export const FunctionCode = {
  readCoils: 0x01,
  readDiscreteInputs: 0x02,
  readHoldingRegisters: 0x03,
  readInputRegisters: 0x04,
  writeSingleCoil: 0x05,
  writeSingleRegister: 0x06,
  readExceptionStatus: 0x07,
  diagnostics: 0x08,
  getCommEventCounter: 0x0b,
  writeMultipleCoils: 0x0f,
  writeMultipleRegisters: 0x10,
  reportServerId: 0x11,
  maskWriteRegister: 0x16,
  readWriteMultipleRegisters: 0x17,
  encapsulatedInterface: 0x2b,
} as const;

/** MEI type of "Read Device Identification" inside FC 43. */
export const MEI_READ_DEVICE_IDENTIFICATION = 0x0e;

export const ExceptionCode = {
  illegalFunction: 0x01,
  illegalDataAddress: 0x02,
  illegalDataValue: 0x03,
  serverDeviceFailure: 0x04,
  acknowledge: 0x05,
  serverDeviceBusy: 0x06,
  memoryParityError: 0x08,
  gatewayPathUnavailable: 0x0a,
  gatewayTargetFailedToRespond: 0x0b,
} as const;

const EXCEPTION_NAMES: Record<number, string> = {
  0x01: 'Illegal Function',
  0x02: 'Illegal Data Address',
  0x03: 'Illegal Data Value',
  0x04: 'Server Device Failure',
  0x05: 'Acknowledge',
  0x06: 'Server Device Busy',
  0x08: 'Memory Parity Error',
  0x0a: 'Gateway Path Unavailable',
  0x0b: 'Gateway Target Device Failed to Respond',
};

/** "02 Illegal Data Address"; unknown codes are shown in hex. */
export function exceptionName(code: number): string {
  const hex = code.toString(16).padStart(2, '0').toUpperCase();
  return EXCEPTION_NAMES[code] ? `${hex} ${EXCEPTION_NAMES[code]}` : `${hex} (not a defined exception code)`;
}

/** Quantity limits of the Modbus application protocol, per request. */
export const Limits = {
  readBits: 2000,
  readRegisters: 125,
  writeBits: 1968,
  writeRegisters: 123,
  readWriteWriteRegisters: 121,
  /** MBAP length field: unit id + PDU, where the PDU is at most 253 bytes. */
  maxMbapLength: 254,
  mbapHeaderBytes: 7,
} as const;

export const MODBUS_ROLE_OID = '1.3.6.1.4.1.50316.802.1';

export type Table = 'holding' | 'input' | 'coil' | 'discrete';

export const READ_FUNCTION_OF: Record<Table, number> = {
  coil: FunctionCode.readCoils,
  discrete: FunctionCode.readDiscreteInputs,
  holding: FunctionCode.readHoldingRegisters,
  input: FunctionCode.readInputRegisters,
};

export interface MbapHeader {
  transactionId: number;
  protocolId: number;
  /** Byte count of unit id + PDU as the sender claims it. */
  length: number;
  unitId: number;
}

/** A Modbus/TCP frame: MBAP header plus PDU. protocolId and length may be forced to lie, for fuzzing. */
export function encodeFrame(options: { transactionId: number; unitId: number; pdu: Buffer; protocolId?: number; length?: number }): Buffer {
  const frame = Buffer.allocUnsafe(7 + options.pdu.length);
  frame.writeUInt16BE(options.transactionId & 0xffff, 0);
  frame.writeUInt16BE((options.protocolId ?? 0) & 0xffff, 2);
  frame.writeUInt16BE((options.length ?? options.pdu.length + 1) & 0xffff, 4);
  frame.writeUInt8(options.unitId & 0xff, 6);
  options.pdu.copy(frame, 7);
  return frame;
}

export function decodeHeader(buffer: Buffer, offset = 0): MbapHeader {
  return {
    transactionId: buffer.readUInt16BE(offset),
    protocolId: buffer.readUInt16BE(offset + 2),
    length: buffer.readUInt16BE(offset + 4),
    unitId: buffer.readUInt8(offset + 6),
  };
}

function pduOf(functionCode: number, ...words: number[]): Buffer {
  const pdu = Buffer.allocUnsafe(1 + words.length * 2);
  pdu.writeUInt8(functionCode & 0xff, 0);
  words.forEach((word, index) => pdu.writeUInt16BE(word & 0xffff, 1 + index * 2));
  return pdu;
}

export const Pdu = {
  read: (table: Table, address: number, quantity: number): Buffer => pduOf(READ_FUNCTION_OF[table], address, quantity),
  writeSingleRegister: (address: number, value: number): Buffer => pduOf(FunctionCode.writeSingleRegister, address, value),
  writeSingleCoil: (address: number, raw: number): Buffer => pduOf(FunctionCode.writeSingleCoil, address, raw),
  /** byteCount may be forced to disagree with the values, for fuzzing. */
  writeMultipleRegisters: (address: number, values: number[], byteCount = values.length * 2, quantity = values.length): Buffer => {
    const pdu = Buffer.allocUnsafe(6 + values.length * 2);
    pdu.writeUInt8(FunctionCode.writeMultipleRegisters, 0);
    pdu.writeUInt16BE(address & 0xffff, 1);
    pdu.writeUInt16BE(quantity & 0xffff, 3);
    pdu.writeUInt8(byteCount & 0xff, 5);
    values.forEach((value, index) => pdu.writeUInt16BE(value & 0xffff, 6 + index * 2));
    return pdu;
  },
  writeMultipleCoils: (address: number, quantity: number, bytes: Buffer, byteCount = bytes.length): Buffer =>
    Buffer.concat([pduOf(FunctionCode.writeMultipleCoils, address, quantity), Buffer.from([byteCount & 0xff]), bytes]),
  readDeviceIdentification: (readDeviceIdCode: number, objectId: number, meiType = MEI_READ_DEVICE_IDENTIFICATION): Buffer =>
    Buffer.from([FunctionCode.encapsulatedInterface, meiType & 0xff, readDeviceIdCode & 0xff, objectId & 0xff]),
  raw: (...bytes: number[]): Buffer => Buffer.from(bytes.map((byte) => byte & 0xff)),
};

/** What one reply frame says, read leniently: a hostile or broken device may send anything. */
export type ReplyReading =
  | { kind: 'exception'; functionCode: number; code: number }
  | { kind: 'response'; functionCode: number; data: Buffer }
  | { kind: 'malformed'; reason: string };

/**
 * Interprets a reply PDU against the request it answers: an exception (FC + 0x80 and one code byte), a well-formed
 * response, or malformed (wrong function code, wrong length, byte count that disagrees with the data).
 */
export function readReply(requestPdu: Buffer, replyPdu: Buffer): ReplyReading {
  if (replyPdu.length === 0) return { kind: 'malformed', reason: 'empty PDU' };
  const requestFc = requestPdu[0]!;
  const fc = replyPdu[0]!;
  if (fc === ((requestFc | 0x80) & 0xff) && requestFc < 0x80) {
    if (replyPdu.length !== 2) return { kind: 'malformed', reason: `exception reply of ${replyPdu.length} bytes instead of 2` };
    return { kind: 'exception', functionCode: requestFc, code: replyPdu[1]! };
  }
  if (fc !== requestFc) return { kind: 'malformed', reason: `function code 0x${fc.toString(16)} answers a request with 0x${requestFc.toString(16)}` };
  const data = replyPdu.subarray(1);
  const problem = responseShapeProblem(requestPdu, replyPdu);
  return problem ? { kind: 'malformed', reason: problem } : { kind: 'response', functionCode: fc, data };
}

function responseShapeProblem(requestPdu: Buffer, replyPdu: Buffer): string | undefined {
  const fc = replyPdu[0]!;
  switch (fc) {
    case FunctionCode.readCoils:
    case FunctionCode.readDiscreteInputs:
    case FunctionCode.readHoldingRegisters:
    case FunctionCode.readInputRegisters: {
      if (replyPdu.length < 2) return 'read response without byte count';
      const byteCount = replyPdu[1]!;
      if (replyPdu.length !== 2 + byteCount) return `byte count ${byteCount} but ${replyPdu.length - 2} data bytes`;
      if (requestPdu.length >= 5) {
        const quantity = requestPdu.readUInt16BE(3);
        const expected = fc <= FunctionCode.readDiscreteInputs ? Math.ceil(quantity / 8) : quantity * 2;
        if (byteCount !== expected) return `byte count ${byteCount} for a quantity of ${quantity} (expected ${expected})`;
      }
      return undefined;
    }
    case FunctionCode.writeSingleCoil:
    case FunctionCode.writeSingleRegister:
      if (replyPdu.length !== 5) return `write echo of ${replyPdu.length} bytes instead of 5`;
      return requestPdu.length >= 5 && !replyPdu.equals(requestPdu.subarray(0, 5)) ? 'write echo differs from the request' : undefined;
    case FunctionCode.writeMultipleCoils:
    case FunctionCode.writeMultipleRegisters:
      if (replyPdu.length !== 5) return `write response of ${replyPdu.length} bytes instead of 5`;
      return requestPdu.length >= 5 && !replyPdu.subarray(1, 5).equals(requestPdu.subarray(1, 5)) ? 'address or quantity not echoed' : undefined;
    case FunctionCode.encapsulatedInterface:
      return replyPdu.length < 8 ? `device identification response of ${replyPdu.length} bytes` : undefined;
    default:
      return undefined;
  }
}

export interface IdentificationObject {
  id: number;
  name: string;
  value: string;
}

export const IDENTIFICATION_OBJECT_NAMES: Record<number, string> = {
  0x00: 'VendorName',
  0x01: 'ProductCode',
  0x02: 'MajorMinorRevision',
  0x03: 'VendorUrl',
  0x04: 'ProductName',
  0x05: 'ModelName',
  0x06: 'UserApplicationName',
};

export const identificationObjectName = (id: number): string => IDENTIFICATION_OBJECT_NAMES[id] ?? `Object0x${id.toString(16).padStart(2, '0')}`;

/** Registers as big-endian words. */
export function wordsOf(data: Buffer): number[] {
  const words: number[] = [];
  for (let offset = 0; offset + 1 < data.length; offset += 2) words.push(data.readUInt16BE(offset));
  return words;
}

export function bitsOf(data: Buffer, quantity: number): boolean[] {
  const bits: boolean[] = [];
  for (let index = 0; index < quantity && index >> 3 < data.length; index++) bits.push(((data[index >> 3]! >> (index & 7)) & 1) === 1);
  return bits;
}

export const hex = (buffer: Buffer): string => buffer.toString('hex').replace(/(..)(?!$)/g, '$1 ');
