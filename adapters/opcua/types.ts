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
