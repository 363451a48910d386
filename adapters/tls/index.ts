/** The TLS adapter's public surface: analyse a service, judge the analysis, inspect certificates. */
export { analyseTls, analysisSummary, suitesCsv, TlsAnalysisError, type TlsAnalysis, type TlsAnalysisOptions, type AcceptedSuite, type VersionProbe, type ClientCertificatePolicy } from './analyse.js';
export { assessCryptography, assessIdentity, assessKeyStrength, certificateLine, keyStrengthOutcome, DEPRECATED_VERSIONS, type CryptographyFindings } from './policy.js';
export { certificatesOfPem, describeCertificate, describeKey, sanMatchesHost, verifyChain, type CertificateFacts, type ChainVerification } from '../pki/inspect.js';
export { cipherSuite, CIPHER_SUITES, suiteWeaknesses, type CipherSuite } from './cipher-suites.js';
export { displayVersion, TLS_VERSIONS, type TlsVersion } from './wire.js';
export { TlsConnectError } from './probe.js';
