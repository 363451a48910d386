import { randomBytes } from 'node:crypto';
import type { CheckContext } from '../../core/check.js';
import { accountsFor } from '../../core/profile/load.js';
import type { Account, AccountRole, Profile } from '../../core/profile/schema.js';
import { OpcuaProbe, describeIdentity, identityFromCredentials, targetUrl, type ChannelOptions, type OpcuaChannel, type OpcuaSession } from './client.js';
import { formatStatus } from './status.js';
import { defaultPkiDir } from '../pki/store.js';
import { credentialsFromFiles, ensureHarnessPki, type HarnessPki } from './pki.js';
import { Transcript } from './transcript.js';
import type { ClientCredentials, EndpointInfo, EndpointInventory, Identity, SecurityPolicyName, SessionAttempt } from './types.js';

/**
 * What every OPC UA check starts from: a probe bound to the check's host, signal and timeouts, the client
 * credentials the device trusts, and the profile's accounts as identities.
 */

let announced = false;

/** The harness's own persistent PKI folder: profile, then IEC62443_PKI_DIR, then ~/.iec62443-harness/pki. */
export function harnessPkiFor(profile: Profile): HarnessPki {
  return ensureHarnessPki(profile.endpoints.opcua?.pkiDir ?? defaultPkiDir());
}

/** The client application certificate: the profile's, or the harness's own (announced once so it can be trusted). */
export function clientCredentialsFor(profile: Profile): ClientCredentials {
  const endpoint = profile.endpoints.opcua;
  if (endpoint?.clientCertificate && endpoint.clientPrivateKey) return credentialsFromFiles(endpoint.clientCertificate, endpoint.clientPrivateKey);
  const pki = harnessPkiFor(profile);
  if (!announced) {
    announced = true;
    process.stderr.write(`iec62443-harness: OPC UA client certificate ${pki.client.certificateFile} (SHA-1 thumbprint ${pki.client.thumbprint}); add it to the device's trusted certificates\n`);
  }
  return pki.client;
}

// Policies the harness can open a channel with on this Node, strongest first; Basic128Rsa15 needs a security revert.
const CHANNEL_POLICY_PREFERENCE: SecurityPolicyName[] = ['Aes256_Sha256_RsaPss', 'Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Basic256', 'None'];
const MODE_PREFERENCE = ['SignAndEncrypt', 'Sign', 'None'];

export function rankEndpoint(endpoint: EndpointInfo): number {
  const policy = CHANNEL_POLICY_PREFERENCE.indexOf(endpoint.securityPolicy);
  const mode = MODE_PREFERENCE.indexOf(endpoint.securityMode);
  if (policy < 0 || mode < 0) return Number.POSITIVE_INFINITY;
  return mode * 10 + policy;
}

export class OpcuaTarget {
  readonly probe: OpcuaProbe;
  readonly credentials: ClientCredentials;
  private inventoryPromise?: Promise<EndpointInventory>;

  constructor(private readonly ctx: CheckContext) {
    const endpoint = ctx.profile.endpoints.opcua;
    if (!endpoint) throw new Error('the profile declares no OPC UA endpoint (endpoints.opcua)');
    this.credentials = clientCredentialsFor(ctx.profile);
    this.probe = new OpcuaProbe({
      url: targetUrl(endpoint.url, ctx.host),
      credentials: this.credentials,
      timeoutMs: Math.max(ctx.settings.requestTimeoutMs, ctx.settings.connectTimeoutMs),
      signal: ctx.signal,
      transcript: new Transcript((line) => ctx.log(line)),
    });
  }

  /**
   * GetEndpoints, once per run: the endpoint list is the device's configuration, so the run's checks share one read
   * (ctx.shared) until a disruptive check runs. On a fleet of targets that spares each about 25 channels a run.
   */
  inventory(): Promise<EndpointInventory> {
    this.inventoryPromise ??= this.ctx.step(`GetEndpoints from ${this.probe.url}`, () => this.ctx.shared(`the OPC UA endpoint list of ${this.probe.url}`, () => this.probe.inventory()));
    return this.inventoryPromise;
  }

  /** The strongest endpoint the harness can use for sessions. */
  async sessionChannel(overrides: Partial<ChannelOptions> = {}): Promise<ChannelOptions> {
    const inventory = await this.inventory();
    const best = [...inventory.endpoints].filter((endpoint) => Number.isFinite(rankEndpoint(endpoint))).sort((a, b) => rankEndpoint(a) - rankEndpoint(b))[0];
    if (!best) throw new Error(`no endpoint the harness can open a channel with (offered: ${inventory.endpoints.map((endpoint) => `${endpoint.securityMode}/${endpoint.securityPolicy}`).join(', ') || 'none'})`);
    return { securityPolicy: best.securityPolicy, securityMode: best.securityMode, ...overrides };
  }

  /** The first account of these roles (in this order) that exists on the interface under test. */
  account(...roles: AccountRole[]): Account | undefined {
    const here = accountsFor(this.ctx.profile, this.ctx.interface.name);
    for (const role of roles) {
      const found = here.find((account) => account.role === role);
      if (found) return found;
    }
    return undefined;
  }

  /**
   * The account a check logs in with to show that a password login can succeed here at all (the positive control),
   * least privileged first; never the lockout account, which the lockout test may have locked.
   */
  knownAccount(): Account | undefined {
    return this.account('viewer', 'operator', 'admin');
  }

  /**
   * Records a login in the run's failed-login budget (ctx.logins): a password refused by the token check counts
   * against its account, an accepted one resets the count. Refusals before the token check (channel, CreateSession)
   * never saw the password and do not count.
   */
  recordLogin(identity: Identity, attempt: SessionAttempt): void {
    if (identity.kind !== 'username') return;
    if (attempt.accepted) this.ctx.logins.succeeded(identity.username);
    else if (reachedTokenCheck(attempt)) this.ctx.logins.failed(identity.username);
  }

  /** A session for a body on a channel of its own, the login recorded in the budget; refusal throws. */
  async withSession<T>(identity: Identity, options: ChannelOptions, body: (session: OpcuaSession) => Promise<T>): Promise<T> {
    const channel = await this.probe.openChannel(options);
    try {
      const { attempt, session } = await channel.attemptSession(identity);
      this.recordLogin(identity, attempt);
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

  /** Logs in with the known account on an open channel, records it, and closes the session at once. */
  async controlLogin(channel: OpcuaChannel, account: Account): Promise<SessionAttempt> {
    const identity = userIdentity(account);
    const { attempt, session } = await channel.attemptSession(identity);
    await session?.close();
    this.recordLogin(identity, attempt);
    return attempt;
  }

  /** The least privileged identity the profile offers: viewer, operator, admin, else anonymous. */
  leastPrivilegedIdentity(): Identity {
    const account = this.account('viewer', 'operator', 'admin');
    return account ? userIdentity(account) : { kind: 'anonymous' };
  }

  /** The client certificate presented as an X509 user identity (a device or software process, not a person). */
  x509Identity(): Identity {
    return identityFromCredentials(this.credentials);
  }

  /** The transcript as an attachment: every step with its answer. */
  attachTranscript(name = 'OPC UA transcript'): void {
    this.ctx.attach({ name, contentType: 'text/plain', extension: 'txt', content: `${this.probe.transcript.toText()}\n` });
  }
}

export const opcuaTarget = (ctx: CheckContext): OpcuaTarget => new OpcuaTarget(ctx);

/** The accounts that exist on the OPC UA interface: those without `interfaces` and those naming it. */
export const opcuaAccounts = (profile: Profile): Account[] => accountsFor(profile, profile.endpoints.opcua?.name ?? 'opcua');

export const userIdentity = (account: Pick<Account, 'username' | 'password'>): Identity => ({ kind: 'username', username: account.username, password: account.password });

/** A user name no device has: for probes that must not touch a real account. */
export const unknownUserName = (): string => `iec62443-nobody-${randomBytes(4).toString('hex')}`;
export const randomPassword = (): string => randomBytes(12).toString('base64url');

/** An attempt refused by ActivateSession with a status: the device looked at the identity token and said no. */
export const reachedTokenCheck = (attempt: SessionAttempt): boolean => !attempt.accepted && attempt.stage === 'activateSession' && attempt.status !== undefined;

/** Endpoints offering a UserName token policy: where a password login exists at all. */
export const passwordEndpoints = (inventory: EndpointInventory): EndpointInfo[] => inventory.endpoints.filter((endpoint) => endpoint.userTokens.some((token) => token.tokenType === 'UserName'));

export const NO_PASSWORD_LOGIN = (inventory: EndpointInventory) =>
  `not applicable: no password login (no endpoint offers a UserName token policy; offered: ${[...new Set(inventory.endpoints.flatMap((endpoint) => endpoint.userTokens.map((token) => token.tokenType)))].join(', ') || 'none'})`;

/** The profile must name an account other than the lockout one, to act as the positive control. */
export function requiresKnownAccount(purpose: string) {
  return (profile: Profile): string | undefined =>
    profile.accounts.some((account) => account.role !== 'lockout') ? undefined : `the profile names no account (accounts[], other than the lockout one) to show ${purpose}`;
}

export function requiresAccounts(...roles: AccountRole[]) {
  return (profile: Profile): string | undefined => {
    const missing = roles.filter((role) => !opcuaAccounts(profile).some((account) => account.role === role));
    return missing.length > 0 ? `the profile names no ${missing.join(', ')} account (accounts[].role)` : undefined;
  };
}
