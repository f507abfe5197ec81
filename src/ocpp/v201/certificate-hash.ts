/**
 * CertificateHashDataType of OCPP 2.0.1 (M03–M05), defined like the CertID of OCSP (RFC 6960): the hash of the
 * DER-encoded issuer Name, the hash of the issuer's public key (the BIT STRING contents of its SubjectPublicKeyInfo,
 * without the unused-bits octet) and the serial number in hexadecimal without leading zeroes. The station only
 * installs root certificates, whose issuer is themselves.
 */
import { createHash, type X509Certificate } from 'node:crypto';

export type HashAlgorithm = 'SHA256' | 'SHA384' | 'SHA512';

export interface CertificateHashData {
  readonly hashAlgorithm: HashAlgorithm;
  readonly issuerNameHash: string;
  readonly issuerKeyHash: string;
  readonly serialNumber: string;
}

interface DerElement {
  readonly tag: number;
  /** The whole element: tag, length and contents. */
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

/** The DER element at `offset` (definite lengths only, as DER requires). */
function elementAt(der: Buffer, offset: number): DerElement {
  const tag = der[offset];
  const first = der[offset + 1];
  if (tag === undefined || first === undefined) throw new Error('truncated DER');
  let length = first;
  let contentStart = offset + 2;
  if (first & 0x80) {
    const octets = first & 0x7f;
    if (octets === 0 || octets > 4) throw new Error('unsupported DER length');
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + (der[offset + 2 + i] ?? 0);
    contentStart += octets;
  }
  const end = contentStart + length;
  if (end > der.length) throw new Error('truncated DER');
  return { tag, start: offset, contentStart, end };
}

/** The children of a constructed element. */
function childrenOf(der: Buffer, parent: DerElement): DerElement[] {
  const children: DerElement[] = [];
  for (let offset = parent.contentStart; offset < parent.end; ) {
    const child = elementAt(der, offset);
    children.push(child);
    offset = child.end;
  }
  return children;
}

/** The DER of the issuer Name of a certificate (TBSCertificate: [0] version?, serial, signature, issuer …). */
export function issuerNameDer(certificateDer: Buffer): Buffer {
  const certificate = elementAt(certificateDer, 0);
  const [tbs] = childrenOf(certificateDer, certificate);
  if (!tbs) throw new Error('no TBSCertificate');
  const fields = childrenOf(certificateDer, tbs);
  const skip = fields[0]?.tag === 0xa0 ? 1 : 0;
  const issuer = fields[skip + 2];
  if (!issuer || issuer.tag !== 0x30) throw new Error('no issuer Name');
  return certificateDer.subarray(issuer.start, issuer.end);
}

/** The public key bits of a SubjectPublicKeyInfo (BIT STRING contents after the unused-bits octet). */
export function publicKeyBits(spkiDer: Buffer): Buffer {
  const spki = elementAt(spkiDer, 0);
  const bitString = childrenOf(spkiDer, spki)[1];
  if (!bitString || bitString.tag !== 0x03) throw new Error('no subjectPublicKey');
  return spkiDer.subarray(bitString.contentStart + 1, bitString.end);
}

function hashHex(algorithm: HashAlgorithm, data: Buffer): string {
  return createHash(algorithm.toLowerCase()).update(data).digest('hex');
}

/** The serial number as OCPP spells it: hexadecimal, no leading zeroes, lower case (compare case-insensitively). */
export function serialHex(certificate: X509Certificate): string {
  return certificate.serialNumber.replace(/^0+(?=.)/, '').toLowerCase();
}

/** The hash data of a root (self-issued) certificate. */
export function rootCertificateHashData(certificate: X509Certificate, hashAlgorithm: HashAlgorithm = 'SHA256'): CertificateHashData {
  const spki = certificate.publicKey.export({ type: 'spki', format: 'der' });
  return {
    hashAlgorithm,
    issuerNameHash: hashHex(hashAlgorithm, issuerNameDer(certificate.raw)),
    issuerKeyHash: hashHex(hashAlgorithm, publicKeyBits(spki)),
    serialNumber: serialHex(certificate),
  };
}

/** True when `wanted` names `certificate` (hashes compared in its algorithm, hex case-insensitively). */
export function matchesHashData(certificate: X509Certificate, wanted: CertificateHashData): boolean {
  const own = rootCertificateHashData(certificate, wanted.hashAlgorithm);
  return (
    own.issuerNameHash === wanted.issuerNameHash.toLowerCase() &&
    own.issuerKeyHash === wanted.issuerKeyHash.toLowerCase() &&
    own.serialNumber === wanted.serialNumber.replace(/^0+(?=.)/, '').toLowerCase()
  );
}
