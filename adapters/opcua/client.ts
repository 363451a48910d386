import { X509Certificate, createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AnonymousIdentityToken,
  AttributeIds,
  BrowseDirection,
  BrowseRequest,
  CallRequest,
  DataType,
  MessageSecurityMode,
  NodeClass,
  OPCUACertificateManager,
  OPCUAClient,
  ReadRequest,
  SecurityPolicy,
  StatusCodes,
  TimestampsToReturn,
  UserTokenType,
  Variant,
  WriteRequest,
  constructEventFilter,
  resolveNodeId,
  setErrorLogger,
  setWarningLogger,
  type ClientSubscription,
  type NodeId,
  type ClientSession,
  type DataValue,
  type EndpointDescription,
  type OPCUAClientOptions,
  type UserIdentityInfo,
} from 'node-opcua';
import { certificateToPem, firstCertificateOfChain } from '../pki/inspect.js';
import { testKeyPem } from '../pki/store.js';
import { OpcuaTimeoutError, OpcuaUnreachableError, pause, withDeadline } from './deadline.js';
import { shortNodeId } from './nodes.js';
import { helloExchange, parseOpcTcpUrl } from './raw.js';
import { GOOD, formatStatus, isConnectionLevel, isGood, statusFromError, statusValue } from './status.js';
import { Transcript } from './transcript.js';
import type {
  AuthenticationToken,
  BrowseReference,
  ClientCredentials,
  DiagnosedAnswer,
  EndpointInfo,
  EndpointInventory,
  EventRecord,
  Identity,
  ReadResult,
  SecurityModeName,
  SecurityPolicyName,
  SessionAttempt,
  SessionIdentifiers,
  StatusValue,
  SteadyWrite,
  TimedRead,
  UserTokenTypeName,
  VariableInfo,
  WriteBackResult,
} from './types.js';

/**
 * node-opcua's client wrapped for conformance probing: no reconnection, every step bounded by a deadline and the
 * abort signal, refusals returned as status values, and the device itself asked where the library would refuse on
 * the client side (anonymous when not advertised).
 */

if (!process.env.IEC62443_OPCUA_DEBUG) {
  // node-opcua prints every refusal it sees; the transcript records what matters.
  setWarningLogger(() => {});
  setErrorLogger(() => {});
}

const POLICY_URIS: Record<Exclude<SecurityPolicyName, 'Unknown'>, string> = {
  None: SecurityPolicy.None,
  Basic128Rsa15: SecurityPolicy.Basic128Rsa15,
  Basic256: SecurityPolicy.Basic256,
  Basic256Sha256: SecurityPolicy.Basic256Sha256,
  Aes128_Sha256_RsaOaep: SecurityPolicy.Aes128_Sha256_RsaOaep,
  Aes256_Sha256_RsaPss: SecurityPolicy.Aes256_Sha256_RsaPss,
};

export const DEPRECATED_POLICIES: readonly SecurityPolicyName[] = ['Basic128Rsa15', 'Basic256'];

export function policyName(uri: string | null | undefined): SecurityPolicyName {
  if (!uri) return 'None';
  const found = Object.entries(POLICY_URIS).find(([, value]) => value === uri);
  return (found?.[0] as SecurityPolicyName | undefined) ?? 'Unknown';
}

export const policyUri = (name: SecurityPolicyName): string => POLICY_URIS[name as Exclude<SecurityPolicyName, 'Unknown'>] ?? name;

const modeName = (mode: MessageSecurityMode): SecurityModeName => (MessageSecurityMode[mode] as SecurityModeName | undefined) ?? 'Invalid';
const tokenTypeName = (type: UserTokenType): UserTokenTypeName => (UserTokenType[type] as UserTokenTypeName | undefined) ?? 'Invalid';

export function describeIdentity(identity: Identity): string {
  switch (identity.kind) {
    case 'anonymous':
      return 'anonymous';
    case 'username':
      return `user "${identity.username}"`;
    case 'x509':
      return `X509 identity${identity.label ? ` "${identity.label}"` : ''}`;
  }
}

let clientPkiPromise: Promise<OPCUACertificateManager> | undefined;

/** One client-side trust store per process, in a private temp folder: the harness judges server certificates itself. */
function clientCertificateManager(): Promise<OPCUACertificateManager> {
  clientPkiPromise ??= (async () => {
    const rootFolder = mkdtempSync(join(tmpdir(), 'iec62443-opcua-client-pki-'));
    process.once('exit', () => rmSync(rootFolder, { recursive: true, force: true }));
    // The store's own key is made once per machine (adapters/pki/store.ts): node-opcua generates one where none is
    // found, about a third of a second of CPU in every process that speaks OPC UA. Its certificate is still made
    // afresh here for each run.
    const keyFolder = join(rootFolder, 'own', 'private');
    mkdirSync(keyFolder, { recursive: true, mode: 0o700 });
    writeFileSync(join(keyFolder, 'private_key.pem'), testKeyPem('opcua-default-client'), { mode: 0o600 });
    const manager = new OPCUACertificateManager({
      rootFolder,
      automaticallyAcceptUnknownCertificate: true,
      disableFileWatchers: true,
    } as ConstructorParameters<typeof OPCUACertificateManager>[0]);
    await manager.initialize();
    return manager;
  })();
  return clientPkiPromise;
}

/** Internals of node-opcua's client this adapter drives to see each step on its own. */
interface ClientInternals {
  requestedSessionTimeout: number;
  _getApplicationUri: () => string;
  createUserIdentityToken: (context: { endpoint?: EndpointDescription }, info: UserIdentityInfo, callback: (error: Error | null, data?: unknown) => void) => void;
  _createSession: (callback: (error: Error | null, session?: ClientSession) => void) => void;
  _addSession: (session: ClientSession) => void;
  _activateSession: (session: ClientSession, info: UserIdentityInfo, callback: (error: Error | null, session?: ClientSession) => void) => void;
  closeSession: (session: ClientSession, deleteSubscriptions: boolean) => Promise<void>;
}

export interface ProbeOptions {
  /** The URL connections go to; its host is the target's address. */
  url: string;
  credentials: ClientCredentials;
  /** Upper bound of each network step. */
  timeoutMs: number;
  signal?: AbortSignal;
  transcript?: Transcript;
}

export interface ChannelOptions {
  securityPolicy: SecurityPolicyName;
  securityMode: SecurityModeName;
  /** Client application credentials for this channel; the probe's own when absent. */
  credentials?: ClientCredentials;
  /** The application URI claimed in CreateSession; the certificate's own when absent. */
  claimedApplicationUri?: string;
  requestedSessionTimeoutMs?: number;
}

/** A refusal by the device, with the stage it happened at. Anything else (timeouts, resets) is thrown as is. */
export class OpcuaRefusal extends Error {
  constructor(
    readonly stage: SessionAttempt['stage'],
    readonly status: StatusValue | undefined,
    readonly note?: string,
  ) {
    super(`${stage} refused: ${status ? formatStatus(status) : note}`);
    this.name = 'OpcuaRefusal';
  }
}

const NETWORK_FAILURE = /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|socket has been closed|connection lost|premature disconnection|socket closed|has been disconnected|closed by server|Transaction has timed out|aborted/i;

export class OpcuaProbe {
  readonly transcript: Transcript;

  constructor(readonly options: ProbeOptions) {
    this.transcript = options.transcript ?? new Transcript();
  }

  get url(): string {
    return this.options.url;
  }

  /** GetEndpoints over a None channel (every OPC UA server offers one for discovery). */
  async inventory(): Promise<EndpointInventory> {
    const client = OPCUAClient.create(this.clientOptions({ securityPolicy: 'None', securityMode: 'None' }, undefined, await clientCertificateManager()));
    const cancel = () => void client.disconnect().catch(() => {});
    try {
      await this.connect(client, 'GetEndpoints channel (None)');
      const descriptions = await withDeadline('GetEndpoints', () => client.getEndpoints(), this.options.timeoutMs, this.options.signal, cancel);
      const endpoints = descriptions.map(toEndpointInfo);
      this.transcript.record('GetEndpoints', endpoints.map((endpoint) => `${endpoint.securityMode}/${endpoint.securityPolicy}[${endpoint.userTokens.map((token) => token.tokenType).join(',')}]`).join(' '));
      return { url: this.url, endpoints };
    } catch (error) {
      throw this.classify(error, 'GetEndpoints');
    } finally {
      await this.disconnect(client);
    }
  }

  /** Opens a secure channel; throws OpcuaRefusal when the device refuses it. */
  async openChannel(options: ChannelOptions): Promise<OpcuaChannel> {
    if (options.securityPolicy === 'Basic128Rsa15') {
      // Node 20 cannot do RSA PKCS#1 v1.5 decryption without a security revert; such policies are judged from the endpoint list.
      throw new Error('the harness does not open Basic128Rsa15 channels (RSA PKCS#1 v1.5); it reports the policy from GetEndpoints');
    }
    const credentials = options.credentials ?? this.options.credentials;
    const client = OPCUAClient.create(this.clientOptions(options, credentials, await clientCertificateManager()));
    const internals = client as unknown as ClientInternals;
    if (options.claimedApplicationUri) internals._getApplicationUri = () => options.claimedApplicationUri!;
    forceTokensToTheDevice(internals);
    const label = `OpenSecureChannel ${options.securityMode}/${options.securityPolicy} with ${credentials.label}`;
    try {
      await this.connect(client, label);
    } catch (error) {
      await this.disconnect(client);
      throw await this.refusalOrFailure(error, 'channel', label);
    }
    this.transcript.record(label, 'open');
    return new OpcuaChannel(this, client, options);
  }

  /** Opens a channel, tries a session, and closes both; a refusal at any stage is an answer, not an error. */
  async attemptSession(identity: Identity, options: ChannelOptions): Promise<SessionAttempt> {
    const started = Date.now();
    let channel: OpcuaChannel;
    try {
      channel = await this.openChannel(options);
    } catch (error) {
      if (error instanceof OpcuaRefusal) return { accepted: false, status: error.status, stage: 'channel', note: error.note, durationMs: Date.now() - started };
      throw error;
    }
    try {
      const { attempt, session } = await channel.attemptSession(identity);
      await session?.close();
      return { ...attempt, durationMs: Date.now() - started };
    } finally {
      await channel.close();
    }
  }

  /** Opens a channel and an activated session for a body, and closes both whatever happens. Refusal throws. */
  async withSession<T>(identity: Identity, options: ChannelOptions, body: (session: OpcuaSession) => Promise<T>): Promise<T> {
    const channel = await this.openChannel(options);
    try {
      const { attempt, session } = await channel.attemptSession(identity);
      if (!session) throw new Error(`${describeIdentity(identity)} was refused: ${attempt.status ? formatStatus(attempt.status) : attempt.note}`);
      try {
        return await body(session);
      } finally {
        await session.close();
      }
    } finally {
      await channel.close();
    }
  }

  /** True when the device still answers a Hello: a refusal without a status is then a refusal, not a dead target. */
  async isAlive(): Promise<boolean> {
    try {
      const outcome = await helloExchange(this.url, this.options.timeoutMs, this.options.signal);
      return outcome.kind !== 'closed';
    } catch {
      return false;
    }
  }

  /** @internal */
  bounded<T>(label: string, step: () => Promise<T>, client: OPCUAClient): Promise<T> {
    return withDeadline(label, step, this.options.timeoutMs, this.options.signal, () => void client.disconnect().catch(() => {}));
  }

  /** @internal Turns a node-opcua failure into an OpcuaRefusal (the device answered no) or a plain error. */
  async refusalOrFailure(error: unknown, stage: SessionAttempt['stage'], label: string): Promise<Error> {
    if (error instanceof OpcuaTimeoutError || error instanceof OpcuaUnreachableError) {
      this.transcript.record(label, error.message);
      return error;
    }
    const status = statusFromError(error);
    if (status && !isGood(status) && !isConnectionLevel(status)) {
      this.transcript.record(label, `refused: ${formatStatus(status)}`);
      return new OpcuaRefusal(stage, status);
    }
    const message = error instanceof Error ? error.message : String(error);
    if (stage === 'channel' && (await this.isAlive())) {
      // Some devices close the socket on a certificate they do not accept, without an Error message.
      const note = `the device ended the secure channel without a status (${message.split('\n')[0]})`;
      this.transcript.record(label, `refused: ${note}`);
      return new OpcuaRefusal(stage, undefined, note);
    }
    this.transcript.record(label, `failed: ${message.split('\n')[0]}`);
    return this.classify(error, label);
  }

  /** @internal */
  classify(error: unknown, label: string): Error {
    if (error instanceof OpcuaTimeoutError || error instanceof OpcuaUnreachableError || error instanceof OpcuaRefusal) return error;
    const message = error instanceof Error ? error.message : String(error);
    if (NETWORK_FAILURE.test(message) || isConnectionLevel(statusFromError(error))) return new OpcuaUnreachableError(`${label}: ${this.url} is unreachable or went away (${message.split('\n')[0]})`);
    return error instanceof Error ? error : new Error(message);
  }

  private clientOptions(options: ChannelOptions, credentials: ClientCredentials | undefined, trustStore: OPCUACertificateManager): OPCUAClientOptions {
    return {
      clientCertificateManager: trustStore,
      applicationName: 'iec62443-harness',
      applicationUri: options.claimedApplicationUri ?? credentials?.applicationUri,
      securityMode: MessageSecurityMode[options.securityMode as keyof typeof MessageSecurityMode],
      securityPolicy: policyUri(options.securityPolicy) as SecurityPolicy,
      certificateFile: credentials?.certificateFile,
      privateKeyFile: credentials?.privateKeyFile,
      connectionStrategy: { maxRetry: 0, initialDelay: 0, maxDelay: 0 },
      endpointMustExist: false,
      keepSessionAlive: false,
      requestedSessionTimeout: options.requestedSessionTimeoutMs ?? 60_000,
      // node-opcua uses this as the socket's idle timeout; every step has its own deadline here instead.
      transportTimeout: Math.max(this.options.timeoutMs, 10 * 60_000),
      defaultSecureTokenLifetime: 600_000,
    } as OPCUAClientOptions;
  }

  private async connect(client: OPCUAClient, label: string): Promise<void> {
    await withDeadline(label, () => client.connect(this.url), this.options.timeoutMs, this.options.signal, () => void client.disconnect().catch(() => {}));
  }

  /** @internal Disconnects within a second whatever the state of the connection. */
  async disconnect(client: OPCUAClient): Promise<void> {
    await Promise.race([client.disconnect().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
  }
}

function forceTokensToTheDevice(internals: ClientInternals): void {
  const original = internals.createUserIdentityToken.bind(internals);
  internals.createUserIdentityToken = (context, info, callback) => {
    if (info.type === UserTokenType.Anonymous) {
      // node-opcua refuses anonymous itself when the endpoint does not list it; the device must be the one to say no.
      const policy = context.endpoint?.userIdentityTokens?.find((token) => token.tokenType === UserTokenType.Anonymous);
      callback(null, { userIdentityToken: new AnonymousIdentityToken({ policyId: policy?.policyId ?? 'anonymous' }), userTokenSignature: {} });
      return;
    }
    original(context, info, callback);
  };
}

/**
 * node-opcua's session quietly creates a new session and repeats the request when the device answers
 * BadSessionIdInvalid, which would hide exactly what an idle-timeout check looks for. The answer is passed on as a
 * status instead, in an error whose text does not trigger that repair.
 */
function answerSessionLossPlainly(session: ClientSession): void {
  type Transaction = (request: unknown, callback: (error: Error | null, response?: unknown) => void) => void;
  const internals = session as unknown as { _performMessageTransaction: Transaction; recursive_repair_detector: number };
  const perform = internals._performMessageTransaction.bind(session);
  internals._performMessageTransaction = (request, callback) =>
    perform(request, (error, response) => {
      if (error && /BadSessionIdInvalid/.test(error.message)) {
        callback(Object.assign(new Error('the device no longer knows this session'), { statusCode: StatusCodes.BadSessionIdInvalid }), response);
        return;
      }
      callback(error, response);
    });
  // Belt and braces: a repair already "in progress" is refused by node-opcua.
  internals.recursive_repair_detector = 1;
}

function toEndpointInfo(description: EndpointDescription): EndpointInfo {
  const certificate = description.serverCertificate;
  return {
    url: description.endpointUrl ?? '',
    securityPolicyUri: description.securityPolicyUri ?? '',
    securityPolicy: policyName(description.securityPolicyUri),
    securityMode: modeName(description.securityMode),
    securityLevel: description.securityLevel,
    userTokens: (description.userIdentityTokens ?? []).map((token) => ({
      tokenType: tokenTypeName(token.tokenType),
      policyId: token.policyId ?? '',
      securityPolicyUri: token.securityPolicyUri ?? null,
    })),
    serverCertificateDer: certificate && certificate.length > 0 ? firstCertificateOfChain(Buffer.from(certificate)) : undefined,
    applicationUri: description.server?.applicationUri ?? '',
  };
}

function identityInfo(identity: Identity): UserIdentityInfo {
  switch (identity.kind) {
    case 'anonymous':
      return { type: UserTokenType.Anonymous };
    case 'username':
      return { type: UserTokenType.UserName, userName: identity.username, password: identity.password };
    case 'x509':
      return { type: UserTokenType.Certificate, certificateData: new X509Certificate(certificateToPem(identity.certificatePem)).raw, privateKey: identity.privateKeyPem } as UserIdentityInfo;
  }
}

export class OpcuaChannel {
  private closed = false;

  /** @internal */
  constructor(
    private readonly probe: OpcuaProbe,
    private readonly client: OPCUAClient,
    readonly options: ChannelOptions,
  ) {}

  /** CreateSession then ActivateSession, each observed on its own. The session is returned only when activated. */
  async attemptSession(identity: Identity, requestedSessionTimeoutMs?: number): Promise<{ attempt: SessionAttempt; session?: OpcuaSession }> {
    const internals = this.client as unknown as ClientInternals;
    const started = Date.now();
    const who = describeIdentity(identity);
    if (requestedSessionTimeoutMs !== undefined) internals.requestedSessionTimeout = requestedSessionTimeoutMs;
    let created: ClientSession | undefined;
    try {
      created = await this.probe.bounded('CreateSession', () => new Promise<ClientSession>((resolve, reject) => internals._createSession((error, session) => (error || !session ? reject(error ?? new Error('no session')) : resolve(session)))), this.client);
    } catch (error) {
      const failure = await this.probe.refusalOrFailure(error, 'createSession', `CreateSession for ${who}`);
      if (failure instanceof OpcuaRefusal) return { attempt: { accepted: false, status: failure.status, stage: 'createSession', note: failure.note, durationMs: Date.now() - started } };
      throw failure;
    }
    const createNonce = sessionNonce(created);
    internals._addSession(created);
    answerSessionLossPlainly(created);
    const revisedSessionTimeoutMs = (created as unknown as { timeout: number }).timeout;
    try {
      await this.probe.bounded('ActivateSession', () => new Promise<ClientSession>((resolve, reject) => internals._activateSession(created!, identityInfo(identity), (error, session) => (error || !session ? reject(error ?? new Error('no session')) : resolve(session)))), this.client);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const notOffered = /Cannot find .* user token policy/i.exec(message);
      await this.closeQuietly(created);
      if (notOffered) {
        const note = `the endpoint offers no token policy for ${who}`;
        this.probe.transcript.record(`ActivateSession as ${who}`, `not attempted: ${note}`);
        return { attempt: { accepted: false, stage: 'activateSession', note, durationMs: Date.now() - started, revisedSessionTimeoutMs } };
      }
      const failure = await this.probe.refusalOrFailure(error, 'activateSession', `ActivateSession as ${who}`);
      if (failure instanceof OpcuaRefusal) return { attempt: { accepted: false, status: failure.status, stage: 'activateSession', note: failure.note, durationMs: Date.now() - started, revisedSessionTimeoutMs } };
      throw failure;
    }
    const activation = (created as unknown as { lastActivateSessionStatusCode?: Parameters<typeof statusValue>[0] }).lastActivateSessionStatusCode;
    const status = activation ? statusValue(activation) : GOOD;
    this.probe.transcript.record(`CreateSession + ActivateSession as ${who}`, `accepted (${status.name}), revised session timeout ${revisedSessionTimeoutMs} ms`);
    return {
      attempt: { accepted: true, status, stage: 'activateSession', durationMs: Date.now() - started, revisedSessionTimeoutMs },
      session: new OpcuaSession(this.probe, this.client, created, who, revisedSessionTimeoutMs, createNonce),
    };
  }

  /**
   * CreateSession without ActivateSession: what any client that can open a channel makes the device allocate, with
   * no identity at all. The session is returned unactivated, to be closed by the caller.
   */
  async createSessionOnly(): Promise<{ attempt: SessionAttempt; pending?: PendingSession }> {
    const internals = this.client as unknown as ClientInternals;
    const started = Date.now();
    let created: ClientSession;
    try {
      created = await this.probe.bounded('CreateSession', () => new Promise<ClientSession>((resolve, reject) => internals._createSession((error, session) => (error || !session ? reject(error ?? new Error('no session')) : resolve(session)))), this.client);
    } catch (error) {
      const failure = await this.probe.refusalOrFailure(error, 'createSession', 'CreateSession (not activated)');
      if (failure instanceof OpcuaRefusal) return { attempt: { accepted: false, status: failure.status, stage: 'createSession', note: failure.note, durationMs: Date.now() - started } };
      throw failure;
    }
    const identifiers = identifiersOf(created, sessionNonce(created));
    return {
      attempt: { accepted: true, status: GOOD, stage: 'createSession', durationMs: Date.now() - started, revisedSessionTimeoutMs: (created as unknown as { timeout: number }).timeout },
      pending: {
        identifiers,
        close: () => this.closeQuietly(created),
        stillKnown: async () => {
          const answer = await this.readWithToken(identifiers.token, 'i=2259');
          return !/^Bad(SessionIdInvalid|SessionClosed)$/.test(answer.serviceResult.name);
        },
      },
    };
  }

  /**
   * A Read sent on this channel with the given authentication token, e.g. another channel's or a closed session's.
   * Returns the service result and, when the service ran, the operation's status.
   */
  async readWithToken(token: AuthenticationToken, nodeId: string): Promise<{ serviceResult: StatusValue; operation?: StatusValue }> {
    const request = new ReadRequest({
      nodesToRead: [{ nodeId: resolveNodeId(nodeId), attributeId: AttributeIds.Value }],
      timestampsToReturn: TimestampsToReturn.Neither,
      requestHeader: { authenticationToken: tokenNodeId(token) },
    });
    const label = `Read ${nodeId} with authentication token ${fingerprint(token.text)}`;
    try {
      const response = await this.probe.bounded(label, () => transact(this.client, request), this.client);
      const results = (response as { results?: Array<{ statusCode: Parameters<typeof statusValue>[0] }> }).results ?? [];
      const answer = { serviceResult: GOOD, operation: results[0] ? statusValue(results[0].statusCode) : undefined };
      this.probe.transcript.record(label, `answered: ${formatStatus(answer.operation ?? answer.serviceResult)}`);
      return answer;
    } catch (error) {
      const status = statusFromError(error);
      if (status && !isConnectionLevel(status) && !(error instanceof OpcuaTimeoutError)) {
        this.probe.transcript.record(label, `refused: ${formatStatus(status)}`);
        return { serviceResult: status };
      }
      throw this.probe.classify(error, label);
    }
  }

  private async closeQuietly(session: ClientSession): Promise<void> {
    try {
      await withDeadline('CloseSession', () => (this.client as unknown as ClientInternals).closeSession(session, true), this.probe.options.timeoutMs, undefined, () => {});
    } catch {
      // the session was never activated; the device drops it on its own
    }
  }

  /**
   * Keeps the channel busy with session-less GetEndpoints calls for durationMs, so that a session on it goes idle
   * while the connection does not (a device may close idle connections on its own, which would hide the session).
   */
  async idleSessionsFor(durationMs: number, signal?: AbortSignal, everyMs = 2_000): Promise<void> {
    const until = Date.now() + durationMs;
    while (Date.now() < until) {
      await pause(Math.min(everyMs, until - Date.now()), signal);
      if (Date.now() >= until) break;
      try {
        await this.probe.bounded('GetEndpoints (channel keep-alive)', () => this.client.getEndpoints(), this.client);
      } catch (error) {
        throw this.probe.classify(error, 'GetEndpoints (channel keep-alive)');
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.probe.disconnect(this.client);
  }
}

const ATTRIBUTE_NAMES: Record<string, number> = {
  Value: AttributeIds.Value,
  AccessLevel: AttributeIds.AccessLevel,
  UserAccessLevel: AttributeIds.UserAccessLevel,
  DataType: AttributeIds.DataType,
  BrowseName: AttributeIds.BrowseName,
  NodeClass: AttributeIds.NodeClass,
};

export class OpcuaSession {
  private closed = false;

  /** @internal */
  constructor(
    private readonly probe: OpcuaProbe,
    private readonly client: OPCUAClient,
    private readonly session: ClientSession,
    readonly who: string,
    readonly revisedSessionTimeoutMs: number,
    private readonly createNonce?: Buffer,
  ) {}

  /** The session id, authentication token and server nonces the device issued for this session. */
  get identifiers(): SessionIdentifiers {
    return identifiersOf(this.session, this.createNonce);
  }

  private async service<T>(label: string, step: () => Promise<T>): Promise<T | { failed: StatusValue }> {
    try {
      return await this.probe.bounded(label, step, this.client);
    } catch (error) {
      const status = statusFromError(error);
      if (status && !isConnectionLevel(status) && !(error instanceof OpcuaTimeoutError)) {
        // A service fault (e.g. BadSessionIdInvalid after an idle timeout) is the device's answer.
        this.probe.transcript.record(`${label} as ${this.who}`, `service fault ${formatStatus(status)}`);
        return { failed: status };
      }
      throw this.probe.classify(error, label);
    }
  }

  async read(nodeId: string, attribute: keyof typeof ATTRIBUTE_NAMES = 'Value'): Promise<ReadResult> {
    const outcome = await this.service(`Read ${nodeId}.${attribute}`, () => this.session.read({ nodeId, attributeId: ATTRIBUTE_NAMES[attribute] }));
    if ('failed' in outcome) return { status: outcome.failed, value: undefined, dataType: 'Null' };
    const result = dataValueResult(outcome);
    this.probe.transcript.record(`Read ${nodeId}.${attribute} as ${this.who}`, `${result.status.name} ${result.dataType} ${String(result.value).slice(0, 60)}`);
    return result;
  }

  /** Writes a value of the given built-in type ("Double", "Boolean", ...). */
  async write(nodeId: string, dataType: string, value: unknown): Promise<StatusValue> {
    const variant = new Variant({ dataType: DataType[dataType as keyof typeof DataType], value });
    return this.writeVariant(nodeId, variant);
  }

  private async writeVariant(nodeId: string, variant: Variant): Promise<StatusValue> {
    const outcome = await this.service(`Write ${nodeId}`, () => this.session.write({ nodeId, attributeId: AttributeIds.Value, value: { value: variant } }));
    const status = 'failed' in outcome ? outcome.failed : statusValue(outcome);
    if (isConnectionLevel(status)) throw new OpcuaUnreachableError(`Write ${nodeId}: the connection broke (${formatStatus(status)})`);
    this.probe.transcript.record(`Write ${nodeId} as ${this.who}`, formatStatus(status));
    return status;
  }

  /**
   * Writes each variable its own value, only where nothing but this write could have changed it: the value and its
   * source time stamp are read twice, gapMs apart, and once more right before the write, which sends exactly the
   * value read last. OPC UA has no conditional write, so a variable that moves on its own (a measurement, a counter)
   * is never written: a stale value written back would change the process.
   */
  async writeSteadyValues(nodeIds: string[], gapMs: number, signal?: AbortSignal): Promise<SteadyWrite[]> {
    if (nodeIds.length === 0) return [];
    const readAll = async () => {
      const outcome = await this.service(`Read ${nodeIds.length} values with source time stamps`, () => this.session.read(nodeIds.map((nodeId) => ({ nodeId, attributeId: AttributeIds.Value })), 0));
      return 'failed' in outcome ? undefined : (outcome as unknown as DataValue[]);
    };
    const first = await readAll();
    await pause(gapMs, signal);
    const second = await readAll();
    const results: SteadyWrite[] = [];
    for (const [index, nodeId] of nodeIds.entries()) {
      const before = first?.[index];
      const after = second?.[index];
      const read = after ? statusValue(after.statusCode) : { name: 'BadNoData', code: 0x809b0000 };
      if (!before || !after || !isGood(read) || !after.value || !isGood(statusValue(before.statusCode))) {
        results.push({ nodeId, read, notWritten: `its value could not be read (${formatStatus(read)})` });
        continue;
      }
      if (!sameDataValue(before, after)) {
        results.push({ nodeId, read, notWritten: `its value moved within ${gapMs} ms, so a value read earlier may be stale` });
        continue;
      }
      const last = await this.service(`Read ${nodeId} right before the write`, () => this.session.read({ nodeId, attributeId: AttributeIds.Value }, 0));
      if ('failed' in last || !last.value || !sameDataValue(after, last)) {
        results.push({ nodeId, read: 'failed' in last ? last.failed : statusValue(last.statusCode), notWritten: 'its value moved right before the write' });
        continue;
      }
      results.push({ nodeId, read, write: await this.writeVariant(nodeId, last.value) });
    }
    return results;
  }

  /** Reads the current value and writes the same value back: tests write access without changing the process. */
  async writeBack(nodeId: string): Promise<WriteBackResult> {
    const outcome = await this.service(`Read ${nodeId}`, () => this.session.read({ nodeId, attributeId: AttributeIds.Value }));
    if ('failed' in outcome) return { nodeId, read: outcome.failed };
    const read = statusValue(outcome.statusCode);
    if (!isGood(read) || !outcome.value) return { nodeId, read };
    return { nodeId, read, write: await this.writeVariant(nodeId, outcome.value) };
  }

  async browse(nodeId: string): Promise<BrowseReference[]> {
    const outcome = await this.service(`Browse ${nodeId}`, () =>
      this.session.browse({ nodeId, browseDirection: BrowseDirection.Forward, referenceTypeId: 'HierarchicalReferences', includeSubtypes: true, nodeClassMask: 0, resultMask: 63 }),
    );
    if ('failed' in outcome) return [];
    return (outcome.references ?? []).map((reference) => ({
      nodeId: reference.nodeId.toString(),
      browseName: reference.browseName.toString(),
      nodeClass: NodeClass[reference.nodeClass] ?? String(reference.nodeClass),
      isForward: reference.isForward,
    }));
  }

  /**
   * The variables below a start node (default: the Objects folder), outside namespace 0, with the access levels the
   * device reports. Bounded in depth and count so that a large address space cannot stall a check.
   */
  async findVariables(options: { startNodeId?: string; maxDepth?: number; maxNodes?: number } = {}): Promise<VariableInfo[]> {
    const maxDepth = options.maxDepth ?? 4;
    const maxNodes = options.maxNodes ?? 200;
    const found: Array<{ nodeId: string; path: string }> = [];
    const seen = new Set<string>();
    let frontier: Array<{ nodeId: string; path: string }> = [{ nodeId: options.startNodeId ?? 'i=85', path: '' }];
    for (let depth = 0; depth < maxDepth && frontier.length > 0 && seen.size < maxNodes; depth++) {
      const next: typeof frontier = [];
      for (const node of frontier) {
        for (const reference of await this.browse(node.nodeId)) {
          if (!reference.isForward || seen.has(reference.nodeId) || seen.size >= maxNodes) continue;
          if (/^(ns=0;)?i=\d+$/.test(reference.nodeId)) continue;
          seen.add(reference.nodeId);
          const path = node.path ? `${node.path}/${reference.browseName}` : reference.browseName;
          if (reference.nodeClass === 'Variable') found.push({ nodeId: reference.nodeId, path });
          if (reference.nodeClass === 'Object' || reference.nodeClass === 'Variable') next.push({ nodeId: reference.nodeId, path });
        }
      }
      frontier = next;
    }
    if (found.length === 0) return [];
    const attributes = [AttributeIds.AccessLevel, AttributeIds.UserAccessLevel, AttributeIds.DataType];
    const outcome = await this.service('Read access levels', () => this.session.read(found.flatMap(({ nodeId }) => attributes.map((attributeId) => ({ nodeId, attributeId })))));
    if ('failed' in outcome) return [];
    return found.map((node, index) => {
      const [access, userAccess, dataType] = outcome.slice(index * 3, index * 3 + 3) as [DataValue, DataValue, DataValue];
      const typeId = dataType.value?.value as { namespace?: number; value?: unknown } | undefined;
      const unreadable = ([['AccessLevel', access], ['UserAccessLevel', userAccess]] as const).filter(([, value]) => !isGood(statusValue(value.statusCode)) || typeof value.value?.value !== 'number').map(([name, value]) => `${name} (${formatStatus(statusValue(value.statusCode))})`);
      return {
        nodeId: node.nodeId,
        path: node.path,
        dataType: typeId && typeId.namespace === 0 && typeof typeId.value === 'number' ? (DataType[typeId.value] ?? String(typeId.value)) : String(typeId?.value ?? 'unknown'),
        accessLevel: Number(access.value?.value ?? 0),
        userAccessLevel: Number(userAccess.value?.value ?? 0),
        ...(unreadable.length > 0 ? { unreadable } : {}),
      };
    });
  }

  async call(objectId: string, methodId: string, inputArguments: Array<{ dataType: string; value: unknown }> = []): Promise<{ status: StatusValue; outputs: unknown[] }> {
    const outcome = await this.service(`Call ${methodId}`, () =>
      this.session.call({ objectId, methodId, inputArguments: inputArguments.map((argument) => new Variant({ dataType: DataType[argument.dataType as keyof typeof DataType], value: argument.value })) }),
    );
    if ('failed' in outcome) return { status: outcome.failed, outputs: [] };
    const status = statusValue(outcome.statusCode);
    this.probe.transcript.record(`Call ${methodId} as ${this.who}`, formatStatus(status));
    return { status, outputs: (outcome.outputArguments ?? []).map((variant) => variant.value) };
  }

  /** Reads values with server and source timestamps (TimestampsToReturn Both). */
  async readTimed(nodeIds: string[]): Promise<TimedRead[]> {
    const label = `Read ${nodeIds.join(', ')} with timestamps`;
    const outcome = await this.service(label, () => this.session.read(nodeIds.map((nodeId) => ({ nodeId, attributeId: AttributeIds.Value })), 0));
    if ('failed' in outcome) return nodeIds.map((nodeId) => ({ nodeId, status: outcome.failed, value: undefined, dataType: 'Null' }));
    const values = outcome as unknown as DataValue[];
    return nodeIds.map((nodeId, index) => {
      const dataValue = values[index]!;
      return {
        nodeId,
        ...dataValueResult(dataValue),
        serverTimestamp: dataValue.serverTimestamp ?? undefined,
        sourceTimestamp: dataValue.sourceTimestamp ?? undefined,
      };
    });
  }

  /** Reads several values at once. */
  async readValues(nodeIds: string[]): Promise<ReadResult[]> {
    const outcome = await this.service(`Read ${nodeIds.length} values`, () => this.session.read(nodeIds.map((nodeId) => ({ nodeId, attributeId: AttributeIds.Value }))));
    if ('failed' in outcome) return nodeIds.map(() => ({ status: outcome.failed, value: undefined, dataType: 'Null' }));
    const results = (outcome as unknown as DataValue[]).map(dataValueResult);
    this.probe.transcript.record(`Read ${nodeIds.join(', ')} as ${this.who}`, results.map((result) => `${result.status.name} ${String(result.value).slice(0, 40)}`).join('; '));
    return results;
  }

  /** Read of one attribute with every diagnostics bit requested; an unknown attribute name is sent as its number. */
  readDiagnosed(nodeId: string, attributeId: number = AttributeIds.Value): Promise<DiagnosedAnswer> {
    return this.diagnosed(`Read ${nodeId} attribute ${attributeId}`, new ReadRequest({ nodesToRead: [{ nodeId: resolveNodeId(nodeId), attributeId }], timestampsToReturn: TimestampsToReturn.Neither }));
  }

  /** Write of a value of the given built-in type with every diagnostics bit requested. */
  writeDiagnosed(nodeId: string, dataType: string, value: unknown): Promise<DiagnosedAnswer> {
    const variant = new Variant({ dataType: DataType[dataType as keyof typeof DataType], value });
    return this.diagnosed(`Write ${dataType} ${JSON.stringify(value)} to ${nodeId}`, new WriteRequest({ nodesToWrite: [{ nodeId: resolveNodeId(nodeId), attributeId: AttributeIds.Value, value: { value: variant } }] }));
  }

  /** Call of a method with every diagnostics bit requested. */
  callDiagnosed(objectId: string, methodId: string, inputArguments: Array<{ dataType: string; value: unknown }>): Promise<DiagnosedAnswer> {
    const variants = inputArguments.map((argument) => new Variant({ dataType: DataType[argument.dataType as keyof typeof DataType], value: argument.value }));
    const described = inputArguments.map((argument) => `${argument.dataType} ${JSON.stringify(argument.value)}`).join(', ');
    return this.diagnosed(`Call ${methodId}(${described})`, new CallRequest({ methodsToCall: [{ objectId: resolveNodeId(objectId), methodId: resolveNodeId(methodId), inputArguments: variants }] }));
  }

  /** Browse of a node with every diagnostics bit requested. */
  browseDiagnosed(nodeId: string): Promise<DiagnosedAnswer> {
    return this.diagnosed(`Browse ${nodeId}`, new BrowseRequest({ nodesToBrowse: [{ nodeId: resolveNodeId(nodeId), browseDirection: BrowseDirection.Forward, includeSubtypes: true, nodeClassMask: 0, resultMask: 63 }] }));
  }

  private async diagnosed(operation: string, request: ReadRequest | WriteRequest | CallRequest | BrowseRequest): Promise<DiagnosedAnswer> {
    request.requestHeader.returnDiagnostics = ALL_DIAGNOSTICS;
    let response: unknown;
    let serviceResult: StatusValue = GOOD;
    try {
      response = await this.probe.bounded(operation, () => new Promise((resolve, reject) => (this.session as unknown as SessionTransactions).performMessageTransaction(request, (error, answer) => (error ? reject(Object.assign(error, { answer })) : resolve(answer)))), this.client);
    } catch (error) {
      const status = statusFromError(error);
      if (!status || isConnectionLevel(status) || error instanceof OpcuaTimeoutError) throw this.probe.classify(error, operation);
      serviceResult = status;
      response = (error as { response?: unknown; answer?: unknown }).response ?? (error as { answer?: unknown }).answer;
    }
    const results = ((response as { results?: Array<{ statusCode?: Parameters<typeof statusValue>[0] } | Parameters<typeof statusValue>[0]> } | undefined)?.results ?? []).map((result) =>
      statusValue(('statusCode' in (result as object) ? (result as { statusCode: Parameters<typeof statusValue>[0] }).statusCode : result) as Parameters<typeof statusValue>[0]),
    );
    const answer: DiagnosedAnswer = { operation, serviceResult, results, texts: diagnosticTexts(response) };
    this.probe.transcript.record(`${operation} as ${this.who} (all diagnostics requested)`, `${formatStatus(results[0] ?? serviceResult)}; ${answer.texts.length} diagnostic text(s)`);
    return answer;
  }

  /** Methods below a start node (default: the Objects folder), outside namespace 0, with the object they belong to. */
  async findMethods(options: { startNodeId?: string; maxDepth?: number; maxNodes?: number } = {}): Promise<Array<{ objectId: string; methodId: string; path: string }>> {
    const maxDepth = options.maxDepth ?? 4;
    const maxNodes = options.maxNodes ?? 200;
    const methods: Array<{ objectId: string; methodId: string; path: string }> = [];
    const seen = new Set<string>();
    let frontier: Array<{ nodeId: string; path: string }> = [{ nodeId: options.startNodeId ?? 'i=85', path: '' }];
    for (let depth = 0; depth < maxDepth && frontier.length > 0 && seen.size < maxNodes; depth++) {
      const next: typeof frontier = [];
      for (const node of frontier) {
        for (const reference of await this.browse(node.nodeId)) {
          if (!reference.isForward || seen.has(reference.nodeId) || seen.size >= maxNodes) continue;
          if (/^(ns=0;)?i=\d+$/.test(reference.nodeId)) continue;
          seen.add(reference.nodeId);
          const path = node.path ? `${node.path}/${reference.browseName}` : reference.browseName;
          if (reference.nodeClass === 'Method') methods.push({ objectId: node.nodeId, methodId: reference.nodeId, path });
          if (reference.nodeClass === 'Object') next.push({ nodeId: reference.nodeId, path });
        }
      }
      frontier = next;
    }
    return methods;
  }

  /** The type and its supertypes up to BaseEventType or BaseObjectType (inverse HasSubtype), nearest first. */
  async supertypes(typeId: string, maxDepth = 12): Promise<string[]> {
    const chain = [shortNodeId(typeId)];
    let current = shortNodeId(typeId);
    for (let depth = 0; depth < maxDepth; depth++) {
      const outcome = await this.service(`Browse supertype of ${current}`, () =>
        this.session.browse({ nodeId: current, browseDirection: BrowseDirection.Inverse, referenceTypeId: 'HasSubtype', includeSubtypes: false, nodeClassMask: 0, resultMask: 63 }),
      );
      if ('failed' in outcome) break;
      const found = outcome.references?.[0]?.nodeId.toString();
      const parent = found && shortNodeId(found);
      if (!parent || chain.includes(parent)) break;
      chain.push(parent);
      current = parent;
    }
    return chain;
  }

  /**
   * Subscribes to the events the Server object notifies (EventNotifier of i=2253), with the fields of
   * AuditEventType an auditor reads. Events arrive in watch.events until watch.stop().
   */
  async watchEvents(options: { publishingIntervalMs?: number } = {}): Promise<EventWatch> {
    const started = Date.now();
    const publishingIntervalMs = options.publishingIntervalMs ?? 100;
    const subscription = await this.probe.bounded('CreateSubscription', () =>
      this.session.createSubscription2({ requestedPublishingInterval: publishingIntervalMs, requestedLifetimeCount: 600, requestedMaxKeepAliveCount: 20, maxNotificationsPerPublish: 1000, publishingEnabled: true, priority: 10 }),
      this.client,
    ).catch((error: unknown) => {
      throw this.probe.classify(error, 'CreateSubscription');
    });
    const events: EventRecord[] = [];
    try {
      const filter = constructEventFilter(EVENT_FIELDS as unknown as string[]);
      const item = await this.probe.bounded('CreateMonitoredItems (events of the Server object)', () =>
        subscription.monitor({ nodeId: resolveNodeId('i=2253'), attributeId: AttributeIds.EventNotifier }, { samplingInterval: 0, filter, queueSize: 10_000, discardOldest: false }, TimestampsToReturn.Neither),
        this.client,
      );
      item.on('changed', (fields: unknown) => {
        const values = (fields as Variant[]).map((variant) => variant?.value as unknown);
        const record = eventRecord(values, Date.now() - started);
        events.push(record);
        this.probe.transcript.record('event', `${record.eventType} ${record.sourceName ?? ''} status=${record.status ?? '-'} user=${record.clientUserId ?? '-'}`);
      });
    } catch (error) {
      await terminateQuietly(subscription, this.probe.options.timeoutMs);
      throw this.probe.classify(error, 'CreateMonitoredItems');
    }
    this.probe.transcript.record(`event subscription on the Server object as ${this.who}`, `open (publishing every ${publishingIntervalMs} ms)`);
    return {
      events,
      stop: () => terminateQuietly(subscription, this.probe.options.timeoutMs),
    };
  }

  /** Closes the session; a session the device already dropped closes without complaint. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.probe.bounded('CloseSession', () => this.session.close(true), this.client);
    } catch {
      // already gone on the device side
    }
  }
}

/** RequestHeader.returnDiagnostics with every service- and operation-level bit (OPC 10000-4 7.32). */
const ALL_DIAGNOSTICS = 0x3ff;

/** The fields of an event subscription, in the order eventRecord reads them. */
const EVENT_FIELDS = ['EventType', 'SourceName', 'Time', 'Message', 'Severity', 'Status', 'ClientUserId'] as const;

export interface EventWatch {
  /** Events received so far, in arrival order. */
  readonly events: EventRecord[];
  stop(): Promise<void>;
}

/** A session not (yet) activated: its ids, and how to give it back. */
export interface PendingSession {
  identifiers: SessionIdentifiers;
  close(): Promise<void>;
  /** False when the device answers that it no longer knows the session (it closed or evicted it). */
  stillKnown(): Promise<boolean>;
}

interface SessionTransactions {
  performMessageTransaction(request: unknown, callback: (error: Error | null, response?: unknown) => void): void;
}

const TOKENS = new WeakMap<AuthenticationToken, NodeId>();

function tokenOf(nodeId: NodeId): AuthenticationToken {
  const token: AuthenticationToken = { kind: 'opcua-authentication-token', text: nodeId.toString() };
  TOKENS.set(token, nodeId);
  return token;
}

function tokenNodeId(token: AuthenticationToken): NodeId {
  const nodeId = TOKENS.get(token);
  if (!nodeId) throw new Error('not an authentication token issued to this harness');
  return nodeId;
}

/** A short SHA-256 fingerprint of a token or nonce, for evidence that must not carry the value itself. */
export const fingerprint = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 12);

function sessionNonce(session: ClientSession): Buffer | undefined {
  const nonce = (session as unknown as { serverNonce?: Buffer | null }).serverNonce;
  return nonce && nonce.length > 0 ? Buffer.from(nonce) : undefined;
}

function identifiersOf(session: ClientSession, createNonce: Buffer | undefined): SessionIdentifiers {
  const internals = session as unknown as { sessionId: NodeId; authenticationToken: NodeId; serverNonce?: Buffer | null };
  const current = sessionNonce(session);
  // The client keeps the CreateSession nonce when ActivateSession sends none, so an equal one is not counted twice.
  return {
    sessionId: internals.sessionId.toString(),
    token: tokenOf(internals.authenticationToken),
    createNonceHex: createNonce?.toString('hex'),
    activateNonceHex: current && (!createNonce || !current.equals(createNonce)) ? current.toString('hex') : undefined,
  };
}

/** One request on the client's secure channel, whatever session (if any) it names. */
function transact(client: OPCUAClient, request: ReadRequest): Promise<unknown> {
  return new Promise((resolve, reject) =>
    (client as unknown as SessionTransactions).performMessageTransaction(request, (error, response) => (error ? reject(error) : resolve(response))),
  );
}

interface DiagnosticInfoLike {
  additionalInfo?: string | null;
  innerDiagnosticInfo?: DiagnosticInfoLike | null;
}

/** Every text of a response's diagnostics: the string table and each DiagnosticInfo's additional info, nested ones too. */
function diagnosticTexts(response: unknown): string[] {
  if (!response || typeof response !== 'object') return [];
  const answer = response as {
    responseHeader?: { stringTable?: Array<string | null> | null; serviceDiagnostics?: DiagnosticInfoLike | null };
    diagnosticInfos?: Array<DiagnosticInfoLike | null> | null;
    results?: Array<{ inputArgumentDiagnosticInfos?: Array<DiagnosticInfoLike | null> | null } | null> | null;
  };
  const texts = new Set<string>();
  const visit = (info: DiagnosticInfoLike | null | undefined, depth = 0) => {
    if (!info || depth > 8) return;
    if (info.additionalInfo) texts.add(info.additionalInfo);
    visit(info.innerDiagnosticInfo, depth + 1);
  };
  for (const text of answer.responseHeader?.stringTable ?? []) if (text) texts.add(text);
  visit(answer.responseHeader?.serviceDiagnostics);
  for (const info of answer.diagnosticInfos ?? []) visit(info);
  for (const result of answer.results ?? []) for (const info of result?.inputArgumentDiagnosticInfos ?? []) visit(info);
  return [...texts];
}

function eventRecord(values: unknown[], receivedAtMs: number): EventRecord {
  const [eventType, sourceName, time, message, severity, status, clientUserId] = values;
  const text = (value: unknown) => (value === null || value === undefined ? undefined : typeof value === 'object' && 'text' in (value as object) ? String((value as { text: unknown }).text ?? '') : String(value));
  return {
    eventType: eventType ? shortNodeId(String((eventType as { toString(): string }).toString())) : 'unknown',
    sourceName: text(sourceName),
    time: time instanceof Date ? time : undefined,
    message: text(message),
    severity: typeof severity === 'number' ? severity : undefined,
    status: typeof status === 'boolean' ? status : undefined,
    clientUserId: text(clientUserId),
    receivedAtMs,
  };
}

async function terminateQuietly(subscription: ClientSubscription, timeoutMs: number): Promise<void> {
  await Promise.race([subscription.terminate().catch(() => {}), new Promise((resolve) => setTimeout(resolve, Math.min(timeoutMs, 2_000)).unref())]);
}

/** Same value, status and source time stamp: nothing changed the variable in between, as far as a client can see. */
function sameDataValue(a: DataValue, b: DataValue): boolean {
  const text = (value: DataValue) => JSON.stringify({ type: value.value?.dataType, value: value.value?.value instanceof Date ? value.value.value.getTime() : value.value?.value });
  return a.statusCode.value === b.statusCode.value && a.sourceTimestamp?.getTime() === b.sourceTimestamp?.getTime() && text(a) === text(b);
}

function dataValueResult(dataValue: DataValue): ReadResult {
  const variant = dataValue.value;
  return { status: statusValue(dataValue.statusCode), value: variant?.value, dataType: variant ? (DataType[variant.dataType] ?? 'Unknown') : 'Null' };
}

/** Reads the PEM of credentials, e.g. to present the same certificate as an X509 user identity. */
export function identityFromCredentials(credentials: ClientCredentials): Identity {
  return { kind: 'x509', certificatePem: readFileSync(credentials.certificateFile, 'utf8'), privateKeyPem: readFileSync(credentials.privateKeyFile, 'utf8'), label: credentials.label };
}

/** The URL of the profile's endpoint with its host replaced by the target address the run is allowed to reach. */
export function targetUrl(profileUrl: string, host: string): string {
  const { port, path } = parseOpcTcpUrl(profileUrl);
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return `opc.tcp://${hostPart}:${port}${path}`;
}
