import { randomBytes, timingSafeEqual } from 'node:crypto';
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
import { disableDiagnostics, installWeakTransport, leakInternalErrors, offsetClock, weakenSessions, type WeakTransport } from './weaknesses.js';

/**
 * A small simulated PLC on node-opcua's server: a tank whose level follows a setpoint while a pump runs, and a
 * cycle counter, updated every 100 ms. The hardened behaviour is what a careful vendor ships; the weak one is a
 * catalogue of the usual mistakes, so that every check can be shown to fail somewhere.
 */

if (!process.env.IEC62443_OPCUA_DEBUG) {
  setWarningLogger(() => {});
  setErrorLogger(() => {});
}

export type PlcProfile = 'hardened' | 'weak';

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

export const DEFAULT_SETTINGS: Record<PlcProfile, PlcSettings> = {
  hardened: { lockoutThreshold: 5, lockoutMs: 5_000, maxSessionTimeoutMs: 10_000, maxSessionsPerUser: 3, maxSessions: 30, connectionCostMs: 0, restartAfterMs: 0, clockOffsetMs: 0 },
  // 10 ms per connection: 100 new connections per second saturate the weak stack, a third of what the tests send.
  weak: {
    lockoutThreshold: Number.POSITIVE_INFINITY,
    lockoutMs: 0,
    maxSessionTimeoutMs: 50 * 60_000,
    maxSessionsPerUser: Number.POSITIVE_INFINITY,
    maxSessions: 100_000,
    connectionCostMs: 10,
    restartAfterMs: 2_000,
    clockOffsetMs: 37 * 60_000,
  },
};

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
}

export interface RunningPlc {
  server: OPCUAServer;
  url: string;
  port: number;
  applicationUri: string;
  accounts: PlcAccount[];
  harnessPki: HarnessPki;
  settings: PlcSettings;
  /** The weak stack's transport mistakes (crash and watchdog state); absent on the hardened PLC. */
  weakTransport?: WeakTransport;
  stop(): Promise<void>;
}

const strongPassword = () => randomBytes(18).toString('base64url');

function accountsFor(profile: PlcProfile): PlcAccount[] {
  if (profile === 'weak') {
    return [
      { role: 'admin', username: 'admin', password: 'admin' },
      { role: 'operator', username: 'operator', password: 'operator' },
      { role: 'viewer', username: 'viewer', password: 'viewer' },
      { role: 'lockout', username: 'test', password: 'test' },
    ];
  }
  // Named personal accounts with random passwords: nothing a default-credential list could guess.
  return [
    { role: 'admin', username: 'plant.admin', password: strongPassword() },
    { role: 'operator', username: 'op.jdoe', password: strongPassword() },
    { role: 'viewer', username: 'view.msmith', password: strongPassword() },
    { role: 'lockout', username: 'lockout.probe', password: strongPassword() },
  ];
}

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
function installHooks(server: OPCUAServer, sessionTimeoutCap: number, refusalStatus: WeakMap<object, StatusCode>): void {
  type Handler = (message: { request: { requestedSessionTimeout: number } }, channel: unknown) => Promise<void>;
  const hooks = server as unknown as { _on_CreateSessionRequest: Handler; userNameIdentityTokenAuthenticateUser: Function };
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

/** node-opcua does not pass allowUnsecurePassword through; the weak PLC wants a clear-text UserName policy on None. */
function offerCleartextPasswords(server: OPCUAServer): void {
  for (const description of server.endpoints.flatMap((endpoint) => endpoint.endpointDescriptions())) {
    if (description.securityMode === MessageSecurityMode.None) {
      description.userIdentityTokens = [
        new UserTokenPolicy({ policyId: 'username_unsecure', tokenType: UserTokenType.UserName, securityPolicyUri: null }),
        ...(description.userIdentityTokens ?? []),
      ];
    }
  }
}

function rolePermissions(entries: Array<[WellKnownRoles, number]>) {
  return entries.map(([role, permissions]) => ({ roleId: makeRoles(role)[0]!, permissions }));
}

export async function startPlc(options: PlcOptions): Promise<RunningPlc> {
  const { profile, host, workDir } = options;
  const hardened = profile === 'hardened';
  const settings: PlcSettings = { ...DEFAULT_SETTINGS[profile], ...options.settings };
  const applicationUri = `urn:iec62443-harness:simulated-plc:${profile}`;
  mkdirSync(workDir, { recursive: true });

  // The harness client PKI this PLC trusts (hardened) and names in its self-description.
  const harnessPki = ensureHarnessPki(join(workDir, 'harness-pki'));

  const certificate = issueCertificate({
    commonName: `Simulated OPC UA PLC (${profile})`,
    organization: 'iec62443-harness',
    keyBits: 2048,
    hash: hardened ? 'sha256' : 'sha1',
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
      if (hardened) {
        await manager.trustCertificate(harnessPki.ca.issued.certDer);
        await manager.addRevocationList(readFileSync(harnessPki.ca.crlFile), 'trusted');
      } else {
        // Weak: every certificate is "good", whoever issued it, whenever it expires.
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

  const accounts = accountsFor(profile);
  const byName = new Map(accounts.map((account) => [account.username, account]));
  const failures = new Map<string, { count: number; lockedUntil: number }>();
  const refusalStatus = new WeakMap<object, StatusCode>();
  let server: OPCUAServer;

  const activeSessionsOf = (username: string, except: object) =>
    Object.values((server.engine as unknown as { _sessions: Record<string, { status: string; userIdentityToken?: { userName?: string } }> })._sessions).filter(
      (session) => session !== except && session.status === 'active' && session.userIdentityToken?.userName === username,
    ).length;

  const userManager = {
    isValidUser(this: object, username: string, password: string): boolean {
      const session = this;
      const account = byName.get(username);
      if (!hardened) {
        if (!account) refusalStatus.set(session, StatusCodes.BadIdentityTokenRejected);
        return !!account && account.password === password;
      }
      const now = Date.now();
      const state = failures.get(username) ?? { count: 0, lockedUntil: 0 };
      if (state.lockedUntil > now) return false;
      const valid = !!account && sameSecret(account.password, password);
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
      if (account) return makeRoles(hardened ? ROLES_BY_ACCOUNT_ROLE[account.role] : ROLES_BY_ACCOUNT_ROLE.admin);
      // X509 user identities are named by their certificate's CN: the harness's device identity only observes.
      if (username.startsWith('iec62443-harness')) return makeRoles(hardened ? ROLES_BY_ACCOUNT_ROLE.viewer : ROLES_BY_ACCOUNT_ROLE.admin);
      return hardened ? [] : makeRoles(ROLES_BY_ACCOUNT_ROLE.admin);
    },
  };

  const policies = hardened
    ? [SecurityPolicy.Basic256Sha256, SecurityPolicy.Aes128_Sha256_RsaOaep, SecurityPolicy.Aes256_Sha256_RsaPss]
    : [SecurityPolicy.None, SecurityPolicy.Basic128Rsa15, SecurityPolicy.Basic256, SecurityPolicy.Basic256Sha256];
  const modes = hardened ? [MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt] : [MessageSecurityMode.None, MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt];

  server = new OPCUAServer(
    {
      port: options.port,
      host,
      hostname: host,
      securityPolicies: policies,
      securityModes: modes,
      allowAnonymous: !hardened || settings.anonymousReadOnly === true,
      certificateFile,
      privateKeyFile,
      serverCertificateManager,
      userCertificateManager,
      userManager: userManager as never,
      isAuditing: hardened,
      serverCapabilities: { maxSessions: settings.maxSessions },
      maxConnectionsPerEndpoint: settings.maxSessions + 10,
      serverInfo: { applicationUri, productUri: 'urn:iec62443-harness:simulated-plc', applicationName: { text: `Simulated OPC UA PLC (${profile})` } },
      // The weak firmware was built without its identification filled in.
      buildInfo: hardened
        ? { productName: 'Simulated OPC UA PLC', manufacturerName: 'iec62443-harness', softwareVersion: `1.0.0-${profile}`, buildNumber: '2024.11.3-17', buildDate: new Date('2024-11-03T10:00:00Z') }
        : { productName: 'Simulated OPC UA PLC', manufacturerName: '', softwareVersion: '', buildNumber: '' },
    } as OPCUAServerOptions,
  );
  installHooks(server, settings.maxSessionTimeoutMs, refusalStatus);

  await server.initialize();
  if (!hardened) offerCleartextPasswords(server);
  buildAddressSpace(server, hardened, settings.anonymousReadOnly === true);
  await server.start();
  const port = server.endpoints[0]!.port;
  const ticker = startProcess(server);
  let weakTransport: WeakTransport | undefined;
  if (hardened) {
    auditWrites(server);
    refuseUndecodableRequests(server);
    if (settings.lenientHelloUrl) tolerateLongHelloUrls(server);
  } else {
    weakTransport = installWeakTransport(server, { connectionCostMs: settings.connectionCostMs, restartAfterMs: settings.restartAfterMs, signatureBlind: true, crashOnZeroBufferHello: true });
    weakenSessions(server);
    leakInternalErrors(server);
    offsetClock(server, settings.clockOffsetMs);
    disableDiagnostics(server);
  }
  let stopping: Promise<void> | undefined;
  return {
    server,
    url: `opc.tcp://${host}:${port}`,
    port,
    applicationUri,
    accounts,
    harnessPki,
    settings,
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

function buildAddressSpace(server: OPCUAServer, hardened: boolean, anonymousReadOnly: boolean): void {
  const addressSpace = server.engine.addressSpace!;
  const namespace = addressSpace.getOwnNamespace();
  const plc = namespace.addObject({ organizedBy: addressSpace.rootFolder.objects, browseName: 'PLC', nodeId: 's=PLC' });
  const R = PermissionType.Browse | PermissionType.Read;
  const RW = R | PermissionType.Write;
  // The security administrator receives the audit events whose source is a process value (a refused write, say).
  const auditor: [WellKnownRoles, number] = [WellKnownRoles.SecurityAdmin, R | PermissionType.ReceiveEvents];
  const anonymousReader: Array<[WellKnownRoles, number]> = anonymousReadOnly ? [[WellKnownRoles.Anonymous, R]] : [];
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
    ...anonymousReader,
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
      accessLevel: hardened && !writable ? 'CurrentRead' : 'CurrentRead | CurrentWrite',
      userAccessLevel: hardened && !writable ? 'CurrentRead' : 'CurrentRead | CurrentWrite',
      ...(hardened ? { rolePermissions: permissions } : {}),
      value: { dataType, value },
    } as Parameters<typeof namespace.addVariable>[0]);
  const variables = [variable('TankLevel', DataType.Double, 50, false, readOnly)];
  // The setpoint is an analog item with an instrument range; the weak firmware stores values outside it anyway.
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
    acceptValueOutOfRange: !hardened,
    ...(hardened ? { rolePermissions: operatorWrites } : {}),
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
  if (hardened) for (const node of variables) refuseArraysForScalars(node);
  addRecipeSelection(namespace, plc, hardened);
}

/**
 * SelectRecipe(recipe): switches the batch recipe. The hardened PLC refuses an unknown number with BadOutOfRange and
 * nothing else; the weak one fails inside its recipe store and hands the exception, stack and all, to the client.
 */
function addRecipeSelection(namespace: ReturnType<NonNullable<OPCUAServer['engine']['addressSpace']>['getOwnNamespace']>, plc: Parameters<typeof namespace.addMethod>[0], hardened: boolean): void {
  const method = namespace.addMethod(plc, {
    browseName: 'SelectRecipe',
    nodeId: 's=PLC.SelectRecipe',
    inputArguments: [{ name: 'recipe', description: { text: `recipe number (${PLC_RECIPES.join(', ')})` }, dataType: DataType.UInt32 }],
    outputArguments: [],
    ...(hardened
      ? {
          rolePermissions: rolePermissions([
            [WellKnownRoles.AuthenticatedUser, PermissionType.Browse],
            [WellKnownRoles.Operator, PermissionType.Browse | PermissionType.Call],
            [WellKnownRoles.Engineer, PermissionType.Browse | PermissionType.Call],
          ]),
        }
      : {}),
  } as Parameters<typeof namespace.addMethod>[1]);
  let selected = 1;
  method.bindMethod(async (inputArguments: Array<{ value: unknown }>, _context: unknown) => {
    const recipe = Number(inputArguments[0]?.value);
    if ((PLC_RECIPES as readonly number[]).includes(recipe)) {
      selected = recipe;
      return { statusCode: StatusCodes.Good, outputArguments: [] };
    }
    if (hardened) return { statusCode: StatusCodes.BadOutOfRange, statusText: 'unknown recipe' };
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
