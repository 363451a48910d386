import type { TLSSocket } from 'node:tls';
import type { CheckContext } from '../../core/check.js';
import { ConnectError } from '../../core/net/socket.js';
import { enipTarget, withheldWithoutWriteProbe } from './target.js';
import { EnipConnection } from './session.js';
import { tryUnauthenticatedWrite } from './write-probe.js';

/** Node has a TLS client but no DTLS one: CIP Security over UDP is named as not examined. */
export const DTLS_NOTE = 'DTLS on the CIP Security UDP port is not examined (Node offers no DTLS client)';

export interface SecureChannel {
  port: number;
  protocol: string;
  cipher: string;
  /** The suite encrypts (not a NULL-cipher, integrity-only suite). */
  encrypts: boolean;
  /** ListIdentity answered inside TLS: EtherNet/IP is served there, not just any TLS service. */
  productName: string;
}

export interface UnsecuredPort {
  state: 'closed' | 'open';
  /** For an open port: what the vendor documents (endpoints.enip.unsecured). */
  declared?: 'read-only' | 'full';
  /** ListIdentity in clear, as seen on the wire. */
  clearText?: string;
  /** A state-changing message tried there, when the run may write. */
  write?: { outcome: 'refused' | 'applied'; status: string; where: string };
  /** Why no write was tried. */
  writeWithheld?: string;
}

export interface CipSecurityObservation {
  secure?: SecureChannel;
  /** Why there is no secure channel: none declared, or what the handshake did. */
  noSecure?: string;
  unsecured: UnsecuredPort;
}

const CURRENT_TLS = new Set(['TLSv1.2', 'TLSv1.3']);
export const isCurrentTls = (protocol: string) => CURRENT_TLS.has(protocol);

/**
 * What CR 3.1 and CR 4.1 judge: is EtherNet/IP offered inside TLS (CIP Security) and with what, and what does the
 * unsecured port still allow. The unsecured port's write is tried only where the run may write (write probes or
 * --disruptive); otherwise its read-only declaration is reported as declared, not as seen.
 */
export async function observeCipSecurity(ctx: CheckContext): Promise<CipSecurityObservation> {
  const { endpoint, target, label, options } = enipTarget(ctx);
  let secure: SecureChannel | undefined;
  let noSecure: string | undefined;
  if (endpoint.cipSecurityPort === undefined) noSecure = 'the profile declares no CIP Security port (endpoints.enip.cipSecurityPort)';
  else {
    const port = endpoint.cipSecurityPort;
    try {
      secure = await ctx.step(`TLS handshake and ListIdentity on the CIP Security port ${port}`, async () => {
        const connection = await EnipConnection.open({ host: ctx.host, port, tls: {} }, options);
        try {
          const socket = connection.socket as TLSSocket;
          const protocol = socket.getProtocol() ?? 'unknown';
          const cipher = socket.getCipher();
          const [identity] = await connection.listIdentity(options);
          if (!identity) throw new Error(`the CIP Security port ${port} answered ListIdentity with no identity item`);
          return { port, protocol, cipher: cipher.standardName ?? cipher.name, encrypts: !/NULL/i.test(cipher.name) && !/NULL/i.test(cipher.standardName ?? ''), productName: identity.productName };
        } finally {
          connection.destroy();
        }
      });
    } catch (error) {
      if (!(error instanceof ConnectError)) throw error;
      noSecure = `no TLS on the declared CIP Security port ${port}: ${error.message}`;
    }
  }

  let unsecured: UnsecuredPort;
  try {
    const clearText = await ctx.step(`ListIdentity on the unsecured port ${endpoint.port}`, async () => {
      const connection = await EnipConnection.open(target, options);
      try {
        const [identity] = await connection.listIdentity(options);
        return identity ? `"${identity.productName}" vendor ${identity.vendorId} serial 0x${identity.serialNumber.toString(16)}` : 'an empty identity list';
      } finally {
        connection.destroy();
      }
    });
    unsecured = { state: 'open', clearText, ...(endpoint.unsecured ? { declared: endpoint.unsecured } : {}) };
  } catch (error) {
    if (!(error instanceof ConnectError) || error.code !== 'ECONNREFUSED') throw error;
    unsecured = { state: 'closed' };
  }
  // Control: without one port that serves EtherNet/IP, a refused handshake says nothing about CIP Security.
  if (!secure && unsecured.state === 'closed') throw new Error(`neither the CIP Security port nor the unsecured port ${endpoint.port} of ${ctx.host} serves EtherNet/IP (${noSecure}; ${endpoint.port} refuses connections), so nothing can be judged`);
  if (unsecured.state === 'open') {
    const withheld = withheldWithoutWriteProbe(ctx.interface, ctx.settings);
    if (withheld) unsecured.writeWithheld = 'no write was tried: the profile names no write probe and the run is not disruptive';
    else {
      const write = await tryUnauthenticatedWrite(ctx);
      unsecured.write = { outcome: write.outcome, status: write.status, where: `class 0x${write.plan.point.class.toString(16)} instance ${write.plan.point.instance} attribute ${write.plan.point.attribute}` };
    }
  }
  ctx.log(`unsecured ${label}: ${unsecured.state}${unsecured.clearText ? `, ListIdentity in clear: ${unsecured.clearText}` : ''}`);
  return { ...(secure ? { secure } : {}), ...(noSecure ? { noSecure } : {}), unsecured };
}

/** The unsecured port's part of the verdict: closed, or open and read-only as declared (and as seen when a write was tried). */
export function unsecuredProblem(unsecured: UnsecuredPort, port: number): string | undefined {
  if (unsecured.state === 'closed') return undefined;
  if (unsecured.write?.outcome === 'applied') return `the unsecured port ${port} applied Set_Attribute_Single on ${unsecured.write.where} (${unsecured.write.status}) from an unauthenticated originator`;
  if (unsecured.declared !== 'read-only') return `the unsecured port ${port} stays open beside CIP Security ${unsecured.declared === 'full' ? 'with full access, as documented' : 'and the profile does not document it as read-only (endpoints.enip.unsecured)'}`;
  return undefined;
}

export function unsecuredLine(unsecured: UnsecuredPort, port: number): string {
  if (unsecured.state === 'closed') return `the unsecured port ${port} is closed`;
  const write = unsecured.write ? `a Set_Attribute_Single there was refused (${unsecured.write.status})` : unsecured.writeWithheld ?? '';
  return `the unsecured port ${port} is open, ${unsecured.declared === 'read-only' ? 'read-only as declared' : 'not declared read-only'}; ${write}`;
}

