import { expect } from 'chai';
import { issueCertificate } from '../../adapters/pki/certificates.js';
import { issueEcCertificate } from '../../adapters/pki/ec-certificates.js';
import { assessIdentity, assessKeyStrength, cipherSuite, describeCertificate, suiteWeaknesses } from '../../adapters/tls/index.js';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('certificate facts and the CR 1.2 / CR 1.9 rules', function () {
  this.timeout(30_000);

  it('reads an EC key and its ECDSA signature; P-256 with SHA-256 is strong enough', function () {
    const facts = describeCertificate(issueEcCertificate({ commonName: 'ec', san: { dns: ['plc.example'] } }).certDer);
    expect(facts).to.include({ keyType: 'EC', keyBits: 256, curve: 'prime256v1', signatureAlgorithm: 'ecdsa-with-SHA256', signatureHash: 'SHA-256' });
    expect(assessKeyStrength([facts])).to.deep.equal([]);
  });

  it('rejects a P-192 key and an ECDSA-SHA-1 signature', function () {
    const facts = describeCertificate(issueEcCertificate({ commonName: 'small', curve: 'prime192v1', hash: 'sha1' }).certDer);
    const problems = assessKeyStrength([facts]);
    expect(problems).to.have.length(2);
    expect(problems[0]).to.include('EC 192-bit');
    expect(problems[1]).to.include('ecdsa-with-SHA1');
  });

  it('rejects a 1024-bit RSA key and names it', function () {
    const facts = describeCertificate(issueCertificate({ commonName: 'old', keyBits: 1024 }).certDer);
    expect(assessKeyStrength([facts])).to.deep.equal(['server certificate key is RSA 1024-bit (at least 2048-bit required)']);
  });

  it("judges a chain's signatures except a self-signed root's own", function () {
    const root = issueCertificate({ commonName: 'Old Root', isCA: true, hash: 'sha1' });
    const goodLeaf = describeCertificate(issueCertificate({ commonName: 'leaf', issuer: root }).certDer);
    const sha1Leaf = describeCertificate(issueCertificate({ commonName: 'leaf', issuer: root, hash: 'sha1' }).certDer);
    const rootFacts = describeCertificate(root.certDer);
    expect(rootFacts.selfSigned).to.equal(true);
    expect(assessKeyStrength([goodLeaf, rootFacts])).to.deep.equal([]);
    expect(assessKeyStrength([sha1Leaf, rootFacts])).to.deep.equal(['server certificate is signed with sha1WithRSAEncryption (SHA-1; SHA-256 or stronger required)']);
  });

  it('reads every SAN entry type and matches IP addresses and DNS names, wildcards included', function () {
    const facts = describeCertificate(issueCertificate({ commonName: 'x', san: { dns: ['*.plant.example', 'plc1.local'], ips: ['127.9.8.7'], uris: ['urn:vendor:plc'] } }).certDer);
    expect(facts.san).to.deep.equal({ dns: ['*.plant.example', 'plc1.local'], ips: ['127.9.8.7'], uris: ['urn:vendor:plc'] });
    expect(assessIdentity([facts], '127.9.8.7')).to.deep.equal([]);
    expect(assessIdentity([facts], 'plc7.plant.example')).to.deep.equal([]);
    expect(assessIdentity([facts], '127.9.8.8')[0]).to.include('does not name 127.9.8.8');
  });

  it('reports expiry, a not-yet-valid certificate and a missing SAN', function () {
    const expired = describeCertificate(issueCertificate({ commonName: 'e', san: { ips: ['127.1.1.1'] }, notBefore: new Date(Date.now() - 10 * DAY_MS), notAfter: new Date(Date.now() - DAY_MS) }).certDer);
    const future = describeCertificate(issueCertificate({ commonName: 'f', san: { ips: ['127.1.1.1'] }, notBefore: new Date(Date.now() + DAY_MS), notAfter: new Date(Date.now() + 10 * DAY_MS) }).certDer);
    const bare = describeCertificate(issueCertificate({ commonName: '127.1.1.1' }).certDer);
    expect(expired.validity).to.equal('expired');
    expect(assessIdentity([expired], '127.1.1.1')[0]).to.match(/expired on/);
    expect(future.validity).to.equal('not-yet-valid');
    expect(assessIdentity([future], '127.1.1.1')[0]).to.match(/not valid before/);
    // The common name is not an identity under RFC 6125: only the SAN counts.
    expect(assessIdentity([bare], '127.1.1.1')).to.deep.equal(['the server certificate has no subjectAltName, so it cannot name 127.1.1.1']);
  });
});

describe('cipher suite classification', function () {
  const weaknesses = (code: number) => suiteWeaknesses(cipherSuite(code));

  it('flags NULL, anonymous, EXPORT, RC4, 3DES, DES and MD5 suites', function () {
    expect(weaknesses(0x000a)).to.deep.equal(['3DES']);
    expect(weaknesses(0x0005)).to.deep.equal(['RC4']);
    expect(weaknesses(0x0003)).to.deep.equal(['EXPORT-grade', 'RC4', 'MD5 MAC']);
    expect(weaknesses(0x0034)).to.deep.equal(['anonymous (no server authentication)']);
    expect(weaknesses(0xc010)).to.deep.equal(['NULL cipher (no encryption)']);
    expect(weaknesses(0x0009)).to.deep.equal(['64-bit block cipher DES_CBC']);
  });

  it('leaves modern suites alone and knows which have forward secrecy', function () {
    expect(weaknesses(0xc02f)).to.deep.equal([]);
    expect(weaknesses(0x1301)).to.deep.equal([]);
    expect(cipherSuite(0xc02f)).to.include({ forwardSecrecy: true, aead: true, keyExchange: 'ECDHE_RSA', cipher: 'AES_128_GCM', mac: 'SHA256' });
    expect(cipherSuite(0x009c)).to.include({ forwardSecrecy: false, aead: true });
    expect(cipherSuite(0x1303)).to.include({ tls13: true, forwardSecrecy: true, name: 'TLS_CHACHA20_POLY1305_SHA256' });
  });

  it('names a code the table does not know', function () {
    expect(cipherSuite(0x0a0a).name).to.equal('unknown 0x0a0a');
  });
});
