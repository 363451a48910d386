import type { Server as NetServer } from 'node:net';
import { AttributeIds, BinaryStream, DataType, NodeId, StatusCodes, VariantArrayType, decodeExpandedNodeId, type OPCUAServer, type StatusCode, type UAVariable, type Variant, type WriteValue } from 'node-opcua';
import { getStandardDataTypeFactory } from 'node-opcua-factory';
import { errorMessage, filterIncomingChunks, type ChunkConnection } from './chunks.js';

/**
 * What the hardened PLC adds to node-opcua's own behaviour, as a careful vendor would: an audit trail of writes
 * (node-opcua audits sessions and certificates, not the Write service), and an answer to requests it cannot decode.
 */

/** Severity of a refused write in the audit trail (OPC 10000-5 leaves the scale to the server: 1 low, 1000 high). */
const DENIED_WRITE_SEVERITY = 700;
const WRITE_SEVERITY = 100;

interface SessionLike {
  userIdentityToken?: { userName?: unknown } | null;
}

/** Raises an AuditWriteUpdateEventType for every written Value, with Status false where the write was refused. */
export function auditWrites(server: OPCUAServer): void {
  type Write = (context: { session?: SessionLike }, nodesToWrite: WriteValue[]) => Promise<StatusCode[]>;
  const engine = server.engine as unknown as { write: Write };
  const write = engine.write.bind(server.engine);
  engine.write = async (context, nodesToWrite) => {
    const results = await write(context, nodesToWrite);
    if (!server.isAuditing) return results;
    const userName = context.session?.userIdentityToken?.userName;
    const clientUserId = typeof userName === 'string' ? userName : '';
    nodesToWrite.forEach((nodeToWrite, index) => {
      const status = results[index];
      if (!status || nodeToWrite.attributeId !== AttributeIds.Value) return;
      const refused = status.isNotGood();
      // node-opcua's typings list only the audit events it raises itself; the address space knows every type.
      (server as unknown as { raiseEvent(eventType: string, options: Record<string, unknown>): void }).raiseEvent('AuditWriteUpdateEventType', {
        actionTimeStamp: { dataType: DataType.DateTime, value: new Date() },
        status: { dataType: DataType.Boolean, value: !refused },
        severity: { dataType: DataType.UInt16, value: refused ? DENIED_WRITE_SEVERITY : WRITE_SEVERITY },
        message: { dataType: DataType.LocalizedText, value: { text: refused ? `Write refused: ${status.name}` : 'Write accepted' } },
        serverId: { dataType: DataType.String, value: server.serverInfo.applicationUri ?? '' },
        clientAuditEntryId: { dataType: DataType.String, value: '' },
        clientUserId: { dataType: DataType.String, value: clientUserId },
        sourceName: { dataType: DataType.String, value: 'Attribute/Write' },
        sourceNode: { dataType: DataType.NodeId, value: nodeToWrite.nodeId ?? new NodeId() },
        attributeId: { dataType: DataType.UInt32, value: AttributeIds.Value },
        indexRange: { dataType: DataType.String, value: nodeToWrite.indexRange?.toString() ?? '' },
        newValue: nodeToWrite.value?.value ?? { dataType: DataType.Null },
      });
    });
    return results;
  };
}

const NONE_POLICY = Buffer.from('http://opcfoundation.org/UA/SecurityPolicy#None', 'utf8');

/** Whether a service body (encoding id, then the structure) decodes; types the stack does not know are its own business. */
function decodes(body: Buffer): boolean {
  try {
    const stream = new BinaryStream(body);
    const id = decodeExpandedNodeId(stream);
    const factory = getStandardDataTypeFactory();
    if (!factory.hasConstructor(id)) return true;
    factory.constructObject(id).decode(stream);
    return true;
  } catch {
    return false;
  }
}

/** Offset of the request body in an OPN chunk with SecurityPolicy None, or undefined for any other policy. */
function noneOpenBodyOffset(chunk: Buffer): number | undefined {
  if (chunk.length < 16) return undefined;
  const policyLength = chunk.readInt32LE(12);
  if (policyLength !== NONE_POLICY.length || !chunk.subarray(16, 16 + policyLength).equals(NONE_POLICY)) return undefined;
  let offset = 16 + policyLength;
  for (let field = 0; field < 2; field++) {
    if (chunk.length < offset + 4) return undefined;
    const length = chunk.readInt32LE(offset);
    offset += 4 + Math.max(0, length);
  }
  return offset + 8;
}

/**
 * node-opcua drops a request it cannot decode without a word, leaving the client to time out; the hardened PLC
 * answers it with an Error message (BadDecodingError) and closes, as OPC 10000-6 has a stack do. Only chunks in
 * clear can be judged here: an OpenSecureChannel with SecurityPolicy None and the messages on such a channel.
 */
export function refuseUndecodableRequests(server: OPCUAServer): void {
  const netServer = (server.endpoints[0] as unknown as { _server?: NetServer })._server;
  if (!netServer) throw new Error('the OPC UA endpoint has no TCP listener');
  const refuse = (connection: ChunkConnection) => {
    connection.socket.end(errorMessage(StatusCodes.BadDecodingError.value, 'the request could not be decoded'));
    return 'drop' as const;
  };
  filterIncomingChunks(netServer, [
    (chunk, connection) => {
      const type = chunk.toString('ascii', 0, 4);
      if (type === 'OPNF') {
        const offset = noneOpenBodyOffset(chunk);
        connection.state.none = offset !== undefined;
        if (offset !== undefined && !decodes(chunk.subarray(offset))) return refuse(connection);
      } else if (type === 'MSGF' && connection.state.none && chunk.length > 24 && !decodes(chunk.subarray(24))) {
        return refuse(connection);
      }
      return chunk;
    },
  ]);
}

/** node-opcua checks a written value's type but not its rank: an array lands in a scalar variable. */
export function refuseArraysForScalars(variable: UAVariable): void {
  const node = variable as unknown as { valueRank: number; checkVariantCompatibility(value: Variant): StatusCode };
  const check = node.checkVariantCompatibility.bind(variable);
  node.checkVariantCompatibility = (value) => (node.valueRank === -1 && value.arrayType !== VariantArrayType.Scalar ? StatusCodes.BadTypeMismatch : check(value));
}

/** The longest EndpointUrl OPC 10000-6 allows in a Hello. */
const MAX_HELLO_URL_BYTES = 4096;
/** How much of an over-long EndpointUrl the lenient stack reads; node-opcua itself takes Hello chunks of up to 4 KiB. */
const LENIENT_URL_BYTES = 1024;

/**
 * A lenient but harmless stack (a variant of the hardened PLC): a Hello whose EndpointUrl is longer than the limit is
 * read as if the URL stopped after its first KiB and acknowledged like any other, instead of refused; nothing else
 * changes.
 */
export function tolerateLongHelloUrls(server: OPCUAServer): void {
  const netServer = (server.endpoints[0] as unknown as { _server?: NetServer })._server;
  if (!netServer) throw new Error('the OPC UA endpoint has no TCP listener');
  filterIncomingChunks(netServer, [
    (chunk) => {
      if (chunk.length < 32 || chunk.toString('ascii', 0, 4) !== 'HELF') return chunk;
      const urlLength = chunk.readInt32LE(28);
      if (urlLength <= MAX_HELLO_URL_BYTES || chunk.length < 32 + urlLength) return chunk;
      const cut = Buffer.concat([chunk.subarray(0, 28), Buffer.alloc(4), chunk.subarray(32, 32 + LENIENT_URL_BYTES)]);
      cut.writeUInt32LE(cut.length, 4);
      cut.writeInt32LE(LENIENT_URL_BYTES, 28);
      return cut;
    },
  ]);
}
