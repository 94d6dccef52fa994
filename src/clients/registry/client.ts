/**
 * The pull side of the OCI Distribution API (opencontainers/distribution-spec v1.1, spec.md
 * "Pull"), for one registry:
 *
 *  - `GET /v2/` (end-1): the version check; its 401 tells us how to authenticate before we ask
 *    for anything else. It also settles the scheme: HTTPS, or plain HTTP for a loopback or
 *    `insecure` registry whose HTTPS attempt fails to connect (Docker's order).
 *  - `GET|HEAD /v2/<name>/manifests/<reference>` (end-3): Accept names the OCI index and
 *    manifest and Docker's list and schema 2. The body is at most 4 MiB (the spec's "SHOULD
 *    accept at least 4 MiB" is also what registries enforce on push). Its digest is checked
 *    against the digest asked for, and against `Docker-Content-Digest` when the registry sends
 *    one; a tag resolves to the header's digest once the bytes are shown to have it.
 *  - `GET /v2/<name>/blobs/<digest>` (end-2): streamed, redirects followed (a different origin
 *    gets no Authorization), verified by a DigestVerifier against digest and size.
 *
 * Every request carries the token/credentials the Authenticator holds for the registry; a 401
 * is answered once (auth.ts), then it is REGISTRY_AUTH.
 */
import { type Readable, pipeline } from 'node:stream';
import { DigestVerifier, type Logger, VouchError, computeDigest, parseDigest, silentLogger, tryParseDigest } from '../../core/index.ts';
import {
  type Descriptor,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  type ImageIndex,
  MAX_MANIFEST_BYTES,
  OCI_IMAGE_INDEX,
  OCI_IMAGE_MANIFEST,
  parseImageIndex,
  parseJsonDocument,
} from '../../formats/oci/index.ts';
import { Authenticator, pullScope, pushScope } from './auth.ts';
import type { RegistryCredentials } from './credentials.ts';
import { candidateSchemes, registryApiHost } from './endpoint.ts';
import { HttpClient, type HttpOptions, type HttpRequest, type HttpResponse, RegistryHttpError, discard } from './http.ts';

/** What we accept from the manifest endpoint, most specific first. */
export const MANIFEST_ACCEPT: readonly string[] = Object.freeze([OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST]);

export interface RegistryClientOptions extends HttpOptions {
  /** Basic credentials for this registry (and its token realm). */
  readonly credentials?: RegistryCredentials | undefined;
  /** Largest manifest or index body (default 4 MiB). */
  readonly maxManifestBytes?: number;
  /** Clock for the token cache (tests). */
  readonly now?: () => number;
}

export interface ManifestResponse {
  /** The bytes as served: parse these, never a re-serialisation. */
  readonly bytes: Buffer;
  /** Verified digest of `bytes`. */
  readonly digest: string;
  /** `Content-Type` without parameters; '' when the registry sent none. */
  readonly mediaType: string;
}

export interface ManifestHead {
  /** `Docker-Content-Digest` (not verified: HEAD has no body), or the digest asked for. */
  readonly digest: string | undefined;
  readonly mediaType: string;
  readonly size: number | undefined;
}

export interface PingResult {
  /** The base URL that answered: `https://host/` or `http://host/`. */
  readonly base: string;
  /** HTTP status of `GET /v2/`: 200, or 401 for a registry that wants authentication. */
  readonly status: number;
  /** `Docker-Distribution-API-Version`, when sent (`registry/2.0`). */
  readonly apiVersion: string | undefined;
}

export interface BlobOptions {
  /** The descriptor's size: a different Content-Length or byte count is DIGEST_MISMATCH. */
  readonly size?: number;
}

interface RequestExtra {
  readonly body?: Buffer;
  readonly contentType?: string;
  /** Ask for `pull,push`. */
  readonly push?: boolean;
  /** Statuses handed back instead of thrown (404: "absent"). */
  readonly pass?: readonly number[];
}

/**
 * Only what could escape the URL path is refused here: the grammar is formats/oci's
 * (parseImageReference) job, and a registry may accept names our parser would not.
 */
function checkRepository(repository: string): void {
  if (repository.length === 0 || repository.length > 255 || !/^[a-z0-9._/-]+$/.test(repository) || repository.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new VouchError('BAD_TARGET', `invalid repository name ${JSON.stringify(repository.slice(0, 100))}`);
  }
}

function checkManifestReference(reference: string): void {
  if (reference.includes(':')) {
    parseDigest(reference, 'BAD_TARGET');
    return;
  }
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(reference)) {
    throw new VouchError('BAD_TARGET', `invalid tag ${JSON.stringify(reference.slice(0, 130))}`);
  }
}

function mediaTypeOf(headers: Headers): string {
  const ct = headers.get('content-type');
  if (ct === null) return '';
  return ct.split(';')[0]?.trim().toLowerCase() ?? '';
}

export class RegistryClient {
  /** The registry as the reference names it (`docker.io`, `localhost:5000`). */
  readonly domain: string;
  /** The host that serves its API (`registry-1.docker.io` for Docker Hub). */
  readonly apiHost: string;
  readonly #http: HttpClient;
  readonly #auth: Authenticator;
  readonly #logger: Logger;
  readonly #maxManifestBytes: number;
  #ping: Promise<PingResult> | undefined;

  constructor(domain: string, options: RegistryClientOptions = {}) {
    this.domain = domain;
    this.apiHost = registryApiHost(domain);
    this.#logger = options.logger ?? silentLogger;
    this.#http = new HttpClient({ ...options, logger: this.#logger });
    this.#auth = new Authenticator({ http: this.#http, credentials: options.credentials, logger: this.#logger, ...(options.now ? { now: options.now } : {}) });
    this.#maxManifestBytes = options.maxManifestBytes ?? MAX_MANIFEST_BYTES;
  }

  /**
   * `GET /v2/`, once per client (later calls share the answer). Settles the scheme and records
   * an auth challenge. A registry without the v2 API (404) is REGISTRY_ERROR.
   */
  ping(): Promise<PingResult> {
    this.#ping ??= this.#doPing();
    const p = this.#ping;
    // A failed ping may be retried by a later call.
    p.catch(() => {
      if (this.#ping === p) this.#ping = undefined;
    });
    return p;
  }

  async #doPing(): Promise<PingResult> {
    const schemes = candidateSchemes(this.apiHost, this.#http.insecure);
    let lastError: unknown;
    for (const [i, scheme] of schemes.entries()) {
      const base = new URL(`${scheme}://${this.apiHost}/`);
      let res: HttpResponse;
      try {
        // The HTTPS probe of a registry that may be plain HTTP: one attempt, then fall back.
        res = await this.#http.send({ method: 'GET', url: new URL('/v2/', base) }, { retry: i < schemes.length - 1 ? false : true });
      } catch (err) {
        if (err instanceof VouchError && err.code === 'REGISTRY_ERROR' && i < schemes.length - 1) {
          this.#logger.debug(`${base.origin} unreachable (${err.message}); trying ${schemes[i + 1] ?? ''}`);
          lastError = err;
          continue;
        }
        throw err;
      }
      const apiVersion = res.headers.get('docker-distribution-api-version') ?? undefined;
      if (res.status === 401) {
        this.#auth.recordChallenge(this.apiHost, res.headers.get('www-authenticate'));
        await discard(res);
      } else if (res.status >= 200 && res.status <= 299) {
        await discard(res);
      } else {
        const err = await this.#http.errorFor(res, `registry API check (GET /v2/)`);
        if (res.status === 404) {
          throw new VouchError('REGISTRY_ERROR', `${this.apiHost} does not serve the registry API v2 (GET /v2/ answered 404)`, { cause: err });
        }
        throw err;
      }
      return { base: base.href, status: res.status, apiVersion };
    }
    throw lastError instanceof Error ? lastError : new VouchError('REGISTRY_ERROR', `cannot reach ${this.apiHost}`);
  }

  /**
   * A request about `repository`, authenticated: the credentials or token we hold go first; a
   * 401 is answered once. Resolves with a 2xx response (or a status in `pass`, for callers that
   * tell "absent" from an error themselves), else throws its RegistryHttpError. Writes ask for
   * `pull,push` (token.md scopes); reads for `pull`.
   */
  async #request(method: HttpRequest['method'], repository: string, path: string | URL, accept: string | undefined, what: string, extra: RequestExtra = {}): Promise<HttpResponse> {
    const { base } = await this.ping();
    const url = typeof path === 'string' ? new URL(`/v2/${repository}/${path}`, base) : path;
    const scopes = [extra.push === true ? pushScope(repository) : pullScope(repository)];
    const headers: Record<string, string> = accept === undefined ? {} : { accept };
    if (extra.contentType !== undefined) headers['content-type'] = extra.contentType;
    // Our token goes to the registry's own origin only (an upload Location may point elsewhere).
    const sameOrigin = url.origin === new URL(base).origin;
    const authorization = sameOrigin ? await this.#auth.authorization(this.apiHost, scopes) : undefined;
    if (authorization !== undefined) headers.authorization = authorization;
    const body = extra.body === undefined ? {} : { body: extra.body };
    let res = await this.#http.send({ method, url, headers, ...body });
    if (res.status === 401 && sameOrigin) {
      const header = res.headers.get('www-authenticate');
      await discard(res);
      const challenge = this.#auth.recordChallenge(this.apiHost, header);
      headers.authorization = await this.#auth.answerChallenge(this.apiHost, challenge, scopes);
      res = await this.#http.send({ method, url, headers, ...body });
      if (res.status === 401) {
        const err = await this.#http.errorFor(res, what);
        throw new RegistryHttpError(
          'REGISTRY_AUTH',
          `${err.message}: ${this.#auth.hasCredentials ? 'the credentials were refused' : 'anonymous access was refused'}`,
          err.status,
          err.errors,
          this.#auth.hasCredentials ? undefined : 'pass --creds USER:PASSWORD, or log in with `podman login`/`docker login`',
        );
      }
    }
    if (extra.pass?.includes(res.status) === true) return res;
    if (res.status < 200 || res.status > 299) throw await this.#http.errorFor(res, what);
    return res;
  }

  /**
   * `GET /v2/<repository>/manifests/<reference>` (tag or digest). The bytes are checked against
   * a digest reference and against `Docker-Content-Digest`; a mismatch is DIGEST_MISMATCH.
   */
  async getManifest(repository: string, reference: string, options: { readonly accept?: readonly string[] } = {}): Promise<ManifestResponse> {
    checkRepository(repository);
    checkManifestReference(reference);
    const what = `manifest ${repository}${reference.includes(':') ? '@' : ':'}${reference}`;
    const res = await this.#request('GET', repository, `manifests/${reference}`, (options.accept ?? MANIFEST_ACCEPT).join(', '), what);
    const bytes = await this.#http.readBody(res, this.#maxManifestBytes, what);
    const asked = tryParseDigest(reference);
    const header = res.headers.get('docker-content-digest');
    const served = header === null ? undefined : tryParseDigest(header.trim());
    if (header !== null && served === undefined) this.#logger.debug(`${what}: ignoring Docker-Content-Digest in an unsupported form`);
    // Spec end-3: the client SHOULD verify the body against the digest it asked for, and MAY use
    // the header for a tag; we verify both, so a tag resolves to a digest we have checked.
    for (const d of [asked, served]) {
      if (d === undefined) continue;
      const actual = computeDigest(bytes, d.algorithm);
      if (actual !== d.digest) {
        throw new VouchError('DIGEST_MISMATCH', `${what}: the bytes served have digest ${actual}, expected ${d.digest}${d === served ? ' (Docker-Content-Digest)' : ''}`);
      }
    }
    const digest = asked?.digest ?? (served?.algorithm === 'sha256' ? served.digest : computeDigest(bytes, 'sha256'));
    return { bytes, digest, mediaType: mediaTypeOf(res.headers) };
  }

  /** `HEAD /v2/<repository>/manifests/<reference>`: existence, digest, media type, size. */
  async headManifest(repository: string, reference: string, options: { readonly accept?: readonly string[] } = {}): Promise<ManifestHead> {
    checkRepository(repository);
    checkManifestReference(reference);
    const what = `manifest ${repository}${reference.includes(':') ? '@' : ':'}${reference}`;
    const res = await this.#request('HEAD', repository, `manifests/${reference}`, (options.accept ?? MANIFEST_ACCEPT).join(', '), what);
    await discard(res);
    const header = res.headers.get('docker-content-digest');
    const digest = tryParseDigest(reference)?.digest ?? (header === null ? undefined : tryParseDigest(header.trim())?.digest);
    const length = res.headers.get('content-length');
    return { digest, mediaType: mediaTypeOf(res.headers), size: length !== null && /^\d+$/.test(length) ? Number(length) : undefined };
  }

  /**
   * `GET /v2/<repository>/blobs/<digest>` as a stream that fails with DIGEST_MISMATCH at its end
   * when the bytes do not match (or at once when more than `size` arrive). Consumers must not
   * trust the content before the stream has ended without error.
   */
  async openBlob(repository: string, digest: string, options: BlobOptions = {}): Promise<Readable> {
    checkRepository(repository);
    const parsed = parseDigest(digest, 'IMAGE_INVALID');
    const what = `blob ${parsed.digest} of ${repository}`;
    const verifier = new DigestVerifier(parsed.digest, { ...(options.size === undefined ? {} : { size: options.size }), what });
    const res = await this.#request('GET', repository, `blobs/${parsed.digest}`, undefined, what);
    const length = res.headers.get('content-length');
    if (options.size !== undefined && length !== null && /^\d+$/.test(length) && Number(length) !== options.size) {
      await discard(res);
      throw new VouchError('DIGEST_MISMATCH', `${what}: the registry serves ${length} bytes, the descriptor says ${options.size}`);
    }
    const body = this.#http.bodyStream(res, what);
    // Errors of either side reach the verifier, which is what the consumer holds; a consumer
    // that stops early destroys the verifier and with it the request.
    pipeline(body, verifier, () => undefined);
    return verifier;
  }

  /** A whole blob in memory (configs), verified; over `maxBytes` is LIMIT_EXCEEDED. */
  async getBlob(repository: string, digest: string, options: BlobOptions & { readonly maxBytes: number }): Promise<Buffer> {
    if (options.size !== undefined && options.size > options.maxBytes) {
      throw new VouchError('LIMIT_EXCEEDED', `blob ${digest} of ${repository} is ${options.size} bytes, over the ${options.maxBytes}-byte limit`);
    }
    const stream = await this.openBlob(repository, digest, options);
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of stream) {
      const buf = chunk as Buffer;
      total += buf.byteLength;
      if (total > options.maxBytes) {
        stream.destroy();
        throw new VouchError('LIMIT_EXCEEDED', `blob ${digest} of ${repository} is over the ${options.maxBytes}-byte limit`);
      }
      chunks.push(buf);
    }
    return Buffer.concat(chunks, total);
  }

  // --- the push side (distribution-spec v1.1 "Push", "Listing Tags", "Listing Referrers") -----

  /** `HEAD /v2/<repository>/blobs/<digest>` (end-2): true on 200, false on 404. */
  async blobExists(repository: string, digest: string): Promise<boolean> {
    checkRepository(repository);
    const d = parseDigest(digest, 'BAD_TARGET').digest;
    const res = await this.#request('HEAD', repository, `blobs/${d}`, undefined, `blob ${d} of ${repository}`, { push: true, pass: [404] });
    await discard(res);
    return res.status !== 404;
  }

  /**
   * Upload `bytes` as a blob unless the registry already has it: the spec's monolithic upload
   * ("POST then PUT", end-4a then end-6): `POST /v2/<name>/blobs/uploads/` answers 202 with a
   * `Location`, where `PUT ?digest=<digest>` with the whole body completes it (201). The digest
   * the registry reports, when it does, must be ours.
   */
  async pushBlob(repository: string, bytes: Buffer): Promise<{ readonly digest: string; readonly size: number; readonly existed: boolean }> {
    checkRepository(repository);
    const digest = computeDigest(bytes, 'sha256');
    const what = `blob ${digest} upload to ${repository}`;
    if (await this.blobExists(repository, digest)) return { digest, size: bytes.byteLength, existed: true };
    const started = await this.#request('POST', repository, 'blobs/uploads/', undefined, what, { push: true, body: Buffer.alloc(0), contentType: 'application/octet-stream' });
    await discard(started);
    const location = started.headers.get('location');
    if (started.status !== 202 || location === null) {
      throw new VouchError('REGISTRY_ERROR', `${what}: the registry answered ${started.status}${location === null ? ' without a Location' : ''} to the upload request (202 with a Location expected)`);
    }
    let url: URL;
    try {
      url = new URL(location, started.url);
    } catch {
      throw new VouchError('REGISTRY_ERROR', `${what}: the upload Location is not a URL`);
    }
    url.searchParams.set('digest', digest);
    const done = await this.#request('PUT', repository, url, undefined, what, { push: true, body: bytes, contentType: 'application/octet-stream' });
    await discard(done);
    checkReportedDigest(done.headers, digest, what);
    return { digest, size: bytes.byteLength, existed: false };
  }

  /**
   * `PUT /v2/<repository>/manifests/<reference>` (end-7) with its media type. Returns the
   * digest (ours, checked against what the registry reports) and the `OCI-Subject` header: a
   * registry that processed the manifest's `subject` says so there ("Pushing Manifests with
   * Subject"); without it the client keeps the referrers tag itself.
   */
  async putManifest(repository: string, reference: string, bytes: Buffer, mediaType: string): Promise<PushedManifest> {
    checkRepository(repository);
    checkManifestReference(reference);
    if (bytes.byteLength > this.#maxManifestBytes) {
      throw new VouchError('LIMIT_EXCEEDED', `manifest for ${repository} is ${bytes.byteLength} bytes, over the ${this.#maxManifestBytes}-byte limit registries accept`);
    }
    const digest = computeDigest(bytes, 'sha256');
    const asked = tryParseDigest(reference);
    if (asked !== undefined && computeDigest(bytes, asked.algorithm) !== asked.digest) {
      throw new VouchError('DIGEST_MISMATCH', `manifest pushed as ${asked.digest} has digest ${digest}`);
    }
    const what = `manifest ${repository}${asked === undefined ? ':' : '@'}${reference}`;
    const res = await this.#request('PUT', repository, `manifests/${reference}`, undefined, what, { push: true, body: bytes, contentType: mediaType });
    await discard(res);
    checkReportedDigest(res.headers, asked?.digest ?? digest, what);
    const subject = res.headers.get('oci-subject');
    return { digest: asked?.digest ?? digest, subject: subject === null ? undefined : (tryParseDigest(subject.trim())?.digest ?? undefined) };
  }

  /**
   * `GET /v2/<repository>/tags/list` (end-8a), following `Link: <…>; rel="next"` pages (end-8b)
   * up to `maxTags` tags in all (LIMIT_EXCEEDED beyond).
   */
  async listTags(repository: string, options: { readonly maxTags?: number } = {}): Promise<string[]> {
    checkRepository(repository);
    const maxTags = options.maxTags ?? DEFAULT_MAX_TAGS;
    const what = `tag list of ${repository}`;
    const tags: string[] = [];
    let next: string | URL = 'tags/list';
    for (let page = 0; page < MAX_TAG_PAGES; page++) {
      const res = await this.#request('GET', repository, next, 'application/json', what);
      const body = await this.#http.readBody(res, this.#maxManifestBytes, what);
      const doc = parseJsonDocument(body, what, this.#maxManifestBytes) as { tags?: unknown };
      const list = typeof doc === 'object' && doc !== null ? doc.tags : undefined;
      if (list !== null && list !== undefined && !Array.isArray(list)) throw new VouchError('REGISTRY_ERROR', `${what}: "tags" is not a list`);
      for (const t of list ?? []) {
        if (typeof t !== 'string') throw new VouchError('REGISTRY_ERROR', `${what}: a tag is not a string`);
        tags.push(t);
        if (tags.length > maxTags) throw new VouchError('LIMIT_EXCEEDED', `${what} has more than ${maxTags} tags`);
      }
      const link = nextLink(res.headers.get('link'), res.url);
      if (link === undefined) return tags;
      if (link.origin !== res.url.origin) throw new VouchError('REGISTRY_ERROR', `${what}: the next page is on another origin`);
      next = link;
    }
    throw new VouchError('LIMIT_EXCEEDED', `${what} has more than ${MAX_TAG_PAGES} pages`);
  }

  /**
   * The referrers of `digest` (distribution-spec v1.1 "Listing Referrers", end-12a):
   * `GET /v2/<name>/referrers/<digest>?artifactType=…`. A 404 means the registry has no referrers
   * API; then the referrers tag `<alg>-<hex>` ("Referrers Tag Schema") holds the index, and no
   * such tag means no referrers. Entries are filtered by `artifactType` here too, since a
   * registry may ignore the filter (it lists the filters it applied in `OCI-Filters-Applied`).
   */
  async getReferrers(repository: string, digest: string, options: { readonly artifactType?: string } = {}): Promise<ReferrersResult> {
    checkRepository(repository);
    const d = parseDigest(digest, 'BAD_TARGET').digest;
    const what = `referrers of ${repository}@${d}`;
    const query = options.artifactType === undefined ? '' : `?artifactType=${encodeURIComponent(options.artifactType)}`;
    const res = await this.#request('GET', repository, `referrers/${d}${query}`, OCI_IMAGE_INDEX, what, { pass: [404] });
    let index: ImageIndex;
    let source: ReferrersResult['source'];
    if (res.status !== 404) {
      const body = await this.#http.readBody(res, this.#maxManifestBytes, what);
      index = parseImageIndex(parseJsonDocument(body, what, this.#maxManifestBytes), what);
      source = 'api';
    } else {
      await discard(res);
      source = 'tag';
      const tagged = await this.#fallbackIndex(repository, d);
      index = tagged?.index ?? { schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests: [] };
    }
    const manifests = options.artifactType === undefined ? index.manifests : index.manifests.filter((m) => m.artifactType === options.artifactType);
    return { source, manifests };
  }

  /** The index under the referrers tag of `digest`, or undefined when there is none. */
  async #fallbackIndex(repository: string, digest: string): Promise<{ readonly index: ImageIndex; readonly raw: readonly unknown[] } | undefined> {
    const tag = referrersTag(digest);
    let got: ManifestResponse;
    try {
      // Accept every manifest type: a registry hides a manifest from a client that does not accept
      // its type (distribution answers 404), and a tag holding something else must be seen, not overwritten.
      got = await this.getManifest(repository, tag);
    } catch (err) {
      if (err instanceof VouchError && err.code === 'IMAGE_NOT_FOUND') return undefined;
      throw err;
    }
    const doc = parseJsonDocument(got.bytes, `referrers tag ${tag}`, this.#maxManifestBytes);
    const index = parseImageIndex(doc, `referrers tag ${tag}`);
    return { index, raw: (doc as { manifests: unknown[] }).manifests };
  }

  /**
   * Push a manifest that names `subject` (by its digest, never a tag) and make it findable as a
   * referrer: a registry that answers with `OCI-Subject` has indexed it; otherwise the referrers
   * tag's index gets the new descriptor appended (entries already there are kept, unknown
   * fields and all) — distribution-spec "Pushing Manifests with Subject", the client side.
   */
  async pushReferrer(repository: string, manifest: Buffer, descriptor: { readonly mediaType: string; readonly artifactType: string; readonly subject: string; readonly annotations?: Readonly<Record<string, string>> }): Promise<{ readonly digest: string; readonly via: 'referrers-api' | 'referrers-tag' }> {
    const subject = parseDigest(descriptor.subject, 'BAD_TARGET').digest;
    const digest = computeDigest(manifest, 'sha256');
    const pushed = await this.putManifest(repository, digest, manifest, descriptor.mediaType);
    if (pushed.subject !== undefined) return { digest, via: 'referrers-api' };
    const existing = await this.#fallbackIndex(repository, subject);
    const entries: unknown[] = [...(existing?.raw ?? [])];
    if (!existing?.index.manifests.some((m) => m.digest === digest)) {
      entries.push({
        mediaType: descriptor.mediaType,
        digest,
        size: manifest.byteLength,
        artifactType: descriptor.artifactType,
        ...(descriptor.annotations !== undefined && Object.keys(descriptor.annotations).length > 0 && { annotations: descriptor.annotations }),
      });
    }
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests: entries }));
    await this.putManifest(repository, referrersTag(subject), index, OCI_IMAGE_INDEX);
    return { digest, via: 'referrers-tag' };
  }
}

export interface PushedManifest {
  /** The manifest's digest (sha256 unless pushed by another algorithm's digest). */
  readonly digest: string;
  /** The `OCI-Subject` response header: set when the registry indexed the manifest's subject. */
  readonly subject: string | undefined;
}

export interface ReferrersResult {
  /** `api`: the referrers API answered; `tag`: it is missing (404) and the referrers tag was read. */
  readonly source: 'api' | 'tag';
  readonly manifests: readonly Descriptor[];
}

/** Largest referrers index read (the manifest bound). */
export const REFERRERS_MAX_BYTES = MAX_MANIFEST_BYTES;
const DEFAULT_MAX_TAGS = 100_000;
const MAX_TAG_PAGES = 1000;

/**
 * The referrers tag of a digest: `<alg>-<encoded>`, the algorithm cut to 32 and the encoded
 * part to 64 characters (distribution-spec v1.1 "Referrers Tag Schema"): `sha256-<hex>`.
 */
export function referrersTag(digest: string): string {
  const d = parseDigest(digest, 'BAD_TARGET').digest;
  const colon = d.indexOf(':');
  return `${d.slice(0, colon).slice(0, 32)}-${d.slice(colon + 1).slice(0, 64)}`;
}

/** A `Docker-Content-Digest` the registry reports must be the one we computed. */
function checkReportedDigest(headers: Headers, digest: string, what: string): void {
  const header = headers.get('docker-content-digest');
  if (header === null) return;
  const reported = tryParseDigest(header.trim());
  if (reported !== undefined && reported.algorithm === tryParseDigest(digest)?.algorithm && reported.digest !== digest) {
    throw new VouchError('DIGEST_MISMATCH', `${what}: the registry stored ${reported.digest}, we sent ${digest}`);
  }
}

/** The `rel="next"` target of a Link header (RFC 8288), resolved against the response URL. */
function nextLink(header: string | null, base: URL): URL | undefined {
  if (header === null) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (m === null) continue;
    if (!/(?:^|;)\s*rel\s*=\s*"?next"?\s*(?:;|$)/i.test(m[2] ?? '')) continue;
    try {
      return new URL(m[1] ?? '', base);
    } catch {
      return undefined;
    }
  }
  return undefined;
}
