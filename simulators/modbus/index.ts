import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProfileInput } from '../../core/profile/schema.js';
import type { RunningSimulator, SimulatorDefinition, SimulatorStartOptions } from '../types.js';
import { issueCertificate, type IssuedCertificate } from '../../adapters/pki/certificates.js';
import { MODBUS_ROLE_OID } from '../../adapters/modbus/wire.js';
import { BEHAVIOURS, IDENTIFICATION } from './behaviour.js';
import { ProcessImage } from './process-image.js';
import { ModbusServer } from './server.js';

const PROFILES = ['hardened', 'weak', 'secure', 'weak-secure'] as const;
type ModbusProfileName = (typeof PROFILES)[number];
const UNIT_ID = 1;

const TLS_CONFIGURATION = {
  // TLS 1.2 limited to ECDHE with AEAD suites; TLS 1.3 keeps OpenSSL's defaults (all AEAD with ephemeral keys).
  secure: { verifyClients: true, minVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305' },
  // SECLEVEL=0 is what lets this OpenSSL speak TLS 1.0 with static-RSA suites at all.
  'weak-secure': { verifyClients: false, minVersion: 'TLSv1', maxVersion: 'TLSv1.2', ciphers: 'AES128-SHA:AES256-SHA:AES128-GCM-SHA256:@SECLEVEL=0' },
} as const;

/** Why plain Modbus/TCP may still be acceptable: the hardened profile's vendor states its compensating countermeasure. */
const SEGMENTATION =
  'Plain Modbus/TCP has no authentication, integrity or confidentiality by protocol design. The component is deployed only ' +
  'inside its control zone; the zone conduit firewall admits Modbus/TCP from the two SCADA servers alone (IEC 62443-3-3 SR 5.1, SR 5.2), ' +
  'and remote access goes through the plant DMZ.';

export interface ModbusPki {
  ca: IssuedCertificate;
  server: IssuedCertificate;
  operator: IssuedCertificate;
  viewer: IssuedCertificate;
  files: { caCertificate: string; caPrivateKey: string; operatorCertificate: string; operatorPrivateKey: string; viewerCertificate: string; viewerPrivateKey: string };
}

/** The secure profile's CA, device certificate and role certificates, written to workDir so a harness can use them. */
export function createModbusPki(workDir: string, host: string, options: { selfSignedServer?: boolean } = {}): ModbusPki {
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
  const operator = role('operator');
  const viewer = role('viewer');
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

function describe(profile: ModbusProfileName, host: string, port: number, pki: ModbusPki | undefined): ProfileInput {
  const title = { hardened: 'hardened Modbus/TCP', weak: 'weak Modbus/TCP', secure: 'Modbus/TCP Security', 'weak-secure': 'weak Modbus/TCP Security' }[profile];
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
      modbus: pki
        ? {
            port,
            unitId: UNIT_ID,
            tls: true,
            clientCertificate: pki.files.operatorCertificate,
            clientPrivateKey: pki.files.operatorPrivateKey,
            caCertificate: pki.files.caCertificate,
            caPrivateKey: pki.files.caPrivateKey,
          }
        : { port, unitId: UNIT_ID },
    },
    openPorts: [port],
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
    'client certificates asked for but never checked.',
  profiles: PROFILES,
  defaultProfile: 'hardened',
  async start(options: SimulatorStartOptions): Promise<RunningSimulator> {
    if (!(PROFILES as readonly string[]).includes(options.profile)) {
      throw new Error(`unknown modbus simulator profile "${options.profile}" (known: ${PROFILES.join(', ')})`);
    }
    const profile = options.profile as ModbusProfileName;
    const pki = profile === 'secure' || profile === 'weak-secure' ? createModbusPki(options.workDir, options.host, { selfSignedServer: profile === 'weak-secure' }) : undefined;
    const image = new ProcessImage();
    const server = new ModbusServer({
      host: options.host,
      port: options.port ?? 0,
      unitId: UNIT_ID,
      behaviour: BEHAVIOURS[profile],
      image,
      tls: pki ? { key: pki.server.keyPem, cert: pki.server.certPem, ca: pki.ca.certPem, ...TLS_CONFIGURATION[profile as 'secure' | 'weak-secure'] } : undefined,
    });
    const port = await server.listen();
    image.start();
    return {
      kind: 'modbus',
      profileName: profile,
      host: options.host,
      ports: [port],
      profile: describe(profile, options.host, port, pki),
      async stop() {
        image.stop();
        await server.close();
      },
    };
  },
};

export default definition;
