/**
 * Signing into Sigstore bundles v0.3 (`application/vnd.dev.sigstore.bundle.v0.3+json`), after
 * sigstore-js's split (packages/sign/src): one signer (a `SigningKey`, optionally with a
 * `CertificateProvider` for keyless) plus witnesses (transparency log, timestamp authority) that
 * add verification material. Bundles are built in their JSON form (`SerializedBundle`).
 */
import { createHash, X509Certificate } from 'node:crypto';
import { VouchError } from '../core/index.ts';
import {
  BUNDLE_V03_MEDIA_TYPE,
  preAuthEncoding,
  publicKeyHint,
  readPem,
  type BundleJson,
  type DsseEnvelope,
  type Rfc3161TimestampJson,
  type TlogEntryJson,
} from '../formats/sigstore/index.ts';
import type { SigningKey } from './keys.ts';

/**
 * Keyless seam: given the key about to sign, return its certificate chain (leaf first, PEM or DER).
 * The CA integration (Fulcio-compatible) implements it with an identity token; the key signs the
 * proof of possession through `key.sign`.
 */
export type CertificateProvider = (key: SigningKey) => Promise<readonly (string | Uint8Array)[]>;

/** What a witness sees: the signature and what verifies it (Rekor needs exactly this for an entry). */
export type SignedContent =
  | { readonly kind: 'messageSignature'; readonly sha256: Uint8Array; readonly signature: Uint8Array; readonly publicKeyPem: string; readonly certificatePem?: string }
  | { readonly kind: 'dsse'; readonly envelope: DsseEnvelope; readonly signature: Uint8Array; readonly publicKeyPem: string; readonly certificatePem?: string };

type SerializedVerificationMaterial = BundleJson['verificationMaterial'];
type KeyMaterial = Pick<SerializedVerificationMaterial, 'publicKey' | 'certificate'>;

/** A witness countersigns or logs the signature: a transparency log or a timestamp authority. */
export interface Witness {
  testify(content: SignedContent): Promise<{ tlogEntries?: readonly TlogEntryJson[]; rfc3161Timestamps?: readonly Rfc3161TimestampJson[] }>;
}

export interface SignBundleOptions {
  readonly key: SigningKey;
  /** Keyless: a certificate for `key` (the bundle then carries the leaf certificate, not a key hint). */
  readonly certificateProvider?: CertificateProvider;
  readonly witnesses?: readonly Witness[];
}

export interface MessageSignatureRequest extends SignBundleOptions {
  /** The artifact bytes (needed for Ed25519), or */
  readonly artifact?: Uint8Array;
  /** its SHA-256 digest: hex, `sha256:<hex>`, or raw bytes. */
  readonly digest?: string | Uint8Array;
}

export interface DsseRequest extends SignBundleOptions {
  readonly payload: Uint8Array;
  readonly payloadType: string;
}

function toDer(cert: string | Uint8Array): Buffer {
  if (typeof cert !== 'string') return Buffer.from(cert);
  const pem = readPem(cert);
  if (!pem || pem.type !== 'CERTIFICATE') throw new VouchError('SIGN_FAILED', 'the certificate provider returned something that is not a PEM certificate');
  return pem.der;
}

function digestBytes(d: string | Uint8Array): Buffer {
  if (typeof d !== 'string') {
    if (d.length !== 32) throw new VouchError('USAGE', 'a SHA-256 digest is 32 bytes');
    return Buffer.from(d);
  }
  const hex = d.startsWith('sha256:') ? d.slice(7) : d;
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new VouchError('USAGE', `not a sha256 digest: ${d}`);
  return Buffer.from(hex, 'hex');
}

async function material(key: SigningKey, provider: CertificateProvider | undefined): Promise<{ vm: KeyMaterial; certificatePem?: string }> {
  if (!provider) return { vm: { publicKey: { hint: publicKeyHint(key.publicKey) } } };
  let chain: readonly (string | Uint8Array)[];
  try {
    chain = await provider(key);
  } catch (err) {
    if (err instanceof VouchError) throw err;
    throw new VouchError('SIGN_FAILED', `the certificate provider failed: ${(err as Error).message}`, { cause: err });
  }
  const leaf = chain[0];
  if (leaf === undefined) throw new VouchError('SIGN_FAILED', 'the certificate provider returned no certificate');
  const der = toDer(leaf);
  const cert = new X509Certificate(der);
  if (!cert.publicKey.equals(key.publicKey)) throw new VouchError('SIGN_FAILED', 'the certificate is not for the signing key');
  // Bundle v0.3 carries the leaf only (protobuf-specs sigstore_bundle.proto, VerificationMaterial.certificate).
  return { vm: { certificate: { rawBytes: der.toString('base64') } }, certificatePem: cert.toString() };
}

async function witness(witnesses: readonly Witness[] | undefined, content: SignedContent, vm: KeyMaterial): Promise<SerializedVerificationMaterial> {
  const tlogEntries: TlogEntryJson[] = [];
  const rfc3161Timestamps: Rfc3161TimestampJson[] = [];
  // Witnesses are independent (sigstore-js runs them in parallel too).
  const results = await Promise.all((witnesses ?? []).map((w) => w.testify(content)));
  for (const r of results) {
    tlogEntries.push(...(r.tlogEntries ?? []));
    rfc3161Timestamps.push(...(r.rfc3161Timestamps ?? []));
  }
  return { ...vm, tlogEntries, timestampVerificationData: { rfc3161Timestamps } };
}

/** Sign an artifact (or its SHA-256) into a message-signature bundle (cosign `sign-blob --bundle`). */
export async function signMessageBundle(req: MessageSignatureRequest): Promise<BundleJson> {
  const { key } = req;
  const sha256 = req.digest !== undefined ? digestBytes(req.digest) : req.artifact !== undefined ? createHash('sha256').update(req.artifact).digest() : undefined;
  if (!sha256) throw new VouchError('USAGE', 'signMessageBundle needs the artifact or its digest');
  if (req.artifact !== undefined && req.digest !== undefined && !createHash('sha256').update(req.artifact).digest().equals(sha256)) {
    throw new VouchError('USAGE', 'the digest given is not the artifact\'s');
  }
  const { vm, certificatePem } = await material(key, req.certificateProvider);
  let signature: Uint8Array;
  try {
    if (req.artifact !== undefined) signature = await key.sign(req.artifact);
    else if (key.signDigest) signature = await key.signDigest(sha256);
    else throw new VouchError('SIGN_FAILED', `${key.algorithm} keys sign the message itself: give the file, not only its digest`);
  } catch (err) {
    if (err instanceof VouchError) throw err;
    throw new VouchError('SIGN_FAILED', `signing failed: ${(err as Error).message}`, { cause: err });
  }
  const content: SignedContent = { kind: 'messageSignature', sha256, signature, publicKeyPem: key.publicKeyPem, ...(certificatePem ? { certificatePem } : {}) };
  return {
    mediaType: BUNDLE_V03_MEDIA_TYPE,
    verificationMaterial: await witness(req.witnesses, content, vm),
    messageSignature: {
      messageDigest: { algorithm: 'SHA2_256', digest: sha256.toString('base64') },
      signature: Buffer.from(signature).toString('base64'),
    },
  };
}

/** Sign a payload into a DSSE bundle (cosign `attest-blob --bundle`): the signature is over PAE(payloadType, payload). */
export async function signDsseBundle(req: DsseRequest): Promise<BundleJson> {
  const { key } = req;
  const { vm, certificatePem } = await material(key, req.certificateProvider);
  let signature: Uint8Array;
  try {
    signature = await key.sign(preAuthEncoding(req.payloadType, req.payload));
  } catch (err) {
    throw new VouchError('SIGN_FAILED', `signing failed: ${(err as Error).message}`, { cause: err });
  }
  const envelope: DsseEnvelope = {
    payload: Buffer.from(req.payload).toString('base64'),
    payloadType: req.payloadType,
    signatures: [{ sig: Buffer.from(signature).toString('base64'), keyid: '' }],
  };
  const content: SignedContent = { kind: 'dsse', envelope, signature, publicKeyPem: key.publicKeyPem, ...(certificatePem ? { certificatePem } : {}) };
  return {
    mediaType: BUNDLE_V03_MEDIA_TYPE,
    verificationMaterial: await witness(req.witnesses, content, vm),
    dsseEnvelope: { payload: envelope.payload, payloadType: envelope.payloadType, signatures: [{ sig: envelope.signatures[0]?.sig ?? '', keyid: '' }] },
  };
}
