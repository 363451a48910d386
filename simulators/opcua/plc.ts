import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AccessLevelFlag,
  DataType,
  DiagnosticInfo,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAServer,
  PermissionType,
  SecurityPolicy,
  StatusCodes,
  WellKnownRoles,
  makeRoles,
  setErrorLogger,
  setWarningLogger,
  type NodeId,
  type OPCUAServerOptions,
  type StatusCode,
  type UAVariable,
  UserTokenPolicy,
  UserTokenType,
} from 'node-opcua';
import { issueCertificate } from '../../adapters/pki/certificates.js';
import { ensureHarnessPki, type HarnessPki } from '../../adapters/opcua/pki.js';
import { auditWrites, refuseArraysForScalars, refuseUndecodableRequests, tolerateLongHelloUrls } from './safeguards.js';
import { flawsOf, PLC_PROFILES, type PlcFlaw } from './flaws.js';
import { bindSessionsToNoChannel, disableDiagnostics, fixServerNonce, installWeakTransport, leakInternalErrors, offsetClock, type WeakTransport } from './weaknesses.js';
import type { SimulatedIdentity } from '../types.js';

/**
 * A small simulated PLC on node-opcua's server: a tank whose level follows a setpoint while a pump runs, and a
 * cycle counter, updated every 100 ms. The hardened behaviour is what a careful vendor ships; the weak one is a
 * catalogue of the usual mistakes (flaws.ts), and each weak-<flaw> one makes a single mistake, so that every check
 * can be shown to catch its own.
 */

if (!process.env.IEC62443_OPCUA_DEBUG) {
  setWarningLogger(() => {});
  setErrorLogger(() => {});
}

/** "hardened", "weak" (every flaw) or "weak-<flaw>" (that flaw alone), as listed in PLC_PROFILES. */
export type PlcProfile = string;

export interface PlcAccount {
  role: 'admin' | 'operator' | 'viewer' | 'lockout';
  username: string;
  password: string;
}

export interface PlcSettings {
  /** Failed logins after which an account is locked (hardened). */
  lockoutThreshold: number;
  /** How long a locked account stays locked (hardened). */
  lockoutMs: number;
  /** Upper bound the hardened server revises requested session timeouts to. */
  maxSessionTimeoutMs: number;
  /** Concurrent sessions one user may hold (hardened). */
  maxSessionsPerUser: number;
  /** Concurrent sessions of the whole server. */
  maxSessions: number;
  /** CPU time each new connection costs a single-threaded stack, during which it serves nothing else (weak). */
  connectionCostMs: number;
  /** How long the watchdog takes to restart the stack after a crash (weak). */
  restartAfterMs: number;
  /** How far the real-time clock is off (weak). */
  clockOffsetMs: number;
  /** Hardened variant for a declared anonymous read-only access: anonymous sessions are accepted and may only read. */
  anonymousReadOnly?: boolean;
  /** Hardened variant, lenient but harmless: a Hello with an EndpointUrl above 4096 bytes is acknowledged, not refused. */
  lenientHelloUrl?: boolean;
}

const between = (low: number, high: number) => low + randomInt(high - low + 1);

/**
 * What a conforming PLC may choose, drawn anew at every start within valid ranges and written into its self-described
 * profile, so that no check can lean on a constant of this simulator.
 */
export function drawHardenedSettings(): PlcSettings {
  return {
    lockoutThreshold: between(3, 6),
    lockoutMs: between(3, 6) * 1_000,
    maxSessionTimeoutMs: between(5, 12) * 1_000,
    maxSessionsPerUser: between(2, 6),
    maxSessions: between(20, 40),
    connectionCostMs: 0,
    restartAfterMs: 0,
    clockOffsetMs: 0,
  };
}

/** The settings of a profile: the hardened draw with each flaw's own mistake on top. */
export function settingsFor(flaws: ReadonlySet<PlcFlaw>, drawn: PlcSettings): PlcSettings {
  const settings = { ...drawn };
  if (flaws.has('no-lockout')) settings.lockoutThreshold = Number.POSITIVE_INFINITY;
  if (flaws.has('long-sessions')) settings.maxSessionTimeoutMs = 50 * 60_000;
  if (flaws.has('sessions-per-user')) settings.maxSessionsPerUser = Number.POSITIVE_INFINITY;
  if (flaws.has('no-session-cap')) settings.maxSessions = 100_000;
  // 10 ms per connection: 100 new connections per second saturate the weak stack, a third of what the tests send.
  if (flaws.has('slow-connections')) settings.connectionCostMs = 10;
  if (flaws.has('zero-buffer-crash')) settings.restartAfterMs = 2_000;
  if (flaws.has('clock-offset')) settings.clockOffsetMs = 37 * 60_000;
  return settings;
}

export const PLC_NAMESPACE_URI = 'urn:iec62443-harness:simulated-plc';
/** Node ids of the process values (namespace 1 is the server's own namespace). */
export const PLC_NODES = {
  tankLevel: 'ns=1;s=PLC.TankLevel',
  setpoint: 'ns=1;s=PLC.Setpoint',
  pumpRunning: 'ns=1;s=PLC.PumpRunning',
  highLevelLimit: 'ns=1;s=PLC.HighLevelLimit',
  cycleCounter: 'ns=1;s=PLC.CycleCounter',
  selectRecipe: 'ns=1;s=PLC.SelectRecipe',
} as const;

/** Recipes the PLC knows; SelectRecipe refuses any other number. */
export const PLC_RECIPES = [1, 2, 3] as const;

export interface PlcOptions {
  profile: PlcProfile;
  host: string;
  port: number;
  workDir: string;
  settings?: Partial<PlcSettings>;
  identity?: SimulatedIdentity;
}

export type DocumentedBounds = Pick<PlcSettings, 'lockoutThreshold' | 'lockoutMs' | 'maxSessionTimeoutMs' | 'maxSessionsPerUser' | 'maxSessions'>;

/** What the PLC received, counted on its side: the tests judge the harness's safety by it. */
export interface PlcTraffic {
  /** Write service requests, and the values they asked to write (every nodesToWrite item). */
  writeRequests: number;
  valuesWritten: number;
  /** Per node id: values the clients asked to write to it. */
  nodesWritten: Map<string, number>;
  /** Per user name: UserName logins with a wrong password, and the most in a row without a correct one in between. */
  failedLogins: Map<string, { failed: number; inARow: number; mostInARow: number }>;
}

export interface RunningPlc {
  server: OPCUAServer;
  url: string;
  port: number;
  applicationUri: string;
  /** The accounts the vendor documents (the undocumented shared account of weak-shared-account is not among them). */
  accounts: PlcAccount[];
  harnessPki: HarnessPki;
  settings: PlcSettings;
  /** The bounds its vendor documents: the hardened draw, which a flaw may then break. */
  documented: DocumentedBounds;
  flaws: ReadonlySet<PlcFlaw>;
  traffic: PlcTraffic;
  /** The weak stack's transport mistakes (crash and watchdog state); absent when it has none. */
  weakTransport?: WeakTransport;
  stop(): Promise<void>;
}

const strongPassword = () => randomBytes(18).toString('base64url');
const suffix = () => randomBytes(2).toString('hex');

function accountsFor(flaws: ReadonlySet<PlcFlaw>): PlcAccount[] {
  if (flaws.has('default-credentials')) {
    return [
      { role: 'admin', username: 'admin', password: 'admin' },
      { role: 'operator', username: 'operator', password: 'operator' },
      { role: 'viewer', username: 'viewer', password: 'viewer' },
      { role: 'lockout', username: 'test', password: 'test' },
    ];
  }
  // Named personal accounts with random passwords, and names drawn at every start: nothing a list could guess.
  return [
    { role: 'admin', username: `plant.admin.${suffix()}`, password: strongPassword() },
    { role: 'operator', username: `op.jdoe.${suffix()}`, password: strongPassword() },
    { role: 'viewer', username: `view.msmith.${suffix()}`, password: strongPassword() },
    { role: 'lockout', username: `lockout.probe.${suffix()}`, password: strongPassword() },
  ];
}

/** weak-shared-account: one identity for a whole shift, with the password such accounts usually carry. */
const SHARED_ACCOUNT: PlcAccount = { role: 'operator', username: 'shift', password: 'shift' };

const ROLES_BY_ACCOUNT_ROLE: Record<PlcAccount["role"], WellKnownRoles[]> = {
  admin: [WellKnownRoles.ConfigureAdmin, WellKnownRoles.SecurityAdmin, WellKnownRoles.Engineer, WellKnownRoles.Operator, WellKnownRoles.Observer],
  operator: [WellKnownRoles.Operator, WellKnownRoles.Observer],
  viewer: [WellKnownRoles.Observer],
  lockout: [WellKnownRoles.Observer],
};

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * node-opcua's server with the few hooks the simulated behaviours need, set on the instance: node-opcua dispatches
 * requests by method name on the instance, so an own property takes precedence.
 */
function installHooks(server: OPCUAServer, sessionTimeoutCap: number, refusalStatus: WeakMap<object, StatusCode>, traffic: PlcTraffic): void {
  type Handler = (message: { request: { requestedSessionTimeout: number } }, channel: unknown) => Promise<void>;
  type WriteHandler = (message: { request: { nodesToWrite?: Array<{ nodeId?: { toString(): string } }> | null } }, channel: unknown) => void;
  const hooks = server as unknown as { _on_CreateSessionRequest: Handler; _on_WriteRequest: WriteHandler; userNameIdentityTokenAuthenticateUser: Function };
  const writeRequest = hooks._on_WriteRequest.bind(server);
  hooks._on_WriteRequest = (message, channel) => {
    traffic.writeRequests += 1;
    for (const value of message.request.nodesToWrite ?? []) {
      traffic.valuesWritten += 1;
      const nodeId = value.nodeId?.toString() ?? '?';
      traffic.nodesWritten.set(nodeId, (traffic.nodesWritten.get(nodeId) ?? 0) + 1);
    }
    return writeRequest(message, channel);
  };
  const createSession = hooks._on_CreateSessionRequest.bind(server);
  hooks._on_CreateSessionRequest = (message, channel) => {
    // Clamp before node-opcua revises the timeout (its own ceiling is 50 minutes).
    message.request.requestedSessionTimeout = Math.min(message.request.requestedSessionTimeout || 30_000, sessionTimeoutCap);
    return createSession(message, channel);
  };
  const authenticate = hooks.userNameIdentityTokenAuthenticateUser.bind(server);
  // The user manager can only say yes or no; the status it wants to give travels per session.
  hooks.userNameIdentityTokenAuthenticateUser = (
    channel: unknown,
    session: object,
    policy: unknown,
    token: unknown,
    callback: (error: Error | null, authorized?: boolean, status?: StatusCode) => void,
  ) =>
    authenticate(channel, session, policy, token, (error: Error | null, authorized?: boolean, status?: StatusCode) => {
      const wanted = refusalStatus.get(session);
      refusalStatus.delete(session);
      callback(error, authorized, authorized ? status : (status ?? wanted));
    });
}

/**
 * node-opcua does not pass allowUnsecurePassword through: the PLC adds a UserName policy without encryption by hand,
 * first on None endpoints (so clients use it there) and last on Sign endpoints (offered, but not what clients pick).
 */
function offerCleartextPasswords(server: OPCUAServer): void {
  for (const description of server.endpoints.flatMap((endpoint) => endpoint.endpointDescriptions())) {
    if (description.securityMode === MessageSecurityMode.None) {
      description.userIdentityTokens = [
        new UserTokenPolicy({ policyId: 'username_unsecure', tokenType: UserTokenType.UserName, securityPolicyUri: null }),
        ...(description.userIdentityTokens ?? []),
      ];
    } else if (description.securityMode === MessageSecurityMode.Sign) {
      description.userIdentityTokens = [
        ...(description.userIdentityTokens ?? []),
        new UserTokenPolicy({ policyId: 'username_unencrypted', tokenType: UserTokenType.UserName, securityPolicyUri: SecurityPolicy.None }),
      ];
    }
  }
}

function rolePermissions(entries: Array<[WellKnownRoles, number]>) {
  return entries.map(([role, permissions]) => ({ roleId: makeRoles(role)[0]!, permissions }));
}

export async function startPlc(options: PlcOptions): Promise<RunningPlc> {
  const { profile, host, workDir } = options;
  const flaws = flawsOf(profile);
  if (!flaws) throw new Error(`unknown OPC UA simulator profile "${profile}" (known: ${PLC_PROFILES.join(', ')})`);
  const has = (flaw: PlcFlaw) => flaws.has(flaw);
  const drawn = { ...drawHardenedSettings(), ...options.settings };
  const settings: PlcSettings = { ...settingsFor(flaws, drawn), ...options.settings };
  const applicationUri = `urn:iec62443-harness:simulated-plc:${profile}`;
  mkdirSync(workDir, { recursive: true });

  // The harness client PKI this PLC trusts and names in its self-description.
  const harnessPki = ensureHarnessPki(join(workDir, 'harness-pki'));

  const certificate = issueCertificate({
    commonName: `Simulated OPC UA PLC (${profile})`,
    organization: 'iec62443-harness',
    keyBits: 2048,
    hash: has('sha1-certificate') ? 'sha1' : 'sha256',
    san: { uris: [applicationUri], ips: [host], dns: ['localhost'] },
    keyUsage: ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment'],
  });
  const certificateFile = join(workDir, 'server-cert.pem');
  const privateKeyFile = join(workDir, 'server-key.pem');
  writeFileSync(certificateFile, certificate.certPem);
  writeFileSync(privateKeyFile, certificate.keyPem, { mode: 0o600 });

  const managers = await Promise.all(
    ['server-pki', 'user-pki'].map(async (folder) => {
      const manager = new OPCUACertificateManager({ rootFolder: join(workDir, folder), automaticallyAcceptUnknownCertificate: false, disableFileWatchers: true } as ConstructorParameters<typeof OPCUACertificateManager>[0]);
      await manager.initialize();
      if (!has('untrusted-clients')) {
        await manager.trustCertificate(harnessPki.ca.issued.certDer);
        await manager.addRevocationList(readFileSync(harnessPki.ca.crlFile), 'trusted');
      } else {
        // Every certificate is "good", whoever issued it, whenever it expires.
        const acceptAll = (...args: unknown[]) => {
          const callback = args.find((arg): arg is (error: Error | null, status?: StatusCode) => void => typeof arg === 'function');
          if (callback) return callback(null, StatusCodes.Good);
          return Promise.resolve(StatusCodes.Good);
        };
        Object.assign(manager, { checkCertificate: acceptAll });
      }
      return manager;
    }),
  );
  const [serverCertificateManager, userCertificateManager] = managers as [OPCUACertificateManager, OPCUACertificateManager];

  const accounts = accountsFor(flaws);
  const byName = new Map([...accounts, ...(has('shared-account') ? [SHARED_ACCOUNT] : [])].map((account) => [account.username, account]));
  const failures = new Map<string, { count: number; lockedUntil: number }>();
  const refusalStatus = new WeakMap<object, StatusCode>();
  const traffic: PlcTraffic = { writeRequests: 0, valuesWritten: 0, nodesWritten: new Map(), failedLogins: new Map() };
  let server: OPCUAServer;

  const activeSessionsOf = (username: string, except: object) =>
    Object.values((server.engine as unknown as { _sessions: Record<string, { status: string; userIdentityToken?: { userName?: string } }> })._sessions).filter(
      (session) => session !== except && session.status === 'active' && session.userIdentityToken?.userName === username,
    ).length;
  const countLogin = (username: string, correct: boolean) => {
    const entry = traffic.failedLogins.get(username) ?? { failed: 0, inARow: 0, mostInARow: 0 };
    if (correct) entry.inARow = 0;
    else {
      entry.failed += 1;
      entry.inARow += 1;
      entry.mostInARow = Math.max(entry.mostInARow, entry.inARow);
    }
    traffic.failedLogins.set(username, entry);
  };
  const adminRoles = makeRoles(ROLES_BY_ACCOUNT_ROLE.admin);

  const userManager = {
    isValidUser(this: object, username: string, password: string): boolean {
      const session = this;
      const account = byName.get(username);
      const valid = !!account && sameSecret(account.password, password);
      countLogin(username, valid);
      if (!account && has('login-feedback')) refusalStatus.set(session, StatusCodes.BadIdentityTokenRejected);
      const now = Date.now();
      const state = failures.get(username) ?? { count: 0, lockedUntil: 0 };
      if (state.lockedUntil > now) return false;
      if (!valid) {
        state.count += 1;
        if (state.count >= settings.lockoutThreshold) {
          state.count = 0;
          state.lockedUntil = now + settings.lockoutMs;
        }
        failures.set(username, state);
        return false;
      }
      failures.delete(username);
      if (activeSessionsOf(username, session) >= settings.maxSessionsPerUser) {
        refusalStatus.set(session, StatusCodes.BadTooManySessions);
        return false;
      }
      return true;
    },
    getUserRoles(username: string): NodeId[] {
      const account = byName.get(username);
      if (account) return has('flat-roles') ? adminRoles : makeRoles(ROLES_BY_ACCOUNT_ROLE[account.role]);
      // X509 user identities are named by their certificate's CN: the harness's device identity only observes.
      if (username.startsWith('iec62443-harness')) return has('device-identity-admin') ? adminRoles : makeRoles(ROLES_BY_ACCOUNT_ROLE.viewer);
      return [];
    },
  };

  const policies = [
    ...(has('none-endpoint') ? [SecurityPolicy.None] : []),
    ...(has('deprecated-policies') ? [SecurityPolicy.Basic128Rsa15, SecurityPolicy.Basic256] : []),
    SecurityPolicy.Basic256Sha256,
    // An old stack's list: the deprecated policies stand where the current Aes ones would.
    ...(has('deprecated-policies') ? [] : [SecurityPolicy.Aes128_Sha256_RsaOaep, SecurityPolicy.Aes256_Sha256_RsaPss]),
  ];
  const modes = [...(has('none-endpoint') ? [MessageSecurityMode.None] : []), MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt];

  server = new OPCUAServer(
    {
      port: options.port,
      host,
      hostname: host,
      securityPolicies: policies,
      securityModes: modes,
      allowAnonymous: has('anonymous') || settings.anonymousReadOnly === true,
      certificateFile,
      privateKeyFile,
      serverCertificateManager,
      userCertificateManager,
      userManager: userManager as never,
      isAuditing: !has('no-audit'),
      serverCapabilities: { maxSessions: settings.maxSessions },
      maxConnectionsPerEndpoint: settings.maxSessions + 10,
      serverInfo: { applicationUri, productUri: 'urn:iec62443-harness:simulated-plc', applicationName: { text: `Simulated OPC UA PLC (${profile})` } },
      buildInfo: has('empty-build-info')
        ? { productName: 'Simulated OPC UA PLC', manufacturerName: '', softwareVersion: '', buildNumber: '' }
        : {
            productName: options.identity ? `${options.identity.model} OPC UA server` : 'Simulated OPC UA PLC',
            manufacturerName: options.identity?.vendor ?? 'iec62443-harness',
            softwareVersion: options.identity?.firmware ?? `1.0.0-${profile}`,
            buildNumber: '2024.11.3-17',
            buildDate: new Date('2024-11-03T10:00:00Z'),
          },
    } as OPCUAServerOptions,
  );
  installHooks(server, settings.maxSessionTimeoutMs, refusalStatus, traffic);

  await server.initialize();
  if (has('cleartext-password')) offerCleartextPasswords(server);
  buildAddressSpace(server, { flaws, anonymousReadOnly: settings.anonymousReadOnly === true });
  await server.start();
  const port = server.endpoints[0]!.port;
  const ticker = startProcess(server);
  if (!has('no-audit')) auditWrites(server);
  if (!has('lenient-decoding')) refuseUndecodableRequests(server);
  if (settings.lenientHelloUrl) tolerateLongHelloUrls(server);
  const transport = { connectionCostMs: settings.connectionCostMs, restartAfterMs: settings.restartAfterMs, signatureBlind: has('signature-blind'), crashOnZeroBufferHello: has('zero-buffer-crash') };
  const weakTransport = transport.connectionCostMs > 0 || transport.signatureBlind || transport.crashOnZeroBufferHello ? installWeakTransport(server, transport) : undefined;
  if (has('session-binding')) bindSessionsToNoChannel(server);
  if (has('fixed-nonce')) fixServerNonce(server);
  if (has('leaky-errors')) leakInternalErrors(server);
  if (has('clock-offset')) offsetClock(server, settings.clockOffsetMs);
  if (has('no-diagnostics')) disableDiagnostics(server);
  let stopping: Promise<void> | undefined;
  return {
    server,
    url: `opc.tcp://${host}:${port}`,
    port,
    applicationUri,
    accounts,
    harnessPki,
    settings,
    documented: { lockoutThreshold: drawn.lockoutThreshold, lockoutMs: drawn.lockoutMs, maxSessionTimeoutMs: drawn.maxSessionTimeoutMs, maxSessionsPerUser: drawn.maxSessionsPerUser, maxSessions: drawn.maxSessions },
    flaws,
    traffic,
    weakTransport,
    stop() {
      stopping ??= (async () => {
        clearInterval(ticker);
        await weakTransport?.release();
        await server.shutdown(0);
        await Promise.all(managers.map((manager) => manager.dispose()));
      })();
      return stopping;
    },
  };
}

function buildAddressSpace(server: OPCUAServer, options: { flaws: ReadonlySet<PlcFlaw>; anonymousReadOnly: boolean }): void {
  const { flaws, anonymousReadOnly } = options;
  const addressSpace = server.engine.addressSpace!;
  const namespace = addressSpace.getOwnNamespace();
  const plc = namespace.addObject({ organizedBy: addressSpace.rootFolder.objects, browseName: 'PLC', nodeId: 's=PLC' });
  const R = PermissionType.Browse | PermissionType.Read;
  const RW = R | PermissionType.Write;
  // The security administrator receives the audit events whose source is a process value (a refused write, say).
  const auditor: [WellKnownRoles, number] = [WellKnownRoles.SecurityAdmin, R | PermissionType.ReceiveEvents];
  // Declared anonymous read-only access reads; the anonymous flaw also writes what an operator writes.
  const anonymousReader: Array<[WellKnownRoles, number]> = anonymousReadOnly || flaws.has('anonymous') ? [[WellKnownRoles.Anonymous, R]] : [];
  const anonymousWriter: Array<[WellKnownRoles, number]> = flaws.has('anonymous') ? [[WellKnownRoles.Anonymous, RW]] : anonymousReader;
  const readOnly = rolePermissions([
    [WellKnownRoles.AuthenticatedUser, R],
    [WellKnownRoles.Observer, R],
    auditor,
    ...anonymousReader,
  ]);
  const operatorWrites = rolePermissions([
    [WellKnownRoles.AuthenticatedUser, R],
    [WellKnownRoles.Observer, R],
    [WellKnownRoles.Operator, RW],
    [WellKnownRoles.Engineer, RW],
    auditor,
    ...anonymousWriter,
  ]);
  const engineerWrites = rolePermissions([
    [WellKnownRoles.AuthenticatedUser, R],
    [WellKnownRoles.Observer, R],
    [WellKnownRoles.Engineer, RW],
    [WellKnownRoles.ConfigureAdmin, RW],
    auditor,
    ...anonymousReader,
  ]);
  const variable = (name: string, dataType: DataType, value: unknown, writable: boolean, permissions: ReturnType<typeof rolePermissions>) =>
    namespace.addVariable({
      componentOf: plc,
      browseName: name,
      nodeId: `s=PLC.${name}`,
      dataType,
      accessLevel: writable ? 'CurrentRead | CurrentWrite' : 'CurrentRead',
      userAccessLevel: writable ? 'CurrentRead | CurrentWrite' : 'CurrentRead',
      rolePermissions: permissions,
      value: { dataType, value },
    } as Parameters<typeof namespace.addVariable>[0]);
  const variables = [variable('TankLevel', DataType.Double, 50, false, readOnly)];
  // The setpoint is an analog item with an instrument range; a lenient firmware stores values outside it anyway.
  const setpoint = namespace.addAnalogDataItem({
    componentOf: plc,
    browseName: 'Setpoint',
    nodeId: 's=PLC.Setpoint',
    dataType: 'Double',
    valueRank: -1,
    accessLevel: 'CurrentRead | CurrentWrite',
    userAccessLevel: 'CurrentRead | CurrentWrite',
    engineeringUnitsRange: { low: 0, high: 100 },
    instrumentRange: { low: 0, high: 100 },
    acceptValueOutOfRange: flaws.has('lenient-decoding'),
    rolePermissions: operatorWrites,
    value: { dataType: DataType.Double, value: 60 },
  } as Parameters<typeof namespace.addAnalogDataItem>[0]);
  // node-opcua makes InstrumentRange writable; the range is configuration, not something a client changes.
  for (const property of [setpoint.getPropertyByName('InstrumentRange'), setpoint.getPropertyByName('EURange')]) {
    if (!property) continue;
    const variableProperty = property as unknown as { accessLevel: number; userAccessLevel: number };
    variableProperty.accessLevel = AccessLevelFlag.CurrentRead;
    variableProperty.userAccessLevel = AccessLevelFlag.CurrentRead;
  }
  variables.push(
    setpoint,
    variable('PumpRunning', DataType.Boolean, true, true, engineerWrites),
    variable('HighLevelLimit', DataType.Double, 95, true, engineerWrites),
    variable('CycleCounter', DataType.UInt32, 0, false, readOnly),
  );
  if (!flaws.has('lenient-decoding')) for (const node of variables) refuseArraysForScalars(node);
  addRecipeSelection(namespace, plc, flaws.has('leaky-errors'));
}

/**
 * SelectRecipe(recipe): switches the batch recipe. The hardened PLC refuses an unknown number with BadOutOfRange and
 * nothing else; a leaky one fails inside its recipe store and hands the exception, stack and all, to the client.
 */
function addRecipeSelection(namespace: ReturnType<NonNullable<OPCUAServer['engine']['addressSpace']>['getOwnNamespace']>, plc: Parameters<typeof namespace.addMethod>[0], leaky: boolean): void {
  const method = namespace.addMethod(plc, {
    browseName: 'SelectRecipe',
    nodeId: 's=PLC.SelectRecipe',
    inputArguments: [{ name: 'recipe', description: { text: `recipe number (${PLC_RECIPES.join(', ')})` }, dataType: DataType.UInt32 }],
    outputArguments: [],
    rolePermissions: rolePermissions([
      [WellKnownRoles.AuthenticatedUser, PermissionType.Browse],
      [WellKnownRoles.Operator, PermissionType.Browse | PermissionType.Call],
      [WellKnownRoles.Engineer, PermissionType.Browse | PermissionType.Call],
    ]),
  } as Parameters<typeof namespace.addMethod>[1]);
  let selected = 1;
  method.bindMethod(async (inputArguments: Array<{ value: unknown }>, _context: unknown) => {
    const recipe = Number(inputArguments[0]?.value);
    if ((PLC_RECIPES as readonly number[]).includes(recipe)) {
      selected = recipe;
      return { statusCode: StatusCodes.Good, outputArguments: [] };
    }
    if (!leaky) return { statusCode: StatusCodes.BadOutOfRange, statusText: 'unknown recipe' };
    const failure = new Error(`RecipeStore.load failed: ENOENT: no such file or directory, open '/opt/plc/recipes/recipe-${recipe}.json' (selected ${selected})`);
    return {
      statusCode: StatusCodes.BadInternalError,
      statusText: failure.message,
      diagnosticInfo: new DiagnosticInfo({ additionalInfo: failure.stack }),
    };
  });
}

/** The live process: the level moves toward the setpoint while the pump runs and drains slowly otherwise. */
function startProcess(server: OPCUAServer): NodeJS.Timeout {
  const addressSpace = server.engine.addressSpace!;
  const node = (id: string) => addressSpace.findNode(id) as UAVariable;
  const level = node(PLC_NODES.tankLevel);
  const setpoint = node(PLC_NODES.setpoint);
  const pump = node(PLC_NODES.pumpRunning);
  const counter = node(PLC_NODES.cycleCounter);
  let cycles = 0;
  const timer = setInterval(() => {
    const current = Number(level.readValue().value.value);
    const target = Number(setpoint.readValue().value.value);
    const running = Boolean(pump.readValue().value.value);
    const next = running ? current + Math.sign(target - current) * Math.min(0.5, Math.abs(target - current)) : Math.max(0, current - 0.1);
    level.setValueFromSource({ dataType: DataType.Double, value: Math.round(next * 100) / 100 });
    cycles = (cycles + 1) >>> 0;
    counter.setValueFromSource({ dataType: DataType.UInt32, value: cycles });
  }, 100);
  timer.unref();
  return timer;
}
