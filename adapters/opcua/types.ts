/**
 * Typed observations the OPC UA adapter returns. Checks read these; they never see node-opcua objects.
 * Everything here is plain data (Buffers aside) so that it can be attached as evidence.
 */

export type SecurityModeName = 'None' | 'Sign' | 'SignAndEncrypt' | 'Invalid';
export type UserTokenTypeName = 'Anonymous' | 'UserName' | 'Certificate' | 'IssuedToken' | 'Invalid';

/** The short policy names of OPC UA Part 7, e.g. "Basic256Sha256"; "Unknown" for a URI the adapter does not know. */
export type SecurityPolicyName =
  | 'None'
  | 'Basic128Rsa15'
  | 'Basic256'
  | 'Basic256Sha256'
  | 'Aes128_Sha256_RsaOaep'
  | 'Aes256_Sha256_RsaPss'
  | 'Unknown';

/** A status code as a value: the symbolic name and the 32-bit code. Checks compare these, never message text. */
export interface StatusValue {
  name: string;
  code: number;
}

export interface UserTokenPolicyInfo {
  tokenType: UserTokenTypeName;
  policyId: string;
  /** The token's own security policy URI; null or empty means "the channel's policy". */
  securityPolicyUri: string | null;
}

export interface EndpointInfo {
  url: string;
  securityPolicyUri: string;
  securityPolicy: SecurityPolicyName;
  securityMode: SecurityModeName;
  securityLevel: number;
  userTokens: UserTokenPolicyInfo[];
  /** DER of the application instance certificate the endpoint presents (first of a chain); absent when none. */
  serverCertificateDer?: Buffer;
  applicationUri: string;
}

export interface EndpointInventory {
  /** The URL GetEndpoints was sent to. */
  url: string;
  endpoints: EndpointInfo[];
}

export type Identity =
  | { kind: 'anonymous' }
  | { kind: 'username'; username: string; password: string }
  | { kind: 'x509'; certificatePem: string; privateKeyPem: string; label?: string };

/** Where an attempt stopped: opening the secure channel, CreateSession, or ActivateSession. */
export type SessionStage = 'channel' | 'createSession' | 'activateSession';

export interface SessionAttempt {
  accepted: boolean;
  /** The device's answer when it refused (or Good when accepted). Absent when the refusal carried no status. */
  status?: StatusValue;
  stage: SessionStage;
  /** The adapter's own words when the refusal happened without a status from the device. */
  note?: string;
  durationMs: number;
  /** What CreateSession answered for the session timeout, when a session was created. */
  revisedSessionTimeoutMs?: number;
}

export interface ReadResult {
  status: StatusValue;
  value: unknown;
  /** Built-in data type name, e.g. "Double". */
  dataType: string;
}

export interface BrowseReference {
  nodeId: string;
  browseName: string;
  nodeClass: string;
  isForward: boolean;
}

export interface VariableInfo {
  nodeId: string;
  /** Browse names from the start node, joined with "/". */
  path: string;
  dataType: string;
  /** AccessLevel attribute bits (1 CurrentRead, 2 CurrentWrite). */
  accessLevel: number;
  /** UserAccessLevel as the device reports it for this session's user. */
  userAccessLevel: number;
  /** Attributes the device did not give (status), so that a 0 above is not taken for "no access". */
  unreadable?: string[];
}

/** A write of a variable's own value, made only when the value held still (OpcuaSession.writeSteadyValues). */
export interface SteadyWrite {
  nodeId: string;
  /** The status of the last read before the write. */
  read: StatusValue;
  /** The device's answer to the write; absent when no write was sent. */
  write?: StatusValue;
  /** Why no write was sent: the value moved, or could not be read. */
  notWritten?: string;
}

export interface WriteBackResult {
  nodeId: string;
  read: StatusValue;
  write?: StatusValue;
}

/** Client application credentials: PEM files of a certificate and its key, and the URI the application claims. */
export interface ClientCredentials {
  certificateFile: string;
  privateKeyFile: string;
  applicationUri: string;
  /** SHA-1 thumbprint, upper-case hex. */
  thumbprint: string;
  label: string;
}

/** A session's authentication token as the device issued it; only the adapter looks inside. */
export interface AuthenticationToken {
  readonly kind: 'opcua-authentication-token';
  /** The token as text, for evidence; it is useless once the session is closed. */
  readonly text: string;
}

/** What the device issued for one session: ids and nonces, for uniqueness and reuse checks. */
export interface SessionIdentifiers {
  sessionId: string;
  token: AuthenticationToken;
  /** ServerNonce of CreateSessionResponse, hex; absent when the device sent none. */
  createNonceHex?: string;
  /** ServerNonce of ActivateSessionResponse, hex; absent before activation or when none was sent. */
  activateNonceHex?: string;
}

/** The answer to one service call made with every diagnostics bit requested (RequestHeader.returnDiagnostics). */
export interface DiagnosedAnswer {
  /** What was asked, e.g. "Read ns=1;s=Nope.Value". */
  operation: string;
  serviceResult: StatusValue;
  /** Operation results, one per item; empty when the service itself failed. */
  results: StatusValue[];
  /** Every text the device returned with the answer: string table entries and additional info, deduplicated. */
  texts: string[];
}

export interface TimedRead {
  nodeId: string;
  status: StatusValue;
  value: unknown;
  dataType: string;
  serverTimestamp?: Date;
  sourceTimestamp?: Date;
}

/** One event as an event subscription delivered it. */
export interface EventRecord {
  /** Node id of the event type, e.g. "i=2075". */
  eventType: string;
  sourceName?: string;
  time?: Date;
  message?: string;
  severity?: number;
  /** AuditEventType.Status: whether the audited action succeeded; absent for non-audit events. */
  status?: boolean;
  clientUserId?: string;
  /** Milliseconds since the subscription started, on the harness clock. */
  receivedAtMs: number;
}
