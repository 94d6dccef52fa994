/**
 * The DER (X.690) the CA writes by hand: the leaf certificate's TBSCertificate (RFC 5280 §4.1).
 *
 * Why by hand: @peculiar/x509 builds a certificate through ASN.1 object trees, serializing each
 * extension and parsing it back, then parsing the finished certificate again: about 1 ms of CPU
 * per certificate, which capped issuance near 300/s on 2 cores. A leaf here has one fixed shape,
 * so it is encoded directly from parts prepared once (the issuer's Name, the algorithm
 * identifier, the constant extensions: all produced by x509 and node:crypto) plus the request's
 * SPKI, SAN and Sigstore extensions. x509 still makes the CA certificates and parses CSRs;
 * the tests parse every leaf with x509 and node:crypto and verify its signature.
 */

/** A TLV: tag, definite length (X.690 §8.1.3), contents. */
export function tlv(tag: number, ...contents: Uint8Array[]): Buffer {
  const body = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag, ...derLength(body.length)]), body]);
}

function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

export const seq = (...parts: Uint8Array[]): Buffer => tlv(0x30, ...parts);

/** UTF8String (§8.23): the Sigstore extension values from .8 on (Fulcio docs/oid-info.md). */
export function derUtf8String(value: string): Buffer {
  return tlv(0x0c, Buffer.from(value, 'utf8'));
}

/** An OBJECT IDENTIFIER (§8.19): first two arcs in one byte, then base-128 with continuation bits. */
export function derOid(oid: string): Buffer {
  const arcs = oid.split('.').map(Number);
  const bytes = [40 * arcs[0]! + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const chunk = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } (RFC 5280 §4.1). */
export function derExtension(oid: string, critical: boolean, value: Uint8Array): Buffer {
  return critical ? seq(derOid(oid), Buffer.from([0x01, 0x01, 0xff]), tlv(0x04, value)) : seq(derOid(oid), tlv(0x04, value));
}

/** Time (RFC 5280 §4.1.2.5): UTCTime through 2049, GeneralizedTime from 2050, seconds, Z. */
export function derTime(date: Date): Buffer {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  return date.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`, 'latin1')) : tlv(0x18, Buffer.from(`${digits}Z`, 'latin1'));
}

/** A positive INTEGER from big-endian magnitude bytes (a leading zero added when the top bit is set). */
export function derPositiveInteger(bytes: Uint8Array): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return tlv(0x02, (trimmed[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

/** Header of the TLV at `offset`: where its contents start and end (definite lengths only). */
function readTlv(der: Uint8Array, offset: number): { tag: number; start: number; end: number } {
  const tag = der[offset]!;
  let len = der[offset + 1]!;
  let start = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error('unsupported DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i]!;
    start += n;
  }
  if (start + len > der.length) throw new Error('truncated DER');
  return { tag, start, end: start + len };
}

/** The subjectPublicKey bits of a SubjectPublicKeyInfo (RFC 5280 §4.1.2.7), for the key identifier. */
export function spkiKeyBits(spki: Uint8Array): Uint8Array {
  const outer = readTlv(spki, 0);
  const algorithm = readTlv(spki, outer.start);
  const bits = readTlv(spki, algorithm.end);
  if (outer.tag !== 0x30 || algorithm.tag !== 0x30 || bits.tag !== 0x03) throw new Error('not a SubjectPublicKeyInfo');
  return spki.subarray(bits.start + 1, bits.end);
}
