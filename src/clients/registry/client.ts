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
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, MAX_MANIFEST_BYTES, OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from '../../formats/oci/index.ts';
import { Authenticator, pullScope } from './auth.ts';
import type { RegistryCredentials } from './credentials.ts';
import { candidateSchemes, registryApiHost } from './endpoint.ts';
import { HttpClient, type HttpOptions, type HttpResponse, RegistryHttpError, discard } from './http.ts';

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
   * 401 is answered once. Resolves with a 2xx response, else throws its RegistryHttpError.
   */
  async #request(method: 'GET' | 'HEAD', repository: string, path: string, accept: string | undefined, what: string): Promise<HttpResponse> {
    const { base } = await this.ping();
    const url = new URL(`/v2/${repository}/${path}`, base);
    const scopes = [pullScope(repository)];
    const headers: Record<string, string> = accept === undefined ? {} : { accept };
    const authorization = await this.#auth.authorization(this.apiHost, scopes);
    if (authorization !== undefined) headers.authorization = authorization;
    let res = await this.#http.send({ method, url, headers });
    if (res.status === 401) {
      const header = res.headers.get('www-authenticate');
      await discard(res);
      const challenge = this.#auth.recordChallenge(this.apiHost, header);
      headers.authorization = await this.#auth.answerChallenge(this.apiHost, challenge, scopes);
      res = await this.#http.send({ method, url, headers });
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
}
