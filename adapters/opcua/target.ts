import { randomBytes } from 'node:crypto';
import type { CheckContext } from '../../core/check.js';
import { accountsFor } from '../../core/profile/load.js';
import type { Account, AccountRole, Profile } from '../../core/profile/schema.js';
import { OpcuaProbe, identityFromCredentials, targetUrl, type ChannelOptions } from './client.js';
import { credentialsFromFiles, defaultPkiDir, ensureHarnessPki, type HarnessPki } from './pki.js';
import { Transcript } from './transcript.js';
import type { ClientCredentials, EndpointInfo, EndpointInventory, Identity, SecurityPolicyName } from './types.js';

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

  /** GetEndpoints, once per check. */
  inventory(): Promise<EndpointInventory> {
    this.inventoryPromise ??= this.ctx.step(`GetEndpoints from ${this.probe.url}`, () => this.probe.inventory());
    return this.inventoryPromise;
  }

  /** The strongest endpoint the harness can use for sessions. */
  async sessionChannel(overrides: Partial<ChannelOptions> = {}): Promise<ChannelOptions> {
    const inventory = await this.inventory();
    const best = [...inventory.endpoints].filter((endpoint) => Number.isFinite(rankEndpoint(endpoint))).sort((a, b) => rankEndpoint(a) - rankEndpoint(b))[0];
    if (!best) throw new Error(`no endpoint the harness can open a channel with (offered: ${inventory.endpoints.map((endpoint) => `${endpoint.securityMode}/${endpoint.securityPolicy}`).join(', ') || 'none'})`);
    return { securityPolicy: best.securityPolicy, securityMode: best.securityMode, ...overrides };
  }

  /** Accounts of this interface only: a web account need not be an OPC UA account (accounts[].interfaces). */
  accounts(): Account[] {
    return opcuaAccounts(this.ctx.profile);
  }

  account(...roles: AccountRole[]): Account | undefined {
    for (const role of roles) {
      const found = this.accounts().find((account) => account.role === role);
      if (found) return found;
    }
    return undefined;
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

export function requiresAccounts(...roles: AccountRole[]) {
  return (profile: Profile): string | undefined => {
    const missing = roles.filter((role) => !opcuaAccounts(profile).some((account) => account.role === role));
    return missing.length > 0 ? `the profile names no ${missing.join(', ')} account (accounts[].role)` : undefined;
  };
}
