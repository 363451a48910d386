import forge from 'node-forge';
import { generateKeyPairSync, sign } from 'node:crypto';
import { isIP } from 'node:net';

/**
 * Self-signed ECDSA certificates for test peers. node-forge cannot hold EC keys, so the DER is assembled with its ASN.1
 * writer and signed with Node's crypto.
 */

export interface EcCertificateSpec {
  commonName: string;
  curve?: 'prime256v1' | 'secp384r1' | 'secp521r1' | 'prime192v1';
  hash?: 'sha1' | 'sha256' | 'sha384' | 'sha512';
  notBefore?: Date;
  notAfter?: Date;
  san?: { dns?: string[]; ips?: string[] };
}

export interface IssuedEcCertificate {
  certPem: string;
  keyPem: string;
  certDer: Buffer;
}

const ECDSA_OIDS = { sha1: '1.2.840.10045.4.1', sha256: '1.2.840.10045.4.3.2', sha384: '1.2.840.10045.4.3.3', sha512: '1.2.840.10045.4.3.4' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

export function issueEcCertificate(spec: EcCertificateSpec): IssuedEcCertificate {
  const { asn1 } = forge;
  const { UNIVERSAL, CONTEXT_SPECIFIC } = asn1.Class;
  const hash = spec.hash ?? 'sha256';
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: spec.curve ?? 'prime256v1' });
  const now = Date.now();
  const bytes = (buffer: Buffer) => buffer.toString('binary');
  const oid = (value: string) => asn1.create(UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(value).getBytes());
  const time = (date: Date) => asn1.create(UNIVERSAL, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(date));
  const algorithm = asn1.create(UNIVERSAL, asn1.Type.SEQUENCE, true, [oid(ECDSA_OIDS[hash])]);
  const name = asn1.create(UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(UNIVERSAL, asn1.Type.SET, true, [asn1.create(UNIVERSAL, asn1.Type.SEQUENCE, true, [oid('2.5.4.3'), asn1.create(UNIVERSAL, asn1.Type.UTF8, false, forge.util.encodeUtf8(spec.commonName))])]),
  ]);
  const altNames = [
    ...(spec.san?.dns ?? []).map((dns) => asn1.create(CONTEXT_SPECIFIC, 2, false, dns)),
    ...(spec.san?.ips ?? []).map((ip) => {
      if (isIP(ip) !== 4) throw new Error(`only IPv4 SAN entries are supported here, not ${ip}`);
      return asn1.create(CONTEXT_SPECIFIC, 7, false, bytes(Buffer.from(ip.split('.').map(Number))));
    }),
  ];
  const extensions =
    altNames.length > 0
      ? [
          asn1.create(CONTEXT_SPECIFIC, 3, true, [
            asn1.create(UNIVERSAL, asn1.Type.SEQUENCE, true, [
              asn1.create(UNIVERSAL, asn1.Type.SEQUENCE, true, [
                oid('2.5.29.17'),
                asn1.create(UNIVERSAL, asn1.Type.OCTETSTRING, false, asn1.toDer(asn1.create(UNIVERSAL, asn1.Type.SEQUENCE, true, altNames)).getBytes()),
              ]),
            ]),
          ]),
        ]
      : [];
  const serial = forge.util.bytesToHex(forge.random.getBytesSync(15));
  const tbs = asn1.create(UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(CONTEXT_SPECIFIC, 0, true, [asn1.create(UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(2).getBytes())]),
    asn1.create(UNIVERSAL, asn1.Type.INTEGER, false, forge.util.hexToBytes(`01${serial}`)),
    algorithm,
    name,
    asn1.create(UNIVERSAL, asn1.Type.SEQUENCE, true, [time(spec.notBefore ?? new Date(now - DAY_MS)), time(spec.notAfter ?? new Date(now + 365 * DAY_MS))]),
    name,
    asn1.fromDer(bytes(publicKey.export({ type: 'spki', format: 'der' }))),
    ...extensions,
  ]);
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
  const signature = sign(hash, tbsDer, privateKey);
  const certificate = asn1.create(UNIVERSAL, asn1.Type.SEQUENCE, true, [
    tbs,
    asn1.create(UNIVERSAL, asn1.Type.SEQUENCE, true, [oid(ECDSA_OIDS[hash])]),
    asn1.create(UNIVERSAL, asn1.Type.BITSTRING, false, `\u0000${bytes(signature)}`),
  ]);
  const certDer = Buffer.from(asn1.toDer(certificate).getBytes(), 'binary');
  const certPem = `-----BEGIN CERTIFICATE-----\n${certDer.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
  return { certPem, keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), certDer };
}
