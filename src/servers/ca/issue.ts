/**
 * Signing certificate requests (Fulcio v2 `CreateSigningCertificateRequest`, fulcio.proto): the
 * public key with its proof of possession, or a PKCS#10 CSR (whose self-signature is the proof),
 * and the short-lived leaf certificate issued for the verified identity.
 */
import { createHash, createPublicKey, randomBytes, sign, verify as verifySignature, type KeyObject } from 'node:crypto';
import { VouchError } from '../../core/index.ts';
import type { Authority } from './authority.ts';
import type { Principal } from './identity.ts';
import { derExtension, derPositiveInteger, derTime, seq, spkiKeyBits, tlv } from './der.ts';
import { x509 } from './x509.ts';

export const DEFAULT_CERT_VALIDITY_MS = 10 * 60_000;
const MAX_PEM_CHARS = 16 * 1024;

/** The subject's public key, proven held, as SPKI DER. */
export interface ProvenKey {
  readonly spki: Buffer;
}

/**
 * Fulcio's `publicKeyRequest`: `publicKey.content` is a PEM SPKI, `proofOfPossession` the base64
 * signature over the challenge (the identity's email or sub): SHA-256 for ECDSA P-256 and RSA
 * (PKCS#1 v1.5 or PSS), SHA-384/SHA-512 also accepted for P-384/P-521, Ed25519 over the bytes.
 */
export function checkPublicKeyRequest(request: unknown, challenge: string): ProvenKey {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) throw bad('publicKeyRequest must be an object');
  const req = request as { publicKey?: { algorithm?: unknown; content?: unknown } | null; proofOfPossession?: unknown };
  const content = req.publicKey?.content;
  if (typeof content !== 'string' || content.length === 0) throw bad('publicKeyRequest.publicKey.content (a PEM public key) is missing');
  if (content.length > MAX_PEM_CHARS) throw bad(`publicKeyRequest.publicKey.content is over ${MAX_PEM_CHARS} characters`);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: content, format: 'pem' });
  } catch {
    throw bad('publicKeyRequest.publicKey.content is not a PEM public key');
  }
  const family = keyFamily(key);
  const algorithm = req.publicKey?.algorithm;
  if (algorithm !== undefined && algorithm !== 'PUBLIC_KEY_ALGORITHM_UNSPECIFIED' && algorithm !== family && !(family === 'RSA_PSS' && algorithm === 'RSA')) {
    throw bad(`publicKey.algorithm ${JSON.stringify(algorithm).slice(0, 40)} does not match the key (${family})`);
  }
  const pop = req.proofOfPossession;
  if (typeof pop !== 'string' || pop.length === 0 || pop.length > 4096 || !/^[A-Za-z0-9+/=_-]+$/.test(pop)) throw bad('publicKeyRequest.proofOfPossession (a base64 signature) is missing or malformed');
  const signature = Buffer.from(pop, 'base64');
  const data = Buffer.from(challenge, 'utf8');
  if (!popVerifies(key, family, data, signature)) {
    throw bad('proof of possession failed: the signature is not over the token subject (email or sub) with this key');
  }
  return { spki: key.export({ type: 'spki', format: 'der' }) };
}

/** Fulcio's `certificateSigningRequest`: base64 of a PEM (or DER) PKCS#10 request, self-signed by the key. */
export async function checkCsr(csrField: unknown): Promise<ProvenKey> {
  if (typeof csrField !== 'string' || csrField.length === 0 || csrField.length > 4 * MAX_PEM_CHARS) throw bad('certificateSigningRequest is missing or too large');
  const decoded = Buffer.from(csrField, 'base64');
  let csr: x509.Pkcs10CertificateRequest;
  try {
    const text = decoded.toString('utf8');
    csr = new x509.Pkcs10CertificateRequest(text.includes('-----BEGIN') ? text : decoded);
  } catch {
    throw bad('certificateSigningRequest is not a PKCS#10 request');
  }
  const spki = Buffer.from(csr.publicKey.rawData);
  keyFamily(createPublicKey({ key: spki, format: 'der', type: 'spki' }));
  let ok: boolean;
  try {
    ok = await csr.verify();
  } catch {
    ok = false;
  }
  if (!ok) throw bad('proof of possession failed: the CSR signature does not verify');
  return { spki };
}

type KeyFamily = 'ECDSA' | 'RSA_PSS' | 'ED25519';

function keyFamily(key: KeyObject): KeyFamily {
  const type = key.asymmetricKeyType;
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1' || curve === 'secp384r1' || curve === 'secp521r1') return 'ECDSA';
    throw bad(`unsupported key type: ECDSA on ${curve ?? 'an unknown curve'} (P-256, P-384, P-521 are accepted)`);
  }
  if (type === 'rsa' || type === 'rsa-pss') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048 || bits > 4096) throw bad(`unsupported key type: RSA ${bits} bits (2048 to 4096 are accepted)`);
    return 'RSA_PSS';
  }
  if (type === 'ed25519') return 'ED25519';
  throw bad(`unsupported key type: ${type ?? 'unknown'} (ECDSA, RSA and Ed25519 are accepted)`);
}

function popVerifies(key: KeyObject, family: KeyFamily, data: Buffer, signature: Buffer): boolean {
  try {
    if (family === 'ED25519') return verifySignature(null, data, key, signature);
    const hashes = family === 'ECDSA' ? ['sha256', 'sha384', 'sha512'] : ['sha256'];
    for (const hash of hashes) {
      if (verifySignature(hash, data, key, signature)) return true;
      if (family === 'RSA_PSS' && key.asymmetricKeyType === 'rsa' && verifySignature(hash, data, { key, padding: 6 /* RSA_PKCS1_PSS_PADDING */ }, signature)) return true;
    }
    return false;
  } catch {
    return false;
  }
}

export interface IssueOptions {
  readonly validityMs?: number;
  readonly now?: Date;
}

// Extensions every leaf carries, encoded once (by x509).
const LEAF_CONSTANT_EXTENSIONS = [
  new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
  new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.codeSigning]),
  new x509.BasicConstraintsExtension(false, undefined, true),
].map((e) => Buffer.from(e.rawData));
const VERSION_3 = Buffer.from([0xa0, 0x03, 0x02, 0x01, 0x02]);
const EMPTY_NAME = seq();

/**
 * The leaf (RFC 5280 §4.1): empty subject, the identity in a critical SAN (§4.2.1.6: critical
 * when the subject is empty), digitalSignature, the code-signing EKU, not a CA, the subject and
 * authority key ids, and the Sigstore extensions. Encoded directly (der.ts says why).
 */
export function issueLeaf(authority: Authority, key: ProvenKey, principal: Principal, options: IssueOptions = {}): string {
  const signer = authority.leaf;
  // DER times carry whole seconds.
  const notBefore = new Date(Math.floor((options.now ?? new Date()).getTime() / 1000) * 1000);
  const notAfter = new Date(notBefore.getTime() + (options.validityMs ?? DEFAULT_CERT_VALIDITY_MS));
  // §4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits.
  const ski = createHash('sha1').update(spkiKeyBits(key.spki)).digest();
  // GeneralName (§4.2.1.6): rfc822Name [1] or uniformResourceIdentifier [6], IA5String implicitly tagged.
  const san = tlv(principal.san.type === 'email' ? 0x81 : 0x86, Buffer.from(principal.san.value, 'latin1'));
  const extensions = [
    ...LEAF_CONSTANT_EXTENSIONS,
    derExtension('2.5.29.14', false, tlv(0x04, ski)),
    signer.authorityKeyIdDer,
    derExtension('2.5.29.17', true, seq(san)),
    ...principal.extensions.map((e) => derExtension(e.oid, false, e.value)),
  ];
  const serialBytes = randomBytes(20);
  serialBytes[0] = (serialBytes[0]! & 0x7f) | 0x01;
  const tbs = seq(
    VERSION_3,
    derPositiveInteger(serialBytes),
    signer.algorithmDer,
    signer.issuerNameDer,
    seq(derTime(notBefore), derTime(notAfter)),
    EMPTY_NAME,
    key.spki,
    tlv(0xa3, seq(...extensions)),
  );
  const signature = sign(signer.hash, tbs, signer.key);
  const der = seq(tbs, signer.algorithmDer, tlv(0x03, Buffer.from([0]), signature));
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;
}

function bad(message: string): VouchError {
  return new VouchError('CA_BAD_REQUEST', message);
}
