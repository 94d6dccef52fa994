/**
 * Rekor v1 entry kinds: parse a proposed entry, check its signature, and produce the canonical
 * body Rekor stores (and hashes into the Merkle tree). Bodies are byte-for-byte what Rekor's Go
 * `Canonicalize` methods emit (`encoding/json` of the generated models: struct field order, and
 * `<`, `>`, `&` escaped), so entry UUIDs equal the ones Rekor would compute:
 *
 * - `hashedrekord` 0.0.1 (`pkg/types/hashedrekord/v0.0.1/entry.go`): the artifact digest, the
 *   signature and the key (PEM, re-encoded); the signature is verified over the digest
 *   (prehashed ECDSA or RSA PKCS#1 v1.5).
 * - `dsse` 0.0.1 (`pkg/types/dsse/v0.0.1/entry.go`): the envelope is *not* stored; the body keeps
 *   the envelope's SHA-256, the payload's SHA-256 and each signature with the verifier that
 *   checked it (sorted by signature); every signature must verify with one of the verifiers.
 * - `intoto` 0.0.2 (`pkg/types/intoto/v0.0.2/entry.go`): payload type, signatures (base64 of the
 *   base64 signature, base64 of the PEM key), the client's envelope hash and the payload hash.
 *
 * Bounded: the proposed entry must already be parsed JSON under the HTTP body limit; counts of
 * signatures and verifiers and the payload size are capped here.
 */
import { createECDH, createHash, createPublicKey, publicDecrypt, type ECDH, constants, verify as cryptoVerify, X509Certificate, type KeyObject } from 'node:crypto';
import { p256, p384 } from '@noble/curves/nist.js';
import { digestFor } from './note.ts';

export const ENTRY_LIMITS = {
  maxSignatures: 16,
  maxVerifiers: 16,
  maxPayloadBytes: 8 * 1024 * 1024,
  maxKeyBytes: 64 * 1024,
  maxSignatureBytes: 16 * 1024,
} as const;

export type EntryKind = 'hashedrekord' | 'dsse' | 'intoto';

export interface CanonicalEntry {
  readonly kind: EntryKind;
  readonly apiVersion: string;
  /** The canonicalized body: the Merkle leaf. */
  readonly body: Buffer;
  /** Search keys (Rekor's IndexKeys): `sha256:<hex>` digests, SHA-256 hex of keys, lower-cased e-mail addresses. */
  readonly indexKeys: readonly string[];
}

export class EntryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EntryError';
  }
}

/** Go's encoding/json escapes these in strings; JSON.stringify does not. */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function field(obj: unknown, name: string, what: string): unknown {
  if (!isRecord(obj)) throw new EntryError(`${what} must be an object`);
  return obj[name];
}

function str(v: unknown, what: string, max = ENTRY_LIMITS.maxPayloadBytes * 2): string {
  if (typeof v !== 'string' || v === '') throw new EntryError(`${what} must be a non-empty string`);
  if (v.length > max) throw new EntryError(`${what} is too long`);
  return v;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function b64(v: unknown, what: string, max: number): Buffer {
  const s = str(v, what, Math.ceil(max / 3) * 4 + 4);
  if (!BASE64.test(s) || s.length % 4 !== 0) throw new EntryError(`${what} is not base64`);
  return Buffer.from(s, 'base64');
}

function pemEncode(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

export interface ParsedKey {
  readonly key: KeyObject;
  /** The canonical PEM Rekor stores (certificate or PKIX public key, re-encoded). */
  readonly canonicalPem: string;
  /** E-mail addresses and URIs from a certificate's SAN (empty for a bare key). */
  readonly subjects: readonly string[];
}

const KEY_CACHE_SIZE = 1024;
/** Parsed keys by PEM text (an LRU): the same signers come back, and parsing is ~0.2 ms a key. */
const keyCache = new Map<string, ParsedKey>();

/** A PEM public key or X.509 certificate (Rekor's `x509` PKI type). */
export function parsePemKey(pem: Buffer | string, what: string): ParsedKey {
  const text = typeof pem === 'string' ? pem : pem.toString('utf8');
  if (text.length > ENTRY_LIMITS.maxKeyBytes) throw new EntryError(`${what} is too large`);
  const hit = keyCache.get(text);
  if (hit !== undefined) {
    keyCache.delete(text);
    keyCache.set(text, hit);
    return hit;
  }
  const parsed = parsePemKeyUncached(text, what);
  if (keyCache.size >= KEY_CACHE_SIZE) keyCache.delete(keyCache.keys().next().value!);
  keyCache.set(text, parsed);
  return parsed;
}

function parsePemKeyUncached(text: string, what: string): ParsedKey {
  try {
    if (text.includes('-----BEGIN CERTIFICATE-----')) {
      const cert = new X509Certificate(text);
      const subjects = (cert.subjectAltName ?? '')
        .split(/,\s*/)
        .map((s) => /^(?:email|URI):(.+)$/.exec(s)?.[1])
        .filter((s): s is string => s !== undefined);
      return { key: cert.publicKey, canonicalPem: pemEncode('CERTIFICATE', cert.raw), subjects };
    }
    if (!text.includes('-----BEGIN PUBLIC KEY-----')) throw new Error('not a PEM public key or certificate');
    const key = createPublicKey(text);
    return { key, canonicalPem: key.export({ format: 'pem', type: 'spki' }).toString(), subjects: [] };
  } catch (err) {
    throw new EntryError(`${what}: ${(err as Error).message}`);
  }
}

const DIGEST_SIZES: Record<string, number> = { sha256: 32, sha384: 48, sha512: 64 };
// DER DigestInfo prefixes (RFC 8017 §9.2 note 1) for RSA PKCS#1 v1.5 over a precomputed digest.
const DIGEST_INFO: Record<string, string> = {
  sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430',
  sha512: '3051300d060960864801650304020305000440',
};

/**
 * Verify `signature` over a message known only by its digest. node:crypto cannot verify a
 * prehashed ECDSA signature (checked on Node 24 / OpenSSL 3.5: `crypto.verify(null, digest, ecKey,
 * sig)` hashes `digest` again with SHA-256, and WebCrypto's ECDSA always hashes), so ECDSA is
 * SEC 1's verification written out here over OpenSSL's ECDH scalar multiplication; RSA PKCS#1 v1.5 recovers the
 * DigestInfo with the public key and compares it.
 */
export function verifyDigestSignature(key: KeyObject, algorithm: string, digest: Buffer, signature: Buffer): boolean {
  try {
    if (key.asymmetricKeyType === 'ec') return verifyEcdsaPrehashed(key, digest, signature);
    if (key.asymmetricKeyType === 'rsa') {
      const recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
      const expected = Buffer.concat([Buffer.from(DIGEST_INFO[algorithm]!, 'hex'), digest]);
      return recovered.equals(expected);
    }
    return false;
  } catch {
    return false;
  }
}

type Curve = typeof p256;
type CurvePoint = ReturnType<Curve['Point']['fromBytes']>;
interface CachedPoint {
  readonly curve: Curve;
  readonly point: CurvePoint;
  /** The uncompressed SEC 1 encoding of the point, for OpenSSL's ECDH. */
  readonly encoded: Buffer;
  /** OpenSSL's name for the curve (node:crypto `createECDH`). */
  readonly ecdhCurve: string;
  /** y³-side of the curve equation at x(Q): x³ + a·x + b. */
  readonly fx: bigint;
  /** 1 / (2·y(Q)) mod p. */
  readonly inv2y: bigint;
}
const POINT_CACHE_SIZE = 512;
/** Decoded public points by SPKI (an LRU). No precomputation: keyless signing uses a key once. */
const pointCache = new Map<string, CachedPoint>();

const pointByKey = new WeakMap<KeyObject, CachedPoint>();

function cachedPoint(key: KeyObject): CachedPoint | undefined {
  let found = pointByKey.get(key);
  if (found === undefined) {
    found = cachedPointBySpki(key);
    if (found === undefined) return undefined;
    pointByKey.set(key, found);
  }
  return found;
}

function curveRhs(curve: Curve, x: bigint): bigint {
  const Fp = curve.Point.Fp;
  const { a, b } = curve.Point.CURVE();
  return Fp.add(Fp.add(Fp.mul(Fp.sqr(x), x), Fp.mul(a, x)), b);
}

function cachedPointBySpki(key: KeyObject): CachedPoint | undefined {
  const spki = key.export({ format: 'der', type: 'spki' }).toString('base64');
  const hit = pointCache.get(spki);
  if (hit !== undefined) {
    pointCache.delete(spki);
    pointCache.set(spki, hit);
    return hit;
  }
  const jwk = key.export({ format: 'jwk' });
  const curve = jwk.crv === 'P-256' ? p256 : jwk.crv === 'P-384' ? p384 : undefined;
  if (curve === undefined || jwk.x === undefined || jwk.y === undefined) return undefined;
  const encoded = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]);
  const point = curve.Point.fromBytes(encoded);
  point.assertValidity();
  const { x, y } = point.toAffine();
  const Fp = curve.Point.Fp;
  if (pointCache.size >= POINT_CACHE_SIZE) pointCache.delete(pointCache.keys().next().value!);
  const entry: CachedPoint = { curve, point, encoded, ecdhCurve: curve === p256 ? 'prime256v1' : 'secp384r1', fx: curveRhs(curve, x), inv2y: Fp.inv(Fp.add(y, y)) };
  pointCache.set(spki, entry);
  return entry;
}

const ecdhByCurve = new Map<string, ECDH>();

function scalarBytes(curve: Curve, n: bigint): Buffer {
  return Buffer.from(n.toString(16).padStart(curve.Point.Fn.BYTES * 2, '0'), 'hex');
}

/**
 * u1·G + u2·Q with OpenSSL doing both scalar multiplications (node:crypto has no prehashed ECDSA
 * verify, but its ECDH multiplies natively, ~4× faster than JavaScript). ECDH gives the full point
 * u1·G (the "public key" of u1) but only the x-coordinate of a shared point, so u2·Q is recovered
 * exactly from x(u2·Q) and x((u2+1)·Q): with B = u2·Q and the chord through B and Q,
 * x(B+Q) = λ² − x_B − x_Q, λ = (y_Q − y_B)/(x_Q − x_B), and y_B² = f(x_B), y_Q² = f(x_Q), so
 * y_B = (f(x_Q) + f(x_B) − (x(B+Q) + x_B + x_Q)·(x_Q − x_B)²) / (2·y_Q) — linear, no square root
 * and no sign ambiguity. Undefined when u1 = 0, B = ±Q or u2 + 1 = n: then undefined is returned
 * and the caller multiplies in JavaScript.
 */
function nativeCombination(c: CachedPoint, u1: bigint, u2: bigint): CurvePoint | undefined {
  const { curve } = c;
  const Fp = curve.Point.Fp;
  const Fn = curve.Point.Fn;
  if (u1 === 0n || u2 === 0n || Fn.create(u2 + 1n) === 0n) return undefined;
  let ecdh = ecdhByCurve.get(c.ecdhCurve);
  if (ecdh === undefined) {
    ecdh = createECDH(c.ecdhCurve);
    ecdhByCurve.set(c.ecdhCurve, ecdh);
  }
  try {
    ecdh.setPrivateKey(scalarBytes(curve, u1));
    const A = curve.Point.fromBytes(ecdh.getPublicKey());
    ecdh.setPrivateKey(scalarBytes(curve, u2));
    const xB = BigInt(`0x${ecdh.computeSecret(c.encoded).toString('hex')}`);
    ecdh.setPrivateKey(scalarBytes(curve, Fn.create(u2 + 1n)));
    const xBQ = BigInt(`0x${ecdh.computeSecret(c.encoded).toString('hex')}`);
    const { x: xQ } = c.point.toAffine();
    if (xB === xQ) return undefined;
    const fxB = curveRhs(curve, xB);
    const k = Fp.mul(Fp.add(Fp.add(xBQ, xB), xQ), Fp.sqr(Fp.sub(xQ, xB)));
    const yB = Fp.mul(Fp.sub(Fp.add(c.fx, fxB), k), c.inv2y);
    // Cannot fail for values OpenSSL computed; checked so a wrong point can never be used.
    if (Fp.sqr(yB) !== fxB) return undefined;
    return A.add(curve.Point.fromAffine({ x: xB, y: yB }));
  } catch {
    return undefined;
  }
}

/**
 * ECDSA verification over a given digest (SEC 1 v2 §4.1.4 steps 2–8, digest truncated to the
 * order's bit length as step 5 says). The point arithmetic is OpenSSL's (see nativeCombination),
 * with noble's as the fallback for the degenerate cases.
 */
function verifyEcdsaPrehashed(key: KeyObject, digest: Buffer, signature: Buffer): boolean {
  const c = cachedPoint(key);
  if (c === undefined) return false;
  const { curve, point } = c;
  const Fn = curve.Point.Fn;
  const sig = curve.Signature.fromBytes(signature, 'der');
  const { r, s } = sig;
  if (r <= 0n || r >= Fn.ORDER || s <= 0n || s >= Fn.ORDER) return false;
  const bits = Fn.BITS;
  let e = BigInt(`0x${digest.toString('hex') || '0'}`);
  if (digest.length * 8 > bits) e >>= BigInt(digest.length * 8 - bits);
  const w = Fn.inv(s);
  const u1 = Fn.mul(Fn.create(e), w);
  const u2 = Fn.mul(r, w);
  // Variable-time multiplication is fine here: every input is public (noble's own verify does the same).
  const R = nativeCombination(c, u1, u2) ?? curve.Point.BASE.multiplyUnsafe(u1).add(point.multiplyUnsafe(u2));
  if (R.is0()) return false;
  return Fn.create(R.toAffine().x) === r;
}

function hashedrekord(spec: unknown): CanonicalEntry {
  const hash = field(field(spec, 'data', 'spec'), 'hash', 'spec.data');
  const algorithm = str(field(hash, 'algorithm', 'spec.data.hash'), 'spec.data.hash.algorithm');
  const size = DIGEST_SIZES[algorithm];
  if (size === undefined) throw new EntryError(`unsupported hash algorithm ${algorithm}`);
  const value = str(field(hash, 'value', 'spec.data.hash'), 'spec.data.hash.value');
  if (!new RegExp(`^[0-9a-f]{${size * 2}}$`).test(value)) throw new EntryError(`spec.data.hash.value is not ${size * 2} lower-case hex digits`);
  const sigObj = field(spec, 'signature', 'spec');
  const sig = b64(field(sigObj, 'content', 'spec.signature'), 'spec.signature.content', ENTRY_LIMITS.maxSignatureBytes);
  const keyPem = b64(field(field(sigObj, 'publicKey', 'spec.signature'), 'content', 'spec.signature.publicKey'), 'spec.signature.publicKey.content', ENTRY_LIMITS.maxKeyBytes);
  const key = parsePemKey(keyPem, 'spec.signature.publicKey.content');
  if (key.key.asymmetricKeyType === 'ed25519') throw new EntryError('hashedrekord cannot carry an Ed25519 signature over a digest (use dsse)');
  if (!verifyDigestSignature(key.key, algorithm, Buffer.from(value, 'hex'), sig)) throw new EntryError('the signature does not verify with the given key over the given digest');
  const body = {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm, value } },
      signature: { content: sig.toString('base64'), publicKey: { content: Buffer.from(key.canonicalPem).toString('base64') } },
    },
  };
  return { kind: 'hashedrekord', apiVersion: '0.0.1', body: Buffer.from(goJson(body)), indexKeys: indexKeys([`${algorithm}:${value}`], [key]) };
}

function indexKeys(digests: string[], keys: readonly ParsedKey[]): string[] {
  const out = new Set<string>(digests);
  for (const k of keys) {
    out.add(keyIndexKey(k.canonicalPem));
    for (const s of k.subjects) out.add(s.toLowerCase());
  }
  return [...out];
}

/** The search key of a public key or certificate: SHA-256 hex of its canonical PEM (Rekor's `hex(sha256(CanonicalValue))`). */
export function keyIndexKey(canonicalPem: string): string {
  return createHash('sha256').update(canonicalPem).digest('hex');
}

/** DSSE PAE (DSSE v1.0 "Signature definition"). */
export function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

function verifyPae(key: KeyObject, data: Buffer, sig: Buffer): boolean {
  try {
    return cryptoVerify(key.asymmetricKeyType === 'ed25519' ? null : digestFor(key), data, key, sig);
  } catch {
    return false;
  }
}

interface Envelope {
  payloadType: string;
  payload: Buffer;
  signatures: { keyid: string; sig: string }[];
}

function parseEnvelope(json: string): Envelope {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    throw new EntryError('spec.proposedContent.envelope is not JSON');
  }
  const payloadType = str(field(doc, 'payloadType', 'envelope'), 'envelope.payloadType', 1024);
  const payload = b64(field(doc, 'payload', 'envelope'), 'envelope.payload', ENTRY_LIMITS.maxPayloadBytes);
  const sigs = field(doc, 'signatures', 'envelope');
  if (!Array.isArray(sigs) || sigs.length === 0) throw new EntryError('envelope.signatures must be a non-empty array');
  if (sigs.length > ENTRY_LIMITS.maxSignatures) throw new EntryError('envelope has too many signatures');
  const signatures = sigs.map((s, i) => {
    const sig = str(field(s, 'sig', `envelope.signatures[${i}]`), `envelope.signatures[${i}].sig`, ENTRY_LIMITS.maxSignatureBytes * 2);
    if (!BASE64.test(sig)) throw new EntryError(`envelope.signatures[${i}].sig is not base64`);
    const keyid = field(s, 'keyid', `envelope.signatures[${i}]`);
    return { sig, keyid: typeof keyid === 'string' ? keyid : '' };
  });
  return { payloadType, payload, signatures };
}

function dsse(spec: unknown): CanonicalEntry {
  const proposed = field(spec, 'proposedContent', 'spec');
  const envelopeJson = str(field(proposed, 'envelope', 'spec.proposedContent'), 'spec.proposedContent.envelope');
  const env = parseEnvelope(envelopeJson);
  const verifiersRaw = field(proposed, 'verifiers', 'spec.proposedContent');
  if (!Array.isArray(verifiersRaw) || verifiersRaw.length === 0) throw new EntryError('spec.proposedContent.verifiers must be a non-empty array');
  if (verifiersRaw.length > ENTRY_LIMITS.maxVerifiers) throw new EntryError('too many verifiers');
  const verifiers = verifiersRaw.map((v, i) => parsePemKey(b64(v, `verifiers[${i}]`, ENTRY_LIMITS.maxKeyBytes), `verifiers[${i}]`));
  const data = pae(env.payloadType, env.payload);
  // Rekor's verifyEnvelope: every signature must be verified by some verifier; map sig → key.
  const bySig = new Map<string, ParsedKey>();
  for (const s of env.signatures) {
    const raw = Buffer.from(s.sig, 'base64');
    const key = verifiers.find((v) => verifyPae(v.key, data, raw));
    if (key === undefined) throw new EntryError('a DSSE signature does not verify with any of the verifiers');
    bySig.set(s.sig, key);
  }
  const sorted = [...bySig.keys()].sort();
  const payloadHash = createHash('sha256').update(env.payload).digest('hex');
  const envelopeHash = createHash('sha256').update(envelopeJson).digest('hex');
  const body = {
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: envelopeHash },
      payloadHash: { algorithm: 'sha256', value: payloadHash },
      signatures: sorted.map((sig) => ({ signature: sig, verifier: Buffer.from(bySig.get(sig)!.canonicalPem).toString('base64') })),
    },
  };
  return {
    kind: 'dsse',
    apiVersion: '0.0.1',
    body: Buffer.from(goJson(body)),
    indexKeys: indexKeys([`sha256:${payloadHash}`, `sha256:${envelopeHash}`, ...statementSubjects(env)], [...bySig.values()]),
  };
}

/** `sha256:<hex>` of the subjects of an in-toto statement payload (Rekor indexes them too). */
function statementSubjects(env: Envelope): string[] {
  if (env.payloadType !== 'application/vnd.in-toto+json' || env.payload.length > 1024 * 1024) return [];
  try {
    const st = JSON.parse(env.payload.toString('utf8')) as unknown;
    const subjects = isRecord(st) && Array.isArray(st.subject) ? st.subject.slice(0, 256) : [];
    return subjects.flatMap((s: unknown) => {
      const d = isRecord(s) && isRecord(s.digest) ? s.digest.sha256 : undefined;
      return typeof d === 'string' && /^[0-9a-f]{64}$/.test(d) ? [`sha256:${d}`] : [];
    });
  } catch {
    return [];
  }
}

function intoto(spec: unknown): CanonicalEntry {
  const content = field(spec, 'content', 'spec');
  const envObj = field(content, 'envelope', 'spec.content');
  const payloadType = str(field(envObj, 'payloadType', 'envelope'), 'envelope.payloadType', 1024);
  // v0.0.2 double-encodes: the JSON field is base64 of the DSSE base64 string.
  const payloadB64 = b64(field(envObj, 'payload', 'envelope'), 'envelope.payload', ENTRY_LIMITS.maxPayloadBytes * 2).toString('latin1');
  if (!BASE64.test(payloadB64)) throw new EntryError('envelope.payload does not decode to base64');
  const payload = Buffer.from(payloadB64, 'base64');
  const sigs = field(envObj, 'signatures', 'envelope');
  if (!Array.isArray(sigs) || sigs.length === 0) throw new EntryError('envelope.signatures must be a non-empty array');
  if (sigs.length > ENTRY_LIMITS.maxSignatures) throw new EntryError('envelope has too many signatures');
  const data = pae(payloadType, payload);
  const keys: ParsedKey[] = [];
  const outSigs = sigs.map((s, i) => {
    const what = `envelope.signatures[${i}]`;
    const sigB64 = b64(field(s, 'sig', what), `${what}.sig`, ENTRY_LIMITS.maxSignatureBytes * 2).toString('latin1');
    if (!BASE64.test(sigB64)) throw new EntryError(`${what}.sig does not decode to base64`);
    const keyPem = b64(field(s, 'publicKey', what), `${what}.publicKey`, ENTRY_LIMITS.maxKeyBytes);
    const key = parsePemKey(keyPem, `${what}.publicKey`);
    if (!verifyPae(key.key, data, Buffer.from(sigB64, 'base64'))) throw new EntryError(`${what} does not verify with its public key`);
    keys.push(key);
    const keyid = field(s, 'keyid', what);
    return {
      ...(typeof keyid === 'string' && keyid !== '' ? { keyid } : {}),
      publicKey: Buffer.from(keyPem).toString('base64'),
      sig: Buffer.from(sigB64, 'latin1').toString('base64'),
    };
  });
  const payloadHash = createHash('sha256').update(payload).digest('hex');
  const givenPayloadHash = field(field(content, 'payloadHash', 'spec.content'), 'value', 'spec.content.payloadHash');
  if (givenPayloadHash !== undefined && givenPayloadHash !== payloadHash) throw new EntryError('spec.content.payloadHash does not match the payload');
  const hashObj = field(content, 'hash', 'spec.content');
  const envelopeHash = str(field(hashObj, 'value', 'spec.content.hash'), 'spec.content.hash.value', 64);
  if (!/^[0-9a-f]{64}$/.test(envelopeHash) || field(hashObj, 'algorithm', 'spec.content.hash') !== 'sha256') throw new EntryError('spec.content.hash must be a sha256 hex digest');
  const body = {
    apiVersion: '0.0.2',
    kind: 'intoto',
    spec: {
      content: {
        envelope: { payloadType, signatures: outSigs },
        hash: { algorithm: 'sha256', value: envelopeHash },
        payloadHash: { algorithm: 'sha256', value: payloadHash },
      },
    },
  };
  const env: Envelope = { payloadType, payload, signatures: [] };
  return {
    kind: 'intoto',
    apiVersion: '0.0.2',
    body: Buffer.from(goJson(body)),
    indexKeys: indexKeys([`sha256:${payloadHash}`, `sha256:${envelopeHash}`, ...statementSubjects(env)], keys),
  };
}

/** Check a proposed entry (parsed JSON) and return its canonical body; throws EntryError. */
export function canonicalizeProposedEntry(proposed: unknown): CanonicalEntry {
  if (!isRecord(proposed)) throw new EntryError('the proposed entry must be a JSON object');
  const kind = proposed.kind;
  const apiVersion = proposed.apiVersion;
  if (kind === 'hashedrekord' && apiVersion === '0.0.1') return hashedrekord(proposed.spec);
  if (kind === 'dsse' && apiVersion === '0.0.1') return dsse(proposed.spec);
  if (kind === 'intoto' && apiVersion === '0.0.2') return intoto(proposed.spec);
  throw new EntryError(`unsupported entry kind ${JSON.stringify(kind)} version ${JSON.stringify(apiVersion)} (hashedrekord 0.0.1, dsse 0.0.1, intoto 0.0.2)`);
}

/** Kind and apiVersion of a stored body. */
export function bodyKind(body: Buffer): { kind: string; apiVersion: string } {
  const doc = JSON.parse(body.toString('utf8')) as { kind?: unknown; apiVersion?: unknown };
  return { kind: String(doc.kind), apiVersion: String(doc.apiVersion) };
}
