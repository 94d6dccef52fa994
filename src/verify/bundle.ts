/**
 * `verifyBundle`: check a Sigstore bundle (v0.1–v0.3) or a bare DSSE envelope against an artifact
 * (or only its SHA-256), a key or a certificate identity, and trust material. The cryptographic
 * steps (certificate chain, SCTs, timestamps, tlog inclusion proof/promise, checkpoint, signature)
 * are @sigstore/verify's `Verifier`; this file adds what it leaves to callers: the artifact digest
 * against the bundle, digest-only verification, exact identity matching, and Vouch's error codes.
 */
import { createHash, constants, publicDecrypt, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import type { Bundle } from '@sigstore/bundle';
import { HashAlgorithm } from '@sigstore/protobuf-specs';
import { toSignedEntity, Verifier, type SignedEntity, type Signer, type TrustMaterial } from '@sigstore/verify';
import { VouchError, type ErrorCode } from '../core/index.ts';
import {
  IN_TOTO_PAYLOAD_TYPE,
  isDsseEnvelope,
  keyAlgorithm,
  parseBundle,
  parseDsseEnvelope,
  parseJsonInput,
  parsePublicKey,
  parseStatement,
  preAuthEncoding,
  publicKeyPem,
  samePublicKey,
  statementHasSha256,
  toPem,
  type Statement,
} from '../formats/sigstore/index.ts';
import { checkLeaf, identityOf } from './certificate.ts';
import { assertIdentityPolicy, checkIdentity, type IdentityPolicy } from './identity.ts';
import { emptyTrustedRoot, loadDefaultTrustedRoot, parseTrustedRoot, trustMaterialFor, type DefaultRootOptions } from './trust.ts';

export interface VerifyBundleOptions extends DefaultRootOptions {
  /** The artifact's bytes, or */
  readonly artifact?: Uint8Array;
  /** only its digest (hex, with or without `sha256:`). */
  readonly digest?: { readonly sha256: string };
  /** The signer's public key (PEM or DER): for key-based bundles (cosign `--key`). */
  readonly key?: string | Uint8Array;
  /** Who must have signed (certificate bundles). */
  readonly identity?: IdentityPolicy;
  /** `trusted_root.json` (parsed object, text or bytes); default: the public Sigstore root via TUF. */
  readonly trustedRoot?: unknown;
  /** Key-based bundles: require a verified transparency-log entry (certificate bundles always do). */
  readonly requireTlog?: boolean;
}

export interface VerifiedTlogEntry {
  readonly logIndex: string;
  readonly logId: string;
  readonly kind: string;
  readonly integratedTime?: Date;
}

export type VerifiedSigner =
  | { readonly kind: 'key'; readonly publicKeyPem: string }
  | { readonly kind: 'certificate'; readonly subjectAlternativeName?: string; readonly issuer?: string; readonly certificatePem: string; readonly publicKeyPem: string };

export interface VerifiedBundle {
  /** The bundle's media type, or `dsse-envelope` for a bare envelope. */
  readonly mediaType: string;
  readonly content: 'messageSignature' | 'dsse';
  readonly signer: VerifiedSigner;
  /** Message signatures: the signed artifact digest. */
  readonly messageDigest?: { readonly algorithm: string; readonly hex: string };
  readonly payloadType?: string;
  readonly payload?: Uint8Array;
  /** DSSE with an in-toto payload: the statement (read only after the signature verified). */
  readonly statement?: Statement;
  readonly tlogEntries: readonly VerifiedTlogEntry[];
}

/** @sigstore/verify error codes → Vouch's (see docs/errors.md). */
const SIGSTORE_CODES: Readonly<Record<string, ErrorCode>> = {
  SIGNATURE_ERROR: 'VERIFY_SIGNATURE',
  CERTIFICATE_ERROR: 'VERIFY_CHAIN',
  UNTRUSTED_SIGNER_ERROR: 'VERIFY_CHAIN',
  PUBLIC_KEY_ERROR: 'VERIFY_KEY',
  TIMESTAMP_ERROR: 'VERIFY_TIME',
  TLOG_INCLUSION_PROMISE_ERROR: 'VERIFY_SET',
  TLOG_INCLUSION_PROOF_ERROR: 'VERIFY_TLOG',
  TLOG_MISSING_INCLUSION_ERROR: 'VERIFY_TLOG',
  TLOG_BODY_ERROR: 'VERIFY_TLOG',
  TLOG_ERROR: 'VERIFY_TLOG',
};

const REASON: Partial<Record<ErrorCode, string>> = {
  VERIFY_SIGNATURE: 'signature',
  VERIFY_CHAIN: 'certificate chain',
  VERIFY_KEY: 'key',
  VERIFY_TIME: 'time',
  VERIFY_SET: 'SET (inclusion promise)',
  VERIFY_TLOG: 'tlog proof',
  VERIFY_DIGEST: 'digest',
  BUNDLE_INVALID: 'malformed',
};

function mapSigstoreError(err: unknown): VouchError {
  if (err instanceof VouchError) return err as VouchError;
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? SIGSTORE_CODES[e.code] : undefined;
  const msg = typeof e.message === 'string' ? e.message : String(err);
  if (code) return new VouchError(code, `verification failed (${REASON[code] ?? code}): ${msg}`, { cause: err });
  return new VouchError('BUNDLE_INVALID', `verification failed (malformed): ${msg}`, { cause: err });
}

function fail(code: ErrorCode, msg: string): VouchError {
  return new VouchError(code, `verification failed (${REASON[code] ?? code}): ${msg}`);
}

function sha256Hex(opt: VerifyBundleOptions): string | undefined {
  if (opt.artifact !== undefined) return createHash('sha256').update(opt.artifact).digest('hex');
  if (opt.digest !== undefined) {
    const hex = opt.digest.sha256.replace(/^sha256:/, '').toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(hex)) throw new VouchError('USAGE', `not a sha256 digest: ${opt.digest.sha256}`);
    return hex;
  }
  return undefined;
}

interface LoadedKey {
  readonly pem: string;
  readonly object: KeyObject;
  readonly normalizedPem: string;
}
const publicKeys = new Map<string, LoadedKey>();
function loadKey(key: string | Uint8Array): LoadedKey {
  const text = typeof key === 'string' ? key : Buffer.from(key).toString('latin1');
  let loaded = publicKeys.get(text);
  if (!loaded) {
    const object = parsePublicKey(key);
    loaded = { pem: text, object, normalizedPem: publicKeyPem(object) };
    if (publicKeys.size > 64) publicKeys.clear();
    publicKeys.set(text, loaded);
  }
  return loaded;
}

/** Artifacts above this size are verified against the digest already computed (see verifySignature). */
const PREHASH_ABOVE_BYTES = 1024 * 1024;

const NOBLE = { 'ecdsa-p256': p256, 'ecdsa-p384': p384, 'ecdsa-p521': p521 } as const;
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/**
 * Verify a signature over a SHA-256 digest alone. node:crypto has no prehashed ECDSA verify, so
 * ECDSA goes through @noble/curves (prehash: false, high-S accepted as Go and OpenSSL do); RSA
 * PKCS#1 v1.5 is checked by recovering the DigestInfo. Ed25519 signs the message itself.
 */
export function verifyPrehashed(key: KeyObject, sha256: Uint8Array, signature: Uint8Array): boolean {
  const alg = keyAlgorithm(key);
  if (alg === 'ed25519') throw new VouchError('VERIFY_UNSUPPORTED', 'an Ed25519 signature covers the whole message: give the file, not only its digest');
  if (alg === 'rsa') {
    try {
      const rec = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
      return rec.equals(Buffer.concat([SHA256_DIGEST_INFO, sha256]));
    } catch {
      return false;
    }
  }
  const jwk = key.export({ format: 'jwk' });
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x ?? '', 'base64url'), Buffer.from(jwk.y ?? '', 'base64url')]);
  try {
    return NOBLE[alg].verify(signature, sha256, point, { prehash: false, lowS: false, format: 'der' });
  } catch {
    return false;
  }
}

/**
 * The inclusion proof's own rootHash and treeSize must be the checkpoint's (the C2SP signed note
 * body: origin, size, base64 root hash). sigstore-js checks the computed root against the signed
 * checkpoint only, so a bundle whose proof fields disagree with it would pass unnoticed.
 */
function checkProofConsistency(b: Bundle): void {
  for (const e of b.verificationMaterial.tlogEntries) {
    const p = e.inclusionProof;
    if (!p?.checkpoint) continue;
    const lines = p.checkpoint.envelope.split('\n');
    const size = lines[1];
    const hash = lines[2];
    if (size === undefined || hash === undefined) continue; // malformed: @sigstore/verify reports it
    if (size !== String(p.treeSize) || Buffer.from(hash, 'base64').compare(Buffer.from(p.rootHash)) !== 0) {
      throw fail('VERIFY_TLOG', 'the inclusion proof\'s root hash or tree size is not the checkpoint\'s');
    }
  }
}

function hashName(a: HashAlgorithm): 'sha256' | 'sha384' | 'sha512' {
  return a === HashAlgorithm.SHA2_384 ? 'sha384' : a === HashAlgorithm.SHA2_512 ? 'sha512' : 'sha256';
}

/** Verify a bundle (or a bare DSSE envelope). Throws a VouchError naming the reason. */
export async function verifyBundle(bundle: unknown, options: VerifyBundleOptions = {}): Promise<VerifiedBundle> {
  const value = typeof bundle === 'string' || bundle instanceof Uint8Array ? parseJsonInput(bundle, 'the bundle') : bundle;
  const wantSha256 = sha256Hex(options);
  const key = options.key !== undefined ? loadKey(options.key) : undefined;
  if (isDsseEnvelope(value) && (value as { mediaType?: unknown }).mediaType === undefined) return verifyEnvelope(value, key, wantSha256);

  const b = parseBundle(value);
  const material = b.verificationMaterial.content.$case;
  const hasLogOrTime = b.verificationMaterial.tlogEntries.length > 0 || (b.verificationMaterial.timestampVerificationData?.rfc3161Timestamps.length ?? 0) > 0;
  const keyBased = material === 'publicKey' || key !== undefined;
  if (material === 'publicKey' && !key) throw fail('VERIFY_KEY', 'the bundle was signed with a key: pass the public key (--key)');
  if (!keyBased) assertIdentityPolicy(options.identity ?? {});

  // Message signatures: the artifact must be the one signed (checked first for a clear error).
  if (b.content.$case === 'messageSignature') {
    const md = b.content.messageSignature.messageDigest;
    if (wantSha256 === undefined) throw new VouchError('USAGE', 'verifying a message signature needs the artifact or its digest');
    if (options.artifact === undefined && md.algorithm !== HashAlgorithm.SHA2_256 && md.algorithm !== HashAlgorithm.HASH_ALGORITHM_UNSPECIFIED) {
      throw new VouchError('VERIFY_UNSUPPORTED', 'the bundle signs a non-SHA-256 digest: give the file, not its sha256');
    }
    const alg = hashName(md.algorithm);
    const got = options.artifact !== undefined && alg !== 'sha256' ? createHash(alg).update(options.artifact).digest('hex') : wantSha256;
    if (Buffer.from(md.digest).toString('hex') !== got) throw fail('VERIFY_DIGEST', `the artifact's ${alg} ${got} is not the digest in the bundle`);
  }

  checkProofConsistency(b);

  let root;
  if (options.trustedRoot !== undefined) root = parseTrustedRoot(options.trustedRoot);
  else if (!keyBased || hasLogOrTime || options.requireTlog === true) root = await loadDefaultTrustedRoot(options);
  else root = emptyTrustedRoot();
  const tm = trustMaterialFor(root, keyBased ? key : undefined);

  let entity: SignedEntity;
  try {
    entity = toSignedEntity(b, options.artifact === undefined ? undefined : Buffer.from(options.artifact.buffer, options.artifact.byteOffset, options.artifact.byteLength));
  } catch (err) {
    throw new VouchError('BUNDLE_INVALID', `malformed bundle: ${(err as Error).message}`, { cause: err });
  }
  let certificatePem: string | undefined;
  let verifierTm: TrustMaterial = tm;
  let certIdentity: { subjectAlternativeName?: string; issuer?: string } | undefined;
  let leafKeyPem: string | undefined;
  if (entity.key.$case === 'certificate') {
    const leaf = entity.key.certificate;
    const vm = b.verificationMaterial.content;
    const leafDer = vm.$case === 'certificate' ? vm.certificate.rawBytes : vm.$case === 'x509CertificateChain' ? (vm.x509CertificateChain.certificates[0]?.rawBytes ?? Buffer.alloc(0)) : Buffer.alloc(0);
    certificatePem = toPem('CERTIFICATE', leafDer);
    leafKeyPem = toPem('PUBLIC KEY', leaf.publicKey);
    if (key) {
      // cosign `--key` with a certificate bundle: the certificate must carry that key; its chain is not used.
      if (!samePublicKey(parsePublicKey(leaf.publicKey), key.object)) throw fail('VERIFY_KEY', 'the bundle\'s certificate is not for the given key');
    } else {
      // The chain and SCTs are checked here (CA chains verified once per root); the Verifier then
      // checks timestamps, log entries and the signature against the leaf's key, valid only at
      // times when the whole path is.
      // A trust root that lists no CT log (a private Vouch deployment: docs/trust-root.md) cannot check SCTs: none are required then.
      const checked = checkLeaf(leaf, leafDer, tm, root.ctlogs.length === 0 ? 0 : 1);
      certIdentity = identityOf(leaf);
      verifierTm = { ...tm, publicKey: () => ({ publicKey: checked.publicKey, validFor: checked.validFor }) };
    }
    entity = { ...entity, key: { $case: 'public-key', hint: '' } };
  }
  if (b.content.$case === 'messageSignature') {
    // Our own signature check for message signatures: over the digest alone when there is no file
    // (prehashed), and Ed25519 over the file (sigstore-js passes a hash name, which Ed25519 refuses).
    const sig = entity.signature;
    const artifact = options.artifact;
    const alg = hashName(b.content.messageSignature.messageDigest.algorithm);
    const digest = Buffer.from(wantSha256 ?? '', 'hex');
    const verifySignature = (k: KeyObject): boolean => {
      // No file, or a large one whose SHA-256 is already known: check the signature over the digest
      // (ECDSA/RSA) rather than hash the file a second time inside the verification.
      if (artifact === undefined || (artifact.length > PREHASH_ABOVE_BYTES && alg === 'sha256' && k.asymmetricKeyType !== 'ed25519')) return verifyPrehashed(k, digest, sig.signature);
      try {
        return nodeVerify(k.asymmetricKeyType === 'ed25519' ? null : alg, artifact, k, sig.signature);
      } catch {
        return false;
      }
    };
    entity = { ...entity, signature: { signature: sig.signature, compareSignature: (s) => sig.compareSignature(s), compareDigest: (d) => sig.compareDigest(d), compareSignedDigest: (d) => sig.compareSignedDigest(d), verifySignature } };
  }

  // SCTs were checked with the chain (checkLeaf): the Verifier sees a key, so no ctlog threshold here.
  const verifier = new Verifier(verifierTm, keyBased
    ? { tlogThreshold: options.requireTlog === true ? 1 : 0, ctlogThreshold: 0, timestampThreshold: 0 }
    : { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 });
  let signer: Signer;
  try {
    signer = verifier.verify(entity);
  } catch (err) {
    if (!keyBased && (err as { code?: unknown }).code === 'PUBLIC_KEY_ERROR') {
      throw new VouchError('VERIFY_CHAIN', `verification failed (certificate chain): the certificate path is not valid at the signing time: ${(err as Error).message}`, { cause: err });
    }
    throw mapSigstoreError(err);
  }

  let verifiedSigner: VerifiedSigner;
  if (keyBased) {
    verifiedSigner = { kind: 'key', publicKeyPem: key?.normalizedPem ?? publicKeyPem(signer.key) };
  } else {
    const san = certIdentity?.subjectAlternativeName;
    const issuer = certIdentity?.issuer;
    checkIdentity(options.identity ?? {}, san, issuer);
    verifiedSigner = { kind: 'certificate', ...(san ? { subjectAlternativeName: san } : {}), ...(issuer ? { issuer } : {}), certificatePem: certificatePem ?? '', publicKeyPem: leafKeyPem ?? publicKeyPem(signer.key) };
  }

  const tlogEntries = b.verificationMaterial.tlogEntries.map((e): VerifiedTlogEntry => {
    const t = Number(e.integratedTime);
    return { logIndex: e.logIndex, logId: Buffer.from(e.logId?.keyId ?? new Uint8Array()).toString('base64'), kind: e.kindVersion?.kind ?? '', ...(t > 0 ? { integratedTime: new Date(t * 1000) } : {}) };
  });
  const base = { mediaType: b.mediaType, signer: verifiedSigner, tlogEntries };
  if (b.content.$case === 'messageSignature') {
    const md = b.content.messageSignature.messageDigest;
    return { ...base, content: 'messageSignature', messageDigest: { algorithm: hashName(md.algorithm), hex: Buffer.from(md.digest).toString('hex') } };
  }
  return { ...base, content: 'dsse', ...dssePayload(b, wantSha256) };
}

/** After the signature verified: the payload, its statement, and the artifact digest among its subjects. */
function dssePayload(b: Bundle, wantSha256: string | undefined): { payloadType: string; payload: Uint8Array; statement?: Statement } {
  if (b.content.$case !== 'dsseEnvelope') throw new VouchError('INTERNAL', 'not a DSSE bundle');
  const env = b.content.dsseEnvelope;
  return payloadOf(env.payloadType, env.payload, wantSha256);
}

function payloadOf(payloadType: string, payload: Buffer, wantSha256: string | undefined): { payloadType: string; payload: Uint8Array; statement?: Statement } {
  if (payloadType === IN_TOTO_PAYLOAD_TYPE) {
    const statement = parseStatement(payload);
    if (wantSha256 !== undefined && !statementHasSha256(statement, wantSha256)) {
      throw fail('VERIFY_DIGEST', `the artifact's sha256 ${wantSha256} is not a subject of the in-toto statement`);
    }
    return { payloadType, payload, statement };
  }
  if (wantSha256 !== undefined && createHash('sha256').update(payload).digest('hex') !== wantSha256) {
    throw fail('VERIFY_DIGEST', `the artifact's sha256 ${wantSha256} is not the DSSE payload's`);
  }
  return { payloadType, payload };
}

/** A bare DSSE envelope (cosign's legacy `.att`): key only, no log; one verifying signature suffices. */
function verifyEnvelope(value: unknown, key: LoadedKey | undefined, wantSha256: string | undefined): VerifiedBundle {
  const env = parseDsseEnvelope(value);
  if (!key) throw fail('VERIFY_KEY', 'a bare DSSE envelope carries no certificate: pass the public key (--key)');
  const payload = Buffer.from(env.payload, 'base64');
  const pae = preAuthEncoding(env.payloadType, payload);
  const hash = keyAlgorithm(key.object) === 'ed25519' ? null : 'sha256';
  const ok = env.signatures.some((s) => {
    try {
      return nodeVerify(hash, pae, key.object, Buffer.from(s.sig, 'base64'));
    } catch {
      return false;
    }
  });
  if (!ok) throw fail('VERIFY_SIGNATURE', 'no envelope signature verifies with the key (key and signature don\'t match)');
  return { mediaType: 'dsse-envelope', content: 'dsse', signer: { kind: 'key', publicKeyPem: key.normalizedPem }, tlogEntries: [], ...payloadOf(env.payloadType, payload, wantSha256) };
}
