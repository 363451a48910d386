import forge from 'node-forge';

/**
 * Reading X.509v3 extensions that neither node-forge (RSA only) nor crypto.X509Certificate (no extension access) expose,
 * e.g. the Modbus/TCP Security role. Works on the DER of any certificate, whatever its key type.
 */

/** The value of a non-critical or critical extension holding one ASN.1 UTF8String, or undefined when absent. */
export function readUtf8Extension(certificateDer: Buffer, oid: string): string | undefined {
  const value = extensionValue(certificateDer, oid);
  if (value === undefined) return undefined;
  try {
    const inner = forge.asn1.fromDer(forge.util.createBuffer(value.toString('binary')));
    if (inner.tagClass !== forge.asn1.Class.UNIVERSAL || typeof inner.value !== 'string') return undefined;
    return forge.util.decodeUtf8(inner.value);
  } catch {
    return undefined;
  }
}

/** The DER inside the extension's OCTET STRING, or undefined when the certificate has no such extension. */
export function extensionValue(certificateDer: Buffer, oid: string): Buffer | undefined {
  let certificate: forge.asn1.Asn1;
  try {
    certificate = forge.asn1.fromDer(forge.util.createBuffer(certificateDer.toString('binary')));
  } catch {
    return undefined;
  }
  const tbs = children(certificate)[0];
  const explicitExtensions = children(tbs).find((node) => node.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && node.type === 3);
  const extensions = children(children(explicitExtensions)[0]);
  for (const extension of extensions) {
    const parts = children(extension);
    const id = parts[0];
    if (!id || id.type !== forge.asn1.Type.OID || typeof id.value !== 'string') continue;
    if (forge.asn1.derToOid(forge.util.createBuffer(id.value)) !== oid) continue;
    const octets = parts[parts.length - 1];
    if (!octets || octets.type !== forge.asn1.Type.OCTETSTRING || typeof octets.value !== 'string') return undefined;
    return Buffer.from(octets.value, 'binary');
  }
  return undefined;
}

function children(node: forge.asn1.Asn1 | undefined): forge.asn1.Asn1[] {
  return node && Array.isArray(node.value) ? node.value : [];
}
