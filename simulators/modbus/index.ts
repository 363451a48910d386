import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProfileInput } from '../../core/profile/schema.js';
import type { RunningSimulator, SimulatorDefinition, SimulatorStartOptions } from '../types.js';
import { issueCertificate, type IssuedCertificate } from '../../adapters/pki/certificates.js';
import { MODBUS_ROLE_OID } from '../../adapters/modbus/wire.js';
import { randomInt } from 'node:crypto';
import type { SecureVersion } from 'node:tls';
import { behaviourOf, IDENTIFICATION, MODBUS_PROFILES, SECURE_PROFILES, type ModbusProfileName } from './behaviour.js';
import { ProcessImage } from './process-image.js';
import { ModbusServer, type Rights } from './server.js';
import { otherLoopbackHost } from '../../core/net/loopback.js';

const MODERN_SUITES = 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305';

interface TlsConfiguration {
  /** false: a client certificate is asked for, but whatever comes (or nothing) is accepted. */
  verifyClients: boolean;
  minVersion: SecureVersion;
  maxVersion?: SecureVersion;
  ciphers: string;
  /** A self-signed factory certificate that names no address, instead of one from the plant's CA. */
  selfSignedServer?: boolean;
}

/** TLS 1.2 limited to ECDHE with AEAD suites; TLS 1.3 keeps OpenSSL's defaults (all AEAD with ephemeral keys). */
const SECURE_TLS: TlsConfiguration = { verifyClients: true, minVersion: 'TLSv1.2', ciphers: MODERN_SUITES };

const TLS_CONFIGURATION: Partial<Record<ModbusProfileName, TlsConfiguration>> = {
  secure: SECURE_TLS,
  // SECLEVEL=0 is what lets this OpenSSL speak TLS 1.0 with static-RSA suites at all.
  'weak-secure': { verifyClients: false, minVersion: 'TLSv1', maxVersion: 'TLSv1.2', ciphers: 'AES128-SHA:AES256-SHA:AES128-GCM-SHA256:@SECLEVEL=0', selfSignedServer: true },
  'weak-client-verify': { ...SECURE_TLS, verifyClients: false },
  'weak-self-signed': { ...SECURE_TLS, selfSignedServer: true },
  'weak-roles': SECURE_TLS,
  'weak-legacy-tls': { ...SECURE_TLS, minVersion: 'TLSv1', ciphers: `${MODERN_SUITES}:ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:@SECLEVEL=0` },
};

/**
 * What a conforming device chooses for itself, drawn anew at each start and written into the self-description, so that
 * no check can lean on one constant of this simulator: its unit id, its connection cap, and the names of its roles.
 */
export interface DrawnParameters {
  unitId: number;
  maxConnections: number;
  roles: { readOnly: string; readWrite: string };
}

function drawParameters(): DrawnParameters {
  const pick = (names: string[]) => `${names[randomInt(names.length)]}-${randomInt(10, 100)}`;
  return {
    unitId: randomInt(1, 248),
    maxConnections: randomInt(8, 65),
    roles: { readOnly: pick(['viewer', 'observer', 'monitor', 'reader']), readWrite: pick(['operator', 'engineer', 'maintainer', 'controller']) },
  };
}


/** Why plain Modbus/TCP may still be acceptable: the hardened profile's vendor states its compensating countermeasure. */
const SEGMENTATION =
  'Plain Modbus/TCP has no authentication, integrity or confidentiality by protocol design. The component is deployed only ' +
  'inside its control zone; the zone conduit firewall admits Modbus/TCP from the two SCADA servers alone (IEC 62443-3-3 SR 5.1, SR 5.2), ' +
  'and remote access goes through the plant DMZ.';

/** The running Modbus simulator, with the server's counters (requests and writes received) for tests. */
export interface RunningModbusSimulator extends RunningSimulator {
  readonly stats: ModbusServer['stats'];
}

export interface ModbusPki {
  ca: IssuedCertificate;
  server: IssuedCertificate;
  operator: IssuedCertificate;
  viewer: IssuedCertificate;
  files: { caCertificate: string; caPrivateKey: string; operatorCertificate: string; operatorPrivateKey: string; viewerCertificate: string; viewerPrivateKey: string };
}

/** The secure profile's CA, device certificate and role certificates, written to workDir so a harness can use them. */
export function createModbusPki(workDir: string, host: string, options: { selfSignedServer?: boolean; roles?: DrawnParameters['roles'] } = {}): ModbusPki {
  const roles = options.roles ?? { readOnly: 'viewer', readWrite: 'operator' };
  const dir = join(workDir, 'modbus-pki');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = issueCertificate({ commonName: 'Simulated Tank PLC Modbus CA', organization: 'Example Automation', isCA: true });
  // The weak device ships a self-signed factory certificate that names no address.
  const server = options.selfSignedServer
    ? issueCertificate({ commonName: 'TPLC-100', organization: 'Example Automation' })
    : issueCertificate({
        commonName: `tplc-100 ${host}`,
        organization: 'Example Automation',
        issuer: ca,
        san: { ips: [host], dns: ['localhost'] },
        extKeyUsage: ['serverAuth'],
        keyUsage: ['digitalSignature', 'keyEncipherment'],
      });
  const role = (name: string) =>
    issueCertificate({
      commonName: `modbus-${name}`,
      organization: 'Example Plant',
      issuer: ca,
      extKeyUsage: ['clientAuth'],
      keyUsage: ['digitalSignature', 'keyEncipherment'],
      utf8Extensions: [{ oid: MODBUS_ROLE_OID, value: name }],
    });
  const operator = role(roles.readWrite);
  const viewer = role(roles.readOnly);
  const write = (name: string, content: string, secret = false) => {
    const path = join(dir, name);
    writeFileSync(path, content, { mode: secret ? 0o600 : 0o644 });
    return path;
  };
  return {
    ca,
    server,
    operator,
    viewer,
    files: {
      caCertificate: write('ca.pem', ca.certPem),
      caPrivateKey: write('ca.key', ca.keyPem, true),
      operatorCertificate: write('operator.pem', operator.certPem),
      operatorPrivateKey: write('operator.key', operator.keyPem, true),
      viewerCertificate: write('viewer.pem', viewer.certPem),
      viewerPrivateKey: write('viewer.key', viewer.keyPem, true),
    },
  };
}

function describe(profile: ModbusProfileName, host: string, port: number, pki: ModbusPki | undefined, drawn: DrawnParameters): ProfileInput {
  const title = pki ? `Modbus/TCP Security, ${profile}` : `Modbus/TCP, ${profile}`;
  const limited = profile !== 'weak' && profile !== 'weak-secure';
  const description: ProfileInput = {
    component: {
      name: `Simulated tank PLC (${title})`,
      vendor: IDENTIFICATION[0x00],
      model: IDENTIFICATION[0x01],
      firmware: IDENTIFICATION[0x02]!.replace(/^V/, ''),
      type: 'embedded-device',
    },
    targetSL: 2,
    host,
    endpoints: {
      modbus: {
        port,
        unitId: drawn.unitId,
        // A vendor documents the cap of a device that has one; the naive stacks have none to document.
        ...(limited ? { maxConnections: drawn.maxConnections } : {}),
        ...(pki
          ? {
              tls: true,
              clientCertificate: pki.files.operatorCertificate,
              clientPrivateKey: pki.files.operatorPrivateKey,
              caCertificate: pki.files.caCertificate,
              caPrivateKey: pki.files.caPrivateKey,
              readOnlyRole: drawn.roles.readOnly,
            }
          : {}),
      },
    },
    openPorts: [port],
    // Listeners of this machine bound to every address answer on the simulator's address too; they are not the device's.
    scan: { controlHost: otherLoopbackHost(host) },
    essentialFunctions: [
      { name: 'read tank level', modbus: { read: 'input', address: 0, count: 1 }, maxLatencyMs: 200 },
      { name: 'read level setpoint', modbus: { read: 'holding', address: 0, count: 1 }, maxLatencyMs: 200 },
    ],
    simulator: { kind: 'modbus', profile },
  };
  if (profile === 'hardened') {
    description.declarations = Object.fromEntries(
      ['CR 1.1', 'CR 1.2', 'CR 2.1', 'CR 3.1', 'CR 4.1'].map((id) => [id, { verdict: 'compensated' as const, rationale: SEGMENTATION }]),
    );
  }
  return description;
}

const definition: SimulatorDefinition = {
  kind: 'modbus',
  description:
    'Simulated tank PLC on Modbus/TCP with a live process image and FC 43 identification. hardened: correct exceptions, ' +
    'write-protected ranges, connection cap and rate limits; weak: a naive stack (silent on unknown function codes, ' +
    'broken at the table boundary, blocked by a lying MBAP length, no limits); secure: Modbus/TCP Security with mutual TLS ' +
    'and roles; weak-secure: the naive stack behind TLS 1.0-1.2 with static-RSA suites, a self-signed certificate, and ' +
    'client certificates asked for but never checked. Single-flaw variants of hardened: weak-exceptions, ' +
    'weak-no-identification, weak-validation, weak-no-connection-cap, weak-unbounded-queue, weak-one-client; of secure: weak-client-verify, ' +
    'weak-self-signed, weak-roles, weak-legacy-tls. hardened and secure draw their unit id, connection cap and role names per start.',
  profiles: MODBUS_PROFILES,
  defaultProfile: 'hardened',
  async start(options: SimulatorStartOptions): Promise<RunningModbusSimulator> {
    if (!(MODBUS_PROFILES as readonly string[]).includes(options.profile)) {
      throw new Error(`unknown modbus simulator profile "${options.profile}" (known: ${MODBUS_PROFILES.join(', ')})`);
    }
    const profile = options.profile as ModbusProfileName;
    const drawn = drawParameters();
    const tlsConfiguration = SECURE_PROFILES.includes(profile) ? TLS_CONFIGURATION[profile] : undefined;
    const pki = tlsConfiguration ? createModbusPki(options.workDir, options.host, { selfSignedServer: tlsConfiguration.selfSignedServer, roles: drawn.roles }) : undefined;
    const roles: Record<string, Rights> = { [drawn.roles.readOnly]: 'read', [drawn.roles.readWrite]: 'read-write' };
    const image = new ProcessImage();
    const server = new ModbusServer({
      host: options.host,
      port: options.port ?? 0,
      unitId: drawn.unitId,
      behaviour: behaviourOf(profile, drawn),
      image,
      tls:
        pki && tlsConfiguration
          ? {
              key: pki.server.keyPem,
              cert: pki.server.certPem,
              ca: pki.ca.certPem,
              verifyClients: tlsConfiguration.verifyClients,
              minVersion: tlsConfiguration.minVersion,
              maxVersion: tlsConfiguration.maxVersion,
              ciphers: tlsConfiguration.ciphers,
              roles,
            }
          : undefined,
    });
    const port = await server.listen();
    image.start();
    return {
      kind: 'modbus',
      profileName: profile,
      host: options.host,
      ports: [port],
      profile: describe(profile, options.host, port, pki, drawn),
      stats: server.stats,
      async stop() {
        image.stop();
        await server.close();
      },
    };
  },
};

export default definition;
