/**
 * Finding and verifying the signatures and attestations of a container image, in both layouts
 * cosign writes (sign/image/layout.ts has the write side; same-layer areas do not import each
 * other, so the few names needed here are repeated):
 *
 *  - referrers: artifact manifests of type `application/vnd.dev.sigstore.bundle.v0.3+json` whose
 *    subject is the image, listed by the referrers API or, when the registry lacks it, by the
 *    `sha256-<hex>` referrers tag; each holds one Sigstore bundle (cosign specs/BUNDLE_SPEC.md);
 *  - legacy: `sha256-<hex>.sig` (simple-signing payloads, signature in the layer annotation
 *    `dev.cosignproject.cosign/signature`) and `sha256-<hex>.att` (DSSE envelopes).
 *
 * Every candidate is verified on its own and reported (verified, or why not). Order of checks:
 * the signature first (`ImageVerifier`), and only then is the signed content read: the payload
 * must name the image's manifest digest (simple signing `critical.image.docker-manifest-digest`,
 * or a statement subject's digest) — a valid signature over another image is a failure.
 * Annotations the user asks for must be in the signed payload, never taken from unsigned
 * manifest annotations (those serve only to skip attestations when looking for signatures).
 */
import { type ErrorCode, VouchError, tryParseDigest } from '../../core/index.ts';
import { type RegistryClient } from '../../clients/index.ts';
import { type Descriptor, parseImageManifest, parseJsonDocument } from '../../formats/oci/index.ts';
import { preAuthEncoding } from '../../formats/sigstore/index.ts';

const BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const BUNDLE_MEDIA_TYPE_RE = /^application\/vnd\.dev\.sigstore\.bundle(?:\.v0\.3\+json|\+json;\s*version=0\.[123])$/;
const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
const DSSE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';
const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
const BUNDLE_PREDICATE_TYPE_ANNOTATION = 'dev.sigstore.bundle.predicateType';
export const COSIGN_SIGN_PREDICATE_TYPE = 'https://sigstore.dev/cosign/sign/v1';
export const SIMPLE_SIGNING_TYPE = 'cosign container image signature';
const STATEMENT_TYPES: ReadonlySet<string> = new Set(['https://in-toto.io/Statement/v1', 'https://in-toto.io/Statement/v0.1']);

/** Bounds on what a registry can make us read. */
export const IMAGE_VERIFY_LIMITS = Object.freeze({
  /** Referrer manifests and legacy layers looked at, each. */
  maxCandidates: 64,
  /** A bundle or envelope blob (SBOM predicates can be large). */
  maxBlobBytes: 32 * 1024 * 1024,
  /** A simple-signing payload. */
  maxPayloadBytes: 1024 * 1024,
  /** All candidate blobs of one verification together. */
  maxTotalBytes: 128 * 1024 * 1024,
  /** Candidates fetched at once. */
  concurrency: 8,
});

export interface ImageVerifier {
  /**
   * Verify a Sigstore bundle's signature, certificate/key and log material; throw (a VouchError)
   * when it does not verify. Returns who signed, for the report.
   */
  verifyBundle(bundle: unknown): Promise<{ readonly signer?: string }>;
  /**
   * Verify a bare signature over `data` with the configured public key (legacy layers). Absent
   * when verifying by certificate identity: legacy layers are then reported as unverifiable.
   */
  verifyRaw?: (data: Buffer, signature: Buffer) => boolean;
}

export interface ImageTarget {
  readonly name: string;
  readonly repository: string;
  readonly digest: string;
}

export type SignatureSource =
  | { readonly layout: 'referrers'; readonly manifest: string }
  | { readonly layout: 'legacy'; readonly tag: string; readonly layer: string };

export interface Failure {
  readonly source: SignatureSource;
  readonly reason: string;
  /** The error code behind the reason, when it was a VouchError. */
  readonly code?: ErrorCode;
}

/** cosign's verify output entry (`critical`/`optional`), plus where it came from. */
export interface VerifiedSignature {
  readonly critical: {
    readonly identity: { readonly 'docker-reference': string };
    readonly image: { readonly 'docker-manifest-digest': string };
    readonly type: string;
  };
  readonly optional: Readonly<Record<string, unknown>> | null;
  readonly source: SignatureSource;
  readonly signer?: string;
}

export interface VerifiedAttestation {
  readonly predicateType: string;
  readonly predicate: unknown;
  readonly statement: Readonly<Record<string, unknown>>;
  readonly source: SignatureSource;
  readonly signer?: string;
}

export interface VerifyReport<T> {
  readonly image: string;
  readonly digest: string;
  readonly verified: readonly T[];
  readonly failures: readonly Failure[];
  /** How referrers were found: the API, or the referrers tag of a registry without it. */
  readonly referrers: 'api' | 'tag';
}

interface Candidate {
  readonly source: SignatureSource;
  readonly kind: 'bundle' | 'simple-signing' | 'dsse';
  readonly bytes: Buffer;
  readonly annotations: Readonly<Record<string, string>>;
}

/** One line of text for a report, whatever was thrown. */
function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function failure(source: SignatureSource, err: unknown): Failure {
  const code: ErrorCode | undefined = err instanceof VouchError ? (err as VouchError).code : undefined;
  return { source, reason: reasonOf(err), ...(code !== undefined && { code }) };
}

/**
 * The code that sums up why nothing verified: the failures' common verification code (exit 1),
 * else VERIFY_SIGNATURE; NO_SIGNATURES when there was nothing to verify.
 */
export function failureCode(failures: readonly Failure[]): ErrorCode {
  if (failures.length === 0) return 'NO_SIGNATURES';
  const codes = new Set(failures.map((f) => f.code));
  const [only] = codes;
  return codes.size === 1 && only !== undefined && only.startsWith('VERIFY_') ? only : 'VERIFY_SIGNATURE';
}

/** `sha256:<hex>` → `sha256-<hex>.sig|.att`. */
function legacyTag(digest: string, kind: 'sig' | 'att'): string {
  return `${digest.replace(':', '-')}.${kind}`;
}

/** Results in input order, at most `limit` calls of `fn` at a time. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Bytes of candidate blobs one verification holds at most (across referrers and legacy layers). */
class Budget {
  #left = IMAGE_VERIFY_LIMITS.maxTotalBytes;
  take(size: number, what: string): void {
    if (size > this.#left) throw new VouchError('LIMIT_EXCEEDED', `${what}: over the ${IMAGE_VERIFY_LIMITS.maxTotalBytes}-byte total for one image's signatures`);
    this.#left -= size;
  }
}

async function referrerCandidates(client: RegistryClient, image: ImageTarget, want: (d: Descriptor) => boolean, failures: Failure[], budget: Budget): Promise<{ candidates: Candidate[]; source: 'api' | 'tag' }> {
  let found: Awaited<ReturnType<RegistryClient['getReferrers']>>;
  try {
    found = await client.getReferrers(image.repository, image.digest, { artifactType: BUNDLE_MEDIA_TYPE });
  } catch (err) {
    // A broken referrers index (say, a malformed referrers tag) must not hide the legacy layout.
    if (!(err instanceof VouchError) || err.code === 'REGISTRY_AUTH' || err.code === 'INSECURE_REGISTRY') throw err;
    failures.push(failure({ layout: 'referrers', manifest: 'index' }, err));
    return { candidates: [], source: 'tag' };
  }
  const results = await mapLimit(found.manifests.filter(want).slice(0, IMAGE_VERIFY_LIMITS.maxCandidates), IMAGE_VERIFY_LIMITS.concurrency, async (d): Promise<Candidate | Failure> => {
    const source: SignatureSource = { layout: 'referrers', manifest: d.digest };
    try {
      const got = await client.getManifest(image.repository, d.digest);
      const manifest = parseImageManifest(parseJsonDocument(got.bytes, `referrer ${d.digest}`), {}, `referrer ${d.digest}`);
      // The artifact must name this image as its subject (a referrers tag is only an index we were told).
      if (manifest.subject?.digest !== image.digest) throw new VouchError('IMAGE_INVALID', `its subject is ${manifest.subject?.digest ?? 'missing'}, not ${image.digest}`);
      const layer = manifest.layers[0];
      if (layer === undefined || !BUNDLE_MEDIA_TYPE_RE.test(layer.mediaType)) throw new VouchError('IMAGE_INVALID', 'it holds no Sigstore bundle layer');
      budget.take(layer.size, `bundle ${layer.digest}`);
      const bytes = await client.getBlob(image.repository, layer.digest, { size: layer.size, maxBytes: IMAGE_VERIFY_LIMITS.maxBlobBytes });
      return { source, kind: 'bundle', bytes, annotations: manifest.annotations ?? {} };
    } catch (err) {
      return failure(source, err);
    }
  });
  return { candidates: collect(results, failures), source: found.source };
}

function collect(results: readonly (Candidate | Failure)[], failures: Failure[]): Candidate[] {
  const out: Candidate[] = [];
  for (const r of results) {
    if ('reason' in r) failures.push(r);
    else out.push(r);
  }
  return out;
}

async function legacyCandidates(client: RegistryClient, image: ImageTarget, kind: 'sig' | 'att', failures: Failure[], budget: Budget, want: (d: Descriptor) => boolean = () => true): Promise<Candidate[]> {
  const tag = legacyTag(image.digest, kind);
  let layers: readonly Descriptor[];
  try {
    const got = await client.getManifest(image.repository, tag);
    layers = parseImageManifest(parseJsonDocument(got.bytes, `${image.repository}:${tag}`), {}, `${image.repository}:${tag}`).layers;
  } catch (err) {
    if (err instanceof VouchError && err.code === 'IMAGE_NOT_FOUND') return [];
    if (!(err instanceof VouchError) || err.code === 'REGISTRY_AUTH' || err.code === 'INSECURE_REGISTRY') throw err;
    failures.push(failure({ layout: 'legacy', tag, layer: 'manifest' }, err));
    return [];
  }
  const mediaType = kind === 'sig' ? SIMPLE_SIGNING_MEDIA_TYPE : DSSE_MEDIA_TYPE;
  const results = await mapLimit(layers.filter(want).slice(0, IMAGE_VERIFY_LIMITS.maxCandidates), IMAGE_VERIFY_LIMITS.concurrency, async (layer): Promise<Candidate | Failure> => {
    const source: SignatureSource = { layout: 'legacy', tag, layer: layer.digest };
    if (layer.mediaType !== mediaType) return { source, reason: `layer media type ${layer.mediaType}, expected ${mediaType}` };
    try {
      const max = kind === 'sig' ? IMAGE_VERIFY_LIMITS.maxPayloadBytes : IMAGE_VERIFY_LIMITS.maxBlobBytes;
      budget.take(Math.min(layer.size, max), `layer ${layer.digest}`);
      const bytes = await client.getBlob(image.repository, layer.digest, { size: layer.size, maxBytes: max });
      return { source, kind: kind === 'sig' ? 'simple-signing' : 'dsse', bytes, annotations: layer.annotations ?? {} };
    } catch (err) {
      return failure(source, err);
    }
  });
  return collect(results, failures);
}

function jsonObject(bytes: Buffer | string, what: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
  } catch {
    throw new VouchError('PARSE_ERROR', `${what} is not JSON`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new VouchError('PARSE_ERROR', `${what} is not a JSON object`);
  return doc as Record<string, unknown>;
}

/** Property lookup, case-insensitive as Go's encoding/json matches cosign's struct tags. */
function field(obj: unknown, key: string): unknown {
  if (typeof obj !== 'object' || obj === null) return undefined;
  const k = Object.keys(obj).find((x) => x.toLowerCase() === key.toLowerCase());
  return k === undefined ? undefined : (obj as Record<string, unknown>)[k];
}

/** Decode standard or URL-safe base64 strictly (DSSE allows either). */
function base64(value: unknown, what: string): Buffer {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) throw new VouchError('PARSE_ERROR', `${what} is not base64`);
  return Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/**
 * A legacy `.att` layer: a bare DSSE envelope, verified with the key over PAE (there is no
 * bundle around it, so the bundle verifier cannot take it). Any one signature may match.
 */
function verifyEnvelope(bytes: Buffer, verifier: ImageVerifier): { payloadType: string; payload: Buffer } {
  if (verifier.verifyRaw === undefined) throw new VouchError('USAGE', 'legacy attestations carry no certificate: verify them with --key');
  const env = jsonObject(bytes, 'DSSE envelope');
  const payloadType = env.payloadType;
  if (typeof payloadType !== 'string') throw new VouchError('PARSE_ERROR', 'DSSE envelope has no payloadType');
  const payload = base64(env.payload, 'DSSE payload');
  const sigs = env.signatures;
  if (!Array.isArray(sigs) || sigs.length === 0) throw new VouchError('PARSE_ERROR', 'DSSE envelope has no signatures');
  const signed = preAuthEncoding(payloadType, payload);
  const ok = sigs.slice(0, 16).some((s) => {
    try {
      return verifier.verifyRaw!(signed, base64(field(s, 'sig'), 'DSSE signature'));
    } catch {
      return false;
    }
  });
  if (!ok) throw new VouchError('VERIFY_SIGNATURE', 'the DSSE signature does not verify with the key');
  return { payloadType, payload };
}

/** The DSSE payload of a verified bundle (a message-signature bundle signs no statement). */
function bundlePayload(bundle: Record<string, unknown>): { payloadType: string; payload: Buffer } {
  const env = bundle.dsseEnvelope;
  if (typeof env !== 'object' || env === null) throw new VouchError('IMAGE_INVALID', 'the bundle holds a message signature, not a DSSE envelope');
  const payloadType = (env as { payloadType?: unknown }).payloadType;
  if (typeof payloadType !== 'string') throw new VouchError('PARSE_ERROR', 'DSSE envelope has no payloadType');
  return { payloadType, payload: base64((env as { payload?: unknown }).payload, 'DSSE payload') };
}

/** A statement about this image: the subject whose digest is the image's, or an error. */
function statementFor(payloadType: string, payload: Buffer, image: ImageTarget): { statement: Record<string, unknown>; subject: Record<string, unknown> } {
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) throw new VouchError('IMAGE_INVALID', `payload type ${payloadType} is not an in-toto statement`);
  const statement = jsonObject(payload, 'in-toto statement');
  if (typeof statement._type !== 'string' || !STATEMENT_TYPES.has(statement._type)) throw new VouchError('IMAGE_INVALID', `statement _type ${String(statement._type)} is not in-toto v1 or v0.1`);
  const parsed = tryParseDigest(image.digest);
  if (parsed === undefined) throw new VouchError('BAD_TARGET', `bad digest ${image.digest}`);
  const hex = parsed.digest.slice(parsed.algorithm.length + 1);
  const subjects = Array.isArray(statement.subject) ? (statement.subject as unknown[]) : [];
  const subject = subjects.find((s) => String(field(field(s, 'digest'), parsed.algorithm)).toLowerCase() === hex);
  if (subject === undefined || typeof subject !== 'object' || subject === null) {
    const named = subjects.map((s) => field(field(s, 'digest'), 'sha256')).filter((x) => typeof x === 'string');
    throw new VouchError('VERIFY_DIGEST', `the statement is about ${named.length === 0 ? 'no sha256 digest' : named.map((h) => `sha256:${String(h)}`).join(', ')}, not ${image.digest}`);
  }
  return { statement, subject: subject as Record<string, unknown> };
}

/** Every asked annotation must be in the signed set, with the same value. */
function checkAnnotations(signed: unknown, wanted: Readonly<Record<string, string>>): void {
  for (const [k, v] of Object.entries(wanted)) {
    const got = typeof signed === 'object' && signed !== null ? (signed as Record<string, unknown>)[k] : undefined;
    if (got !== v) throw new VouchError('IMAGE_INVALID', `annotation ${k}=${JSON.stringify(v)} asked for, the signature has ${got === undefined ? 'none' : JSON.stringify(got)}`);
  }
}

export interface VerifyImageOptions {
  readonly client: RegistryClient;
  readonly image: ImageTarget;
  readonly verifier: ImageVerifier;
}

/** Image signatures: referrer bundles with a `cosign/sign/v1` statement, and `.sig` layers. */
export async function verifyImageSignatures(options: VerifyImageOptions & { readonly annotations?: Readonly<Record<string, string>> }): Promise<VerifyReport<VerifiedSignature>> {
  const { client, image, verifier } = options;
  const wanted = options.annotations ?? {};
  const failures: Failure[] = [];
  // Attestations share the artifact type; their (unsigned) annotation lets us skip them unread.
  const isSignature = (d: Descriptor): boolean => {
    const t = d.annotations?.[BUNDLE_PREDICATE_TYPE_ANNOTATION];
    return t === undefined || t === COSIGN_SIGN_PREDICATE_TYPE;
  };
  const budget = new Budget();
  const [referrers, legacy] = await Promise.all([referrerCandidates(client, image, isSignature, failures, budget), legacyCandidates(client, image, 'sig', failures, budget)]);
  const candidates = [...referrers.candidates, ...legacy];
  const verified: VerifiedSignature[] = [];
  for (const c of candidates) {
    try {
      if (c.kind === 'bundle') {
        const bundle = jsonObject(c.bytes, 'Sigstore bundle');
        const { signer } = await verifier.verifyBundle(bundle);
        const { payloadType, payload } = bundlePayload(bundle);
        const { statement, subject } = statementFor(payloadType, payload, image);
        if (statement.predicateType !== COSIGN_SIGN_PREDICATE_TYPE) throw new VouchError('IMAGE_INVALID', `an attestation (${String(statement.predicateType)}), not an image signature`);
        const annotations = field(subject, 'annotations');
        checkAnnotations(annotations, wanted);
        verified.push({
          critical: { identity: { 'docker-reference': image.name }, image: { 'docker-manifest-digest': image.digest }, type: COSIGN_SIGN_PREDICATE_TYPE },
          optional: typeof annotations === 'object' && annotations !== null && Object.keys(annotations).length > 0 ? (annotations as Record<string, unknown>) : null,
          source: c.source,
          ...(signer !== undefined && { signer }),
        });
      } else {
        if (verifier.verifyRaw === undefined) throw new VouchError('USAGE', 'legacy signatures carry no bundle: verify them with --key');
        const sig = c.annotations[SIGNATURE_ANNOTATION];
        if (sig === undefined) throw new VouchError('IMAGE_INVALID', `the layer has no ${SIGNATURE_ANNOTATION} annotation`);
        if (!verifier.verifyRaw(c.bytes, base64(sig, 'signature annotation'))) throw new VouchError('VERIFY_SIGNATURE', 'the signature does not verify with the key');
        // Signature good: now the payload may be read.
        const doc = jsonObject(c.bytes, 'simple-signing payload');
        const critical = field(doc, 'critical');
        const type = field(critical, 'type');
        if (type !== SIMPLE_SIGNING_TYPE) throw new VouchError('IMAGE_INVALID', `critical.type is ${JSON.stringify(type)}, not "${SIMPLE_SIGNING_TYPE}"`);
        const signedDigest = field(field(critical, 'image'), 'docker-manifest-digest');
        if (signedDigest !== image.digest) throw new VouchError('VERIFY_DIGEST', `the payload signs ${String(signedDigest)}, not ${image.digest}`);
        const optional = field(doc, 'optional');
        checkAnnotations(optional, wanted);
        const reference = field(field(critical, 'identity'), 'docker-reference');
        verified.push({
          critical: { identity: { 'docker-reference': typeof reference === 'string' ? reference : '' }, image: { 'docker-manifest-digest': image.digest }, type: SIMPLE_SIGNING_TYPE },
          optional: typeof optional === 'object' && optional !== null ? (optional as Record<string, unknown>) : null,
          source: c.source,
        });
      }
    } catch (err) {
      failures.push(failure(c.source, err));
    }
  }
  return { image: image.name, digest: image.digest, verified, failures, referrers: referrers.source };
}

/** Attestations of `predicateType`: referrer bundles and `.att` layers whose statement names the image. */
export async function verifyImageAttestations(options: VerifyImageOptions & { readonly predicateType?: string }): Promise<VerifyReport<VerifiedAttestation>> {
  const { client, image, verifier, predicateType } = options;
  const failures: Failure[] = [];
  const wanted = (d: Descriptor): boolean => {
    const t = d.annotations?.[BUNDLE_PREDICATE_TYPE_ANNOTATION];
    return t !== COSIGN_SIGN_PREDICATE_TYPE && (predicateType === undefined || t === undefined || t === predicateType);
  };
  const budget = new Budget();
  const referrersP = referrerCandidates(client, image, wanted, failures, budget);
  // `.att` layers name their predicate type in an (unsigned) annotation: skip the other types unread.
  const wantLayer = (d: Descriptor): boolean => {
    const t = d.annotations?.predicateType;
    return predicateType === undefined || t === undefined || t === predicateType;
  };
  const [referrers, legacy] = await Promise.all([referrersP, legacyCandidates(client, image, 'att', failures, budget, wantLayer)]);
  const candidates = [...referrers.candidates, ...legacy];
  const verified: VerifiedAttestation[] = [];
  for (const c of candidates) {
    try {
      let signed: { payloadType: string; payload: Buffer };
      let signer: string | undefined;
      if (c.kind === 'bundle') {
        const bundle = jsonObject(c.bytes, 'Sigstore bundle');
        signer = (await verifier.verifyBundle(bundle)).signer;
        signed = bundlePayload(bundle);
      } else {
        signed = verifyEnvelope(c.bytes, verifier);
      }
      const { statement } = statementFor(signed.payloadType, signed.payload, image);
      const type = statement.predicateType;
      if (typeof type !== 'string') throw new VouchError('IMAGE_INVALID', 'the statement has no predicateType');
      if (predicateType !== undefined && type !== predicateType) throw new VouchError('IMAGE_INVALID', `predicate type ${type}, not ${predicateType}`);
      verified.push({ predicateType: type, predicate: statement.predicate, statement, source: c.source, ...(signer !== undefined && { signer }) });
    } catch (err) {
      failures.push(failure(c.source, err));
    }
  }
  return { image: image.name, digest: image.digest, verified, failures, referrers: referrers.source };
}

export { rawKeyVerifier } from './key.ts';
