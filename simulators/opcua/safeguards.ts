import { AttributeIds, DataType, NodeId, type OPCUAServer, type StatusCode, type WriteValue } from 'node-opcua';

/**
 * What the hardened PLC adds to node-opcua's own behaviour, as a careful vendor would: an audit trail of writes
 * (node-opcua audits sessions and certificates, not the Write service).
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
