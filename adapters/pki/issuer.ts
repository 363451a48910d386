import { X509Certificate } from 'node:crypto';
import type { IssuedCertificate } from './certificates.js';

/** An existing CA (certificate and key as PEM, e.g. from a device profile) as an issuer for issueCertificate. */
export function issuerFromPem(certPem: string, keyPem: string): IssuedCertificate {
  const certificate = new X509Certificate(certPem);
  return {
    certPem,
    keyPem,
    certDer: certificate.raw,
    serialNumber: certificate.serialNumber.toLowerCase(),
    thumbprint: certificate.fingerprint.replace(/:/g, ''),
  };
}
