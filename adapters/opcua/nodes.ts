/**
 * Namespace 0 nodes every OPC UA server has (OPC 10000-5), by the names the checks use. Node ids are written as
 * strings so that checks never need node-opcua's constants.
 */
export const SERVER_NODES = {
  server: 'i=2253',
  auditing: 'i=2994',
  currentTime: 'i=2258',
  state: 'i=2259',
  maxSessions: 'i=24095',
} as const;

/** Server.ServerStatus.BuildInfo, field by field, in the order a report lists them. */
export const BUILD_INFO_NODES = {
  ManufacturerName: 'i=2263',
  ProductName: 'i=2261',
  ProductUri: 'i=2262',
  SoftwareVersion: 'i=2264',
  BuildNumber: 'i=2265',
  BuildDate: 'i=2266',
} as const;
export type BuildInfoField = keyof typeof BUILD_INFO_NODES;

/** Server.ServerDiagnostics: the flag and the ServerDiagnosticsSummary counters a monitoring system reads. */
export const DIAGNOSTICS_NODES = {
  enabledFlag: 'i=2294',
  counters: {
    CurrentSessionCount: 'i=2277',
    CumulatedSessionCount: 'i=2278',
    SecurityRejectedSessionCount: 'i=2279',
    RejectedSessionCount: 'i=3705',
    SecurityRejectedRequestsCount: 'i=2287',
    RejectedRequestsCount: 'i=2288',
  },
} as const;
export type DiagnosticsCounter = keyof typeof DIAGNOSTICS_NODES.counters;

/** Event types of OPC 10000-5 the audit checks look for. */
export const EVENT_TYPES = {
  BaseEventType: 'i=2041',
  AuditEventType: 'i=2052',
  AuditSecurityEventType: 'i=2058',
  AuditSessionEventType: 'i=2069',
  AuditCreateSessionEventType: 'i=2071',
  AuditActivateSessionEventType: 'i=2075',
  AuditUpdateEventType: 'i=2099',
  AuditWriteUpdateEventType: 'i=2100',
} as const;
export type EventTypeName = keyof typeof EVENT_TYPES;

/** Node ids of namespace 0 as the checks write them: "i=2075", not "ns=0;i=2075". */
export const shortNodeId = (nodeId: string): string => nodeId.replace(/^ns=0;/, '');

export const eventTypeName = (nodeId: string): string => (Object.entries(EVENT_TYPES).find(([, id]) => id === shortNodeId(nodeId))?.[0] ?? nodeId);
