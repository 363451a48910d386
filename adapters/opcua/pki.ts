import { existsSync, mkdirSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { issueCertificate, issueCrl, type IssuedCertificate } from '../pki/certificates.js';
import { certificateToPem } from '../pki/inspect.js';
import { writeAtomically } from '../../core/files.js';
import { testKeyPem } from '../pki/store.js';
import type { ClientCredentials } from './types.js';

/**
 * The harness's own PKI for OPC UA, kept in one folder so a user trusts it once on a device:
 * - client/: the harness application instance certificate (issued by the test CA), used when the profile names none;
 * - ca/: a test CA with its CRL and one revoked certificate. A device that trusts this CA (and loads the CRL) lets
 *   CR 1.9 show that it refuses expired, not yet valid, wrong-URI and revoked certificates of an otherwise trusted
 *   issuer; those variants are issued per run from this CA.
 */

export const HARNESS_APPLICATION_URI = 'urn:iec62443-harness:opcua-client';
const DAY_MS = 24 * 60 * 60 * 1000;

export interface HarnessPki {
  dir: string;
  client: ClientCredentials;
  ca: { certFile: string; keyFile: string; crlFile: string; crlPemFile: string; issued: IssuedCertificate };
  revoked: { certFile: string; keyFile: string; serialNumber: string };
  /** True when this call created the folder's content. */
  created: boolean;
}

function loadIssued(certFile: string, keyFile: string): IssuedCertificate {
  const certPem = readFileSync(certFile, 'utf8');
  const x509 = new X509Certificate(certPem);
  return { certPem, keyPem: readFileSync(keyFile, 'utf8'), certDer: x509.raw, serialNumber: x509.serialNumber.toLowerCase(), thumbprint: x509.fingerprint.replace(/:/g, '') };
}

function credentials(certFile: string, keyFile: string, label: string): ClientCredentials {
  const x509 = new X509Certificate(readFileSync(certFile));
  const uri = /URI:([^,\s]+)/.exec(x509.subjectAltName ?? '')?.[1] ?? HARNESS_APPLICATION_URI;
  return { certificateFile: certFile, privateKeyFile: keyFile, applicationUri: uri, thumbprint: x509.fingerprint.replace(/:/g, ''), label };
}

/** Opens the harness PKI in dir, creating what is missing. Safe to call from several processes: files appear whole. */
export function ensureHarnessPki(dir: string): HarnessPki {
  const caDir = join(dir, 'ca');
  const clientDir = join(dir, 'client');
  mkdirSync(caDir, { recursive: true, mode: 0o700 });
  mkdirSync(clientDir, { recursive: true, mode: 0o700 });
  const caCert = join(caDir, 'ca-cert.pem');
  const caKey = join(caDir, 'ca-key.pem');
  const crlFile = join(caDir, 'ca.crl');
  const crlPemFile = join(caDir, 'ca-crl.pem');
  const revokedCert = join(caDir, 'revoked-cert.pem');
  const revokedKey = join(caDir, 'revoked-key.pem');
  const clientCert = join(clientDir, 'cert.pem');
  const clientKey = join(clientDir, 'key.pem');
  let created = false;

  let ca: IssuedCertificate;
  if (existsSync(caCert) && existsSync(caKey)) {
    ca = loadIssued(caCert, caKey);
  } else {
    ca = issueCertificate({ commonName: 'iec62443-harness OPC UA test CA', organization: 'iec62443-harness', isCA: true, notAfter: new Date(Date.now() + 3650 * DAY_MS) });
    writeAtomically(caKey, ca.keyPem, 0o600);
    writeAtomically(caCert, ca.certPem);
    created = true;
  }
  if (!existsSync(revokedCert) || !existsSync(revokedKey) || !existsSync(crlFile) || created) {
    const revoked = issueCertificate({
      commonName: 'iec62443-harness revoked client',
      issuer: ca,
      san: { uris: [HARNESS_APPLICATION_URI], dns: [hostname()] },
      notAfter: new Date(Date.now() + 3650 * DAY_MS),
    });
    const crl = issueCrl(ca, { revokedSerials: [revoked.serialNumber], nextUpdate: new Date(Date.now() + 3650 * DAY_MS) });
    writeAtomically(revokedKey, revoked.keyPem, 0o600);
    writeAtomically(revokedCert, revoked.certPem);
    writeAtomically(crlFile, crl.der);
    writeAtomically(crlPemFile, crl.pem);
    created = true;
  }
  if (!existsSync(clientCert) || !existsSync(clientKey) || created) {
    const client = issueCertificate({
      commonName: 'iec62443-harness',
      organization: 'iec62443-harness',
      issuer: ca,
      san: { uris: [HARNESS_APPLICATION_URI], dns: [hostname()] },
      notAfter: new Date(Date.now() + 3650 * DAY_MS),
    });
    writeAtomically(clientKey, client.keyPem, 0o600);
    writeAtomically(clientCert, client.certPem);
    created = true;
  }
  const revoked = loadIssued(revokedCert, revokedKey);
  return {
    dir,
    client: credentials(clientCert, clientKey, 'harness client certificate'),
    ca: { certFile: caCert, keyFile: caKey, crlFile, crlPemFile, issued: ca },
    revoked: { certFile: revokedCert, keyFile: revokedKey, serialNumber: revoked.serialNumber },
    created,
  };
}

/**
 * Client credentials from the profile's certificate and key files (PEM or DER), or undefined when the profile names
 * none. The application URI is the certificate's own, so that CreateSession and certificate agree.
 */
export function credentialsFromFiles(certificateFile: string, privateKeyFile: string): ClientCredentials {
  const content = readFileSync(certificateFile);
  const pem = certificateToPem(content);
  let file = certificateFile;
  if (pem !== content.toString('latin1')) {
    // node-opcua reads PEM only; a DER file is converted into a private temp folder.
    file = join(mkdtempSync(join(tmpdir(), 'iec62443-opcua-cert-')), 'client-cert.pem');
    writeFileSync(file, pem);
  }
  return credentials(file, privateKeyFile, 'profile client certificate');
}

export type TestCertificateName = 'valid' | 'expired' | 'not-yet-valid' | 'self-signed' | 'unknown-ca' | 'wrong-uri' | 'revoked';

export interface TestCertificate {
  name: TestCertificateName;
  description: string;
  /** True when a conforming device must refuse it. */
  mustBeRefused: boolean;
  /** True when the case only means something if the device trusts the harness test CA. */
  needsTrustedCa: boolean;
  credentials: ClientCredentials;
  /** The URI the client claims in CreateSession (differs from the certificate's for wrong-uri). */
  claimedApplicationUri: string;
}

/**
 * Client certificates for the negative cases, written into a fresh temp folder. One key serves every CA-issued
 * variant: what differs between the cases is the certificate, not the key.
 */
export function createTestCertificates(pki: HarnessPki, root = tmpdir()): { dir: string; certificates: TestCertificate[] } {
  const dir = mkdtempSync(join(root, 'iec62443-opcua-test-pki-'));
  const now = Date.now();
  const uri = HARNESS_APPLICATION_URI;
  const san = { uris: [uri], dns: [hostname()] };
  const sharedKey = testKeyPem('ca-issued-client');
  const unknownCa = issueCertificate({ commonName: 'iec62443-harness unknown CA', isCA: true, keyPem: testKeyPem('unknown-ca') });
  const write = (name: TestCertificateName, issued: IssuedCertificate, label: string): ClientCredentials => {
    const certificateFile = join(dir, `${name}-cert.pem`);
    const privateKeyFile = join(dir, `${name}-key.pem`);
    writeFileSync(certificateFile, issued.certPem);
    writeFileSync(privateKeyFile, issued.keyPem, { mode: 0o600 });
    return { certificateFile, privateKeyFile, applicationUri: uri, thumbprint: issued.thumbprint, label };
  };
  const variant = (name: TestCertificateName, description: string, mustBeRefused: boolean, needsTrustedCa: boolean, issued: IssuedCertificate, claimedApplicationUri = uri): TestCertificate => ({
    name,
    description,
    mustBeRefused,
    needsTrustedCa,
    credentials: write(name, issued, `${name} test certificate`),
    claimedApplicationUri,
  });
  const issuer = pki.ca.issued;
  const certificates: TestCertificate[] = [
    variant('valid', 'issued by the harness test CA, currently valid (control)', false, true, issueCertificate({ commonName: 'iec62443-harness valid client', issuer, san, keyPem: sharedKey })),
    variant('expired', 'issued by the harness test CA, expired yesterday', true, true, issueCertificate({ commonName: 'iec62443-harness expired client', issuer, san, keyPem: sharedKey, notBefore: new Date(now - 30 * DAY_MS), notAfter: new Date(now - DAY_MS) })),
    variant('not-yet-valid', 'issued by the harness test CA, valid from tomorrow', true, true, issueCertificate({ commonName: 'iec62443-harness future client', issuer, san, keyPem: sharedKey, notBefore: new Date(now + DAY_MS), notAfter: new Date(now + 30 * DAY_MS) })),
    variant('wrong-uri', 'issued by the harness test CA for another application URI than the one the client claims', true, true, issueCertificate({ commonName: 'iec62443-harness wrong-uri client', issuer, san: { uris: ['urn:iec62443-harness:somebody-else'], dns: san.dns }, keyPem: sharedKey })),
    {
      name: 'revoked',
      description: 'issued by the harness test CA and listed in its CRL',
      mustBeRefused: true,
      needsTrustedCa: true,
      credentials: credentials(pki.revoked.certFile, pki.revoked.keyFile, 'revoked test certificate'),
      claimedApplicationUri: uri,
    },
    variant('self-signed', 'self-signed and not in any trust list', true, false, issueCertificate({ commonName: 'iec62443-harness self-signed client', san, keyPem: testKeyPem('self-signed-client') })),
    variant('unknown-ca', 'issued by a CA the device has never seen', true, false, issueCertificate({ commonName: 'iec62443-harness unknown-ca client', issuer: unknownCa, san, keyPem: sharedKey })),
  ];
  return { dir, certificates };
}

/** A fresh self-signed client certificate (on a kept key) no device can have seen: for "an untrusted application is refused". */
export function createUntrustedClientCertificate(root = tmpdir()): { dir: string; credentials: ClientCredentials } {
  const dir = mkdtempSync(join(root, 'iec62443-opcua-untrusted-'));
  const issued = issueCertificate({ commonName: `iec62443-harness untrusted ${Date.now()}`, san: { uris: [HARNESS_APPLICATION_URI], dns: [hostname()] }, keyPem: testKeyPem('untrusted-client') });
  const certificateFile = join(dir, 'cert.pem');
  const privateKeyFile = join(dir, 'key.pem');
  writeFileSync(certificateFile, issued.certPem);
  writeFileSync(privateKeyFile, issued.keyPem, { mode: 0o600 });
  return { dir, credentials: { certificateFile, privateKeyFile, applicationUri: HARNESS_APPLICATION_URI, thumbprint: issued.thumbprint, label: 'untrusted self-signed certificate' } };
}
