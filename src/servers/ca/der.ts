/**
 * The one DER encoding the CA writes by hand: an ASN.1 UTF8String (X.690 §8.23, tag 0x0C) for the
 * Sigstore extension values (Fulcio docs/oid-info.md: OIDs .8 and later hold a DER UTF8String).
 * @peculiar/x509 takes extension values as raw bytes, and its ASN.1 library is not a direct
 * dependency, so this small encoder (definite length, X.690 §8.1.3) stands in.
 */
export function derUtf8String(value: string): Uint8Array {
  const body = Buffer.from(value, 'utf8');
  return Uint8Array.from([0x0c, ...derLength(body.length), ...body]);
}

function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}
