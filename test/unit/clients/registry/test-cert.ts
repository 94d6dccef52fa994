/**
 * Test certificates made with node:crypto alone (no openssl binary): a minimal self-signed
 * X.509 v3 certificate (RFC 5280 §4.1, no extensions) for a P-256 key, and libtrust's key id,
 * which is how distribution 2.8 matches a JWT's `kid` to a key of its `rootcertbundle`.
 */
import { createHash, createPublicKey, type KeyObject, randomBytes, sign } from 'node:crypto';

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const der = (tag: number, ...parts: Buffer[]): Buffer => {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
};
const seq = (...parts: Buffer[]): Buffer => der(0x30, ...parts);
function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const out = [40 * a + b];
  for (const n of rest) {
    const groups: number[] = [];
    for (let v = n; ; v = Math.floor(v / 128)) {
      groups.unshift((v % 128) | (groups.length === 0 ? 0 : 0x80));
      if (v < 128) break;
    }
    out.push(...groups);
  }
  return der(0x06, Buffer.from(out));
}
const utcTime = (d: Date): Buffer => der(0x17, Buffer.from(`${d.toISOString().slice(2, 19).replace(/[-:T]/g, '')}Z`));
const cnName = (cn: string): Buffer => seq(der(0x31, seq(oid('2.5.4.3'), der(0x0c, Buffer.from(cn)))));

/** A minimal self-signed X.509 v3 certificate (RFC 5280 §4.1) for a P-256 key. */
export function selfSignedCert(key: KeyObject, cn: string): string {
  const ecdsaWithSha256 = seq(oid('1.2.840.10045.4.3.2'));
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const now = Date.now();
  const tbs = seq(
    der(0xa0, der(0x02, Buffer.from([2]))),
    der(0x02, Buffer.from([0x01, ...randomBytes(8)])),
    ecdsaWithSha256,
    cnName(cn),
    seq(utcTime(new Date(now - 3600_000)), utcTime(new Date(now + 86400_000))),
    cnName(cn),
    spki,
  );
  const signature = sign('sha256', tbs, key);
  const cert = seq(tbs, ecdsaWithSha256, der(0x03, Buffer.concat([Buffer.from([0]), signature])));
  return `-----BEGIN CERTIFICATE-----\n${cert.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** libtrust's key id (what distribution 2.8 matches a JWT `kid` with): base32 of SHA-256(SPKI)[:30], in groups of 4. */
export function libtrustKeyId(key: KeyObject): string {
  const digest = createHash('sha256').update(createPublicKey(key).export({ type: 'spki', format: 'der' })).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const b of digest) bits += b.toString(2).padStart(8, '0');
  let s = '';
  for (let i = 0; i + 5 <= bits.length; i += 5) s += alphabet[parseInt(bits.slice(i, i + 5), 2)];
  return s.match(/.{4}/g)!.join(':');
}

