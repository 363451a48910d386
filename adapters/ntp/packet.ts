/**
 * NTP packets (RFC 5905 section 7.3; SNTP, RFC 4330): 48 octets, time stamps as seconds since 1900 with a 32-bit fraction.
 */

const NTP_EPOCH_OFFSET_S = 2_208_988_800;
export const NTP_PACKET_BYTES = 48;
export const MODE_CLIENT = 3;
export const MODE_SERVER = 4;

export function writeTimestamp(buffer: Buffer, offset: number, ms: number): void {
  const seconds = Math.floor(ms / 1000) + NTP_EPOCH_OFFSET_S;
  const fraction = Math.floor(((ms % 1000) / 1000) * 2 ** 32);
  buffer.writeUInt32BE(seconds >>> 0, offset);
  buffer.writeUInt32BE(fraction >>> 0, offset + 4);
}

export function readTimestamp(buffer: Buffer, offset: number): number {
  const seconds = buffer.readUInt32BE(offset);
  const fraction = buffer.readUInt32BE(offset + 4);
  return (seconds - NTP_EPOCH_OFFSET_S) * 1000 + (fraction / 2 ** 32) * 1000;
}

export interface NtpHeader {
  leap: number;
  version: number;
  mode: number;
  stratum: number;
  transmitMs: number;
}

export function readHeader(packet: Buffer): NtpHeader | undefined {
  if (packet.length < NTP_PACKET_BYTES) return undefined;
  const first = packet[0]!;
  return { leap: first >> 6, version: (first >> 3) & 7, mode: first & 7, stratum: packet[1]!, transmitMs: readTimestamp(packet, 40) };
}

/** A client request (mode 3) carrying its transmit time. */
export function clientRequest(nowMs: number, version = 4): Buffer {
  const packet = Buffer.alloc(NTP_PACKET_BYTES);
  packet[0] = (version << 3) | MODE_CLIENT;
  writeTimestamp(packet, 40, nowMs);
  return packet;
}

/** The answer to a request: stratum 2, the request's transmit time as originate, received and sent at the served time. */
export function serverReply(request: Buffer, receivedMs: number, sentMs: number): Buffer {
  const reply = Buffer.alloc(NTP_PACKET_BYTES);
  const version = (request[0]! >> 3) & 7 || 4;
  reply[0] = (version << 3) | MODE_SERVER;
  reply[1] = 2;
  reply[2] = request[2]!;
  reply.writeInt8(-20, 3);
  reply.writeUInt32BE(0x0000_0100, 8);
  reply.write('LOCL', 12, 'ascii');
  writeTimestamp(reply, 16, sentMs);
  request.copy(reply, 24, 40, 48);
  writeTimestamp(reply, 32, receivedMs);
  writeTimestamp(reply, 40, sentMs);
  return reply;
}

/** Clock offset of the client from an answer (RFC 5905: ((T2 - T1) + (T3 - T4)) / 2). */
export function offsetFromReply(reply: Buffer, receivedMs: number): number {
  const originate = readTimestamp(reply, 24);
  const serverReceived = readTimestamp(reply, 32);
  const serverSent = readTimestamp(reply, 40);
  return (serverReceived - originate + (serverSent - receivedMs)) / 2;
}
