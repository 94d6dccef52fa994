/**
 * Signing and attesting container images in a registry, stored as cosign stores them
 * (layout.ts): always against the manifest digest, never a tag — a tag is resolved (and the
 * bytes behind it checked) first, and the digest is what gets signed and reported.
 *
 * The cryptography is injected (house rule 5): `ImageSigner.signDsse` makes a Sigstore bundle
 * over a DSSE envelope (the referrers layout, and the envelope of a legacy `.att` layer);
 * `signRaw` a bare signature over the simple-signing payload of a legacy `.sig` layer. The CLI
 * wires both to the sign area's key handling.
 */
import { VouchError, computeDigest } from '../../core/index.ts';
import { type RegistryClient } from '../../clients/index.ts';
import {
  type ImageReference,
  OCI_EMPTY,
  OCI_EMPTY_DIGEST,
  OCI_EMPTY_SIZE,
  OCI_IMAGE_CONFIG,
  OCI_IMAGE_MANIFEST,
  parseImageManifest,
  parseJsonDocument,
  parseManifestDocument,
} from '../../formats/oci/index.ts';
import {
  BUNDLE_CONTENT_ANNOTATION,
  BUNDLE_MEDIA_TYPE,
  BUNDLE_PREDICATE_TYPE_ANNOTATION,
  COSIGN_SIGN_PREDICATE_TYPE,
  CREATED_ANNOTATION,
  DSSE_MEDIA_TYPE,
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_V1,
  type ImageLayout,
  LEGACY_PREDICATE_TYPE_ANNOTATION,
  SIGNATURE_ANNOTATION,
  SIMPLE_SIGNING_MEDIA_TYPE,
  SIMPLE_SIGNING_TYPE,
  TITLE_ANNOTATION,
  legacyTag,
} from './layout.ts';

export * from './layout.ts';

/** What a Sigstore bundle over a DSSE envelope must carry for us to store it. */
export interface DsseBundleJson {
  readonly mediaType?: string;
  readonly dsseEnvelope: {
    readonly payload: string;
    readonly payloadType: string;
    readonly signatures: readonly { readonly sig: string; readonly keyid?: string }[];
  };
  readonly [key: string]: unknown;
}

export interface ImageSigner {
  /** A signature over `data` itself (legacy `.sig` layers). */
  signRaw(data: Buffer): Promise<Buffer>;
  /** A Sigstore bundle v0.3 over the DSSE envelope of `payload`. */
  signDsse(payload: Buffer, payloadType: string): Promise<DsseBundleJson>;
}

export interface ResolvedImage {
  /** `registry/repository` (no tag, no digest). */
  readonly name: string;
  readonly repository: string;
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
}

/**
 * The manifest digest a reference names: a digest reference as is (its manifest must exist), a
 * tag through the registry (the bytes served are hashed: the digest is ours, not a header's).
 */
export async function resolveImage(client: RegistryClient, reference: ImageReference): Promise<ResolvedImage> {
  const got = await client.getManifest(reference.path, reference.identifier);
  // The kind decides the subject descriptor's media type; a document that is neither is refused.
  const doc = parseManifestDocument(parseJsonDocument(got.bytes, `manifest of ${reference.toString()}`), got.mediaType === '' ? undefined : got.mediaType);
  return { name: reference.name, repository: reference.path, digest: got.digest, mediaType: doc.mediaType, size: got.bytes.byteLength };
}

export interface StoredSignature {
  readonly layout: 'referrers' | 'legacy';
  /** The artifact manifest written (referrers) or the `.sig`/`.att` manifest after the append. */
  readonly manifest: string;
  /** Legacy: the tag; referrers: how it is found (`referrers-api` or the `sha256-<hex>` tag). */
  readonly tag?: string;
  readonly via?: 'referrers-api' | 'referrers-tag';
  /** Legacy: false when the same signature was already there. */
  readonly appended?: boolean;
}

export interface ImageSignResult {
  readonly image: string;
  readonly digest: string;
  readonly stored: readonly StoredSignature[];
}

export interface SignImageOptions {
  readonly client: RegistryClient;
  readonly image: ResolvedImage;
  readonly signer: ImageSigner;
  readonly layout: ImageLayout;
  /** `-a k=v`: in the simple-signing `optional` and the statement subject's annotations. */
  readonly annotations?: Readonly<Record<string, string>>;
  readonly now?: () => Date;
}

/** cosign's simple-signing payload (SIGNATURE_SPEC.md "Simple Signing"). */
export function simpleSigningPayload(name: string, digest: string, annotations: Readonly<Record<string, string>>): Buffer {
  const doc = {
    critical: { identity: { 'docker-reference': name }, image: { 'docker-manifest-digest': digest }, type: SIMPLE_SIGNING_TYPE },
    optional: Object.keys(annotations).length === 0 ? null : annotations,
  };
  return Buffer.from(JSON.stringify(doc));
}

/** An in-toto Statement v1 about the image digest (`name` omitted, as cosign's sign does). */
export function imageStatement(image: ResolvedImage, predicateType: string, predicate: unknown, options: { readonly name?: boolean; readonly annotations?: Readonly<Record<string, string>> } = {}): Buffer {
  const [alg, hex] = image.digest.split(':') as [string, string];
  const subject = {
    ...(options.name === true && { name: image.name }),
    digest: { [alg]: hex },
    ...(options.annotations !== undefined && Object.keys(options.annotations).length > 0 && { annotations: options.annotations }),
  };
  return Buffer.from(JSON.stringify({ _type: IN_TOTO_STATEMENT_V1, subject: [subject], predicateType, predicate }));
}

/** Sign the image: a `cosign/sign/v1` statement as a referrer bundle, and/or a legacy `.sig` layer. */
export async function signImage(options: SignImageOptions): Promise<ImageSignResult> {
  const { client, image, signer } = options;
  const annotations = options.annotations ?? {};
  const stored: StoredSignature[] = [];
  if (options.layout !== 'legacy') {
    const statement = imageStatement(image, COSIGN_SIGN_PREDICATE_TYPE, {}, { annotations });
    const bundle = await signer.signDsse(statement, IN_TOTO_PAYLOAD_TYPE);
    stored.push(await pushBundle(client, image, bundle, COSIGN_SIGN_PREDICATE_TYPE, options.now ?? (() => new Date())));
  }
  if (options.layout !== 'referrers') {
    const payload = simpleSigningPayload(image.name, image.digest, annotations);
    const signature = await signer.signRaw(payload);
    stored.push(await appendLegacyLayer(client, image, 'sig', payload, SIMPLE_SIGNING_MEDIA_TYPE, { [SIGNATURE_ANNOTATION]: signature.toString('base64') }));
  }
  return { image: image.name, digest: image.digest, stored };
}

export interface AttestImageOptions extends Omit<SignImageOptions, 'annotations'> {
  readonly predicateType: string;
  readonly predicate: unknown;
}

/** Attest: an in-toto Statement v1 in DSSE, as a referrer bundle and/or a legacy `.att` layer. */
export async function attestImage(options: AttestImageOptions): Promise<ImageSignResult & { readonly statement: unknown }> {
  const { client, image, signer } = options;
  const statement = imageStatement(image, options.predicateType, options.predicate, { name: true });
  const bundle = await signer.signDsse(statement, IN_TOTO_PAYLOAD_TYPE);
  const stored: StoredSignature[] = [];
  if (options.layout !== 'legacy') stored.push(await pushBundle(client, image, bundle, options.predicateType, options.now ?? (() => new Date())));
  if (options.layout !== 'referrers') {
    const env = bundle.dsseEnvelope;
    // cosign's `.att` layer: the envelope alone, `{payloadType, payload, signatures}`.
    const envelope = Buffer.from(JSON.stringify({ payloadType: env.payloadType, payload: env.payload, signatures: env.signatures.map((s) => ({ keyid: s.keyid ?? '', sig: s.sig })) }));
    stored.push(await appendLegacyLayer(client, image, 'att', envelope, DSSE_MEDIA_TYPE, { [LEGACY_PREDICATE_TYPE_ANNOTATION]: options.predicateType }));
  }
  return { image: image.name, digest: image.digest, stored, statement: JSON.parse(statement.toString('utf8')) as unknown };
}

/** The bundle as a blob, an artifact manifest naming the image as subject, pushed as its referrer. */
export async function pushBundle(client: RegistryClient, image: ResolvedImage, bundle: unknown, predicateType: string, now: () => Date): Promise<StoredSignature> {
  const repo = image.repository;
  const bytes = Buffer.from(JSON.stringify(bundle));
  const blob = await client.pushBlob(repo, bytes);
  await client.pushBlob(repo, Buffer.from('{}')); // the empty config (OCI_EMPTY_DIGEST)
  const annotations = {
    [BUNDLE_CONTENT_ANNOTATION]: 'dsse-envelope',
    [BUNDLE_PREDICATE_TYPE_ANNOTATION]: predicateType,
    [CREATED_ANNOTATION]: now().toISOString(),
  };
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_IMAGE_MANIFEST,
    artifactType: BUNDLE_MEDIA_TYPE,
    config: { mediaType: OCI_EMPTY, digest: OCI_EMPTY_DIGEST, size: OCI_EMPTY_SIZE },
    layers: [{ mediaType: BUNDLE_MEDIA_TYPE, digest: blob.digest, size: blob.size, annotations: { [TITLE_ANNOTATION]: `${blob.digest.replace(':', '-')}.sigstore.json` } }],
    subject: { mediaType: image.mediaType, digest: image.digest, size: image.size },
    annotations,
  };
  const pushed = await client.pushReferrer(repo, Buffer.from(JSON.stringify(manifest)), {
    mediaType: OCI_IMAGE_MANIFEST,
    artifactType: BUNDLE_MEDIA_TYPE,
    subject: image.digest,
    annotations,
  });
  return { layout: 'referrers', manifest: pushed.digest, via: pushed.via };
}

/**
 * Add one layer to the `sha256-<hex>.sig|.att` manifest, keeping every layer already there
 * (cosign appends; replacing would drop other signers' signatures). A tag whose manifest we
 * cannot read is an error, not something to overwrite.
 */
export async function appendLegacyLayer(
  client: RegistryClient,
  image: ResolvedImage,
  kind: 'sig' | 'att',
  bytes: Buffer,
  mediaType: string,
  annotations: Readonly<Record<string, string>>,
): Promise<StoredSignature> {
  const repo = image.repository;
  const tag = legacyTag(image.digest, kind);
  let layers: Record<string, unknown>[] = [];
  // Every manifest type is accepted on read: a registry hides a manifest of a type the client does
  // not accept (distribution answers 404), and what is there must be seen, never overwritten.
  try {
    const existing = await client.getManifest(repo, tag);
    const doc = parseJsonDocument(existing.bytes, `${repo}:${tag}`);
    parseImageManifest(doc, {}, `${repo}:${tag}`);
    layers = [...(doc as { layers: Record<string, unknown>[] }).layers];
  } catch (err) {
    if (!(err instanceof VouchError && err.code === 'IMAGE_NOT_FOUND')) throw err;
  }
  const digest = computeDigest(bytes, 'sha256');
  const same = layers.some((l) => l.digest === digest && JSON.stringify(l.annotations ?? {}) === JSON.stringify(annotations));
  if (same) {
    const current = await client.getManifest(repo, tag);
    return { layout: 'legacy', tag, manifest: current.digest, appended: false };
  }
  await client.pushBlob(repo, bytes);
  layers.push({ mediaType, size: bytes.byteLength, digest, annotations });
  // The config go-containerregistry writes for such images: uncompressed layers, so diff_ids = digests.
  const diffIds = layers.map((l) => l.digest);
  const config = Buffer.from(
    JSON.stringify({
      architecture: '',
      created: '0001-01-01T00:00:00Z',
      history: diffIds.map(() => ({ created: '0001-01-01T00:00:00Z' })),
      os: '',
      rootfs: { type: 'layers', diff_ids: diffIds },
      config: {},
    }),
  );
  const cfg = await client.pushBlob(repo, config);
  const manifest = { schemaVersion: 2, mediaType: OCI_IMAGE_MANIFEST, config: { mediaType: OCI_IMAGE_CONFIG, size: cfg.size, digest: cfg.digest }, layers };
  const pushed = await client.putManifest(repo, tag, Buffer.from(JSON.stringify(manifest)), OCI_IMAGE_MANIFEST);
  return { layout: 'legacy', tag, manifest: pushed.digest, appended: true };
}
