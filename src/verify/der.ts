/**
 * Just enough DER (X.690 §8.1) to take the SCT extension out of a certificate's TBSCertificate
 * without re-encoding the whole structure: RFC 6962 §3.2 signs the precertificate's TBS, which is
 * the final TBS minus the embedded-SCT extension. @sigstore/core can do it by re-encoding its ASN.1
 * tree, but that costs milliseconds per certificate; this splices the bytes and fixes the three
 * enclosing lengths (TBSCertificate SEQUENCE, [3] EXPLICIT, Extensions SEQUENCE; RFC 5280 §4.1).
 */

interface Tlv {
  readonly tag: number;
  /** Offset of the tag byte. */
  readonly start: number;
  /** Offset of the first content byte. */
  readonly body: number;
  /** Offset just past the content. */
  readonly end: number;
}

function readTlv(buf: Uint8Array, at: number, limit: number): Tlv {
  if (at + 2 > limit) throw new Error('truncated DER');
  const tag = buf[at] as number;
  if ((tag & 0x1f) === 0x1f) throw new Error('high-tag-number form is not used in certificates');
  let len = buf[at + 1] as number;
  let body = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || body + n > limit) throw new Error('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[body + i] as number);
    body += n;
  }
  const end = body + len;
  if (end > limit) throw new Error('DER length past the end');
  return { tag, start: at, body, end };
}

function encodeLength(len: number): Buffer {
  if (len < 0x80) return Buffer.from([len]);
  const bytes: number[] = [];
  for (let v = len; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function wrap(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

/** DER of the OID 1.3.6.1.4.1.11129.2.4.2 (embedded SCT list), tag and length included. */
const SCT_OID_DER = Buffer.from('060a2b06010401d679020402', 'hex');

/**
 * The TBSCertificate DER of `certDer` with the SCT-list extension removed, or undefined when the
 * certificate has no such extension. Throws on malformed DER.
 */
export function tbsWithoutSct(certDer: Uint8Array): Buffer | undefined {
  const buf = Buffer.from(certDer.buffer, certDer.byteOffset, certDer.byteLength);
  const cert = readTlv(buf, 0, buf.length);
  const tbs = readTlv(buf, cert.body, cert.end);
  // Walk TBSCertificate's fields to the [3] EXPLICIT extensions (context tag 0xa3).
  let at = tbs.body;
  let exts: Tlv | undefined;
  while (at < tbs.end) {
    const f = readTlv(buf, at, tbs.end);
    if (f.tag === 0xa3) exts = f;
    at = f.end;
  }
  if (!exts) return undefined;
  const seq = readTlv(buf, exts.body, exts.end);
  at = seq.body;
  while (at < seq.end) {
    const ext = readTlv(buf, at, seq.end);
    const oid = readTlv(buf, ext.body, ext.end);
    if (buf.subarray(oid.start, oid.end).equals(SCT_OID_DER)) {
      const extensions = Buffer.concat([buf.subarray(seq.body, ext.start), buf.subarray(ext.end, seq.end)]);
      const explicit = wrap(0xa3, wrap(0x30, extensions));
      return wrap(0x30, Buffer.concat([buf.subarray(tbs.body, exts.start), explicit, buf.subarray(exts.end, tbs.end)]));
    }
    at = ext.end;
  }
  return undefined;
}
