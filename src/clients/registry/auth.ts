/**
 * Registry authentication: anonymous, Basic (RFC 7617) and the distribution token flow
 * (distribution/distribution docs/spec/auth/token.md):
 *
 *  1. a request answered 401 carries `WWW-Authenticate: Bearer realm=...,service=...,scope=...`;
 *  2. we GET `realm?service=...&scope=repository:<name>:pull` — with Basic credentials when we
 *     have them (and `account=<user>`, as Docker sends), anonymously otherwise;
 *  3. the answer is `{"token"|"access_token", "expires_in"?, "issued_at"?}`; the token goes in
 *     `Authorization: Bearer` and the request is retried once.
 *
 * Tokens are cached per (registry, scope) until `expires_in` (default 60 s per the spec) minus a
 * margin, measured on our clock from when we asked. The last challenge of a registry is kept, so
 * later requests (the config and layer blobs) carry a token from the start instead of
 * collecting a 401 each. A `Basic` challenge is answered only with credentials; none →
 * REGISTRY_AUTH. A `Bearer` challenge is preferred when a registry offers both.
 *
 * Secrets (passwords, `auth` values, tokens) never reach a log line or an error message.
 */
import { type Logger, VouchError } from '../../core/index.ts';
import { type Challenge, parseWwwAuthenticate } from './challenge.ts';
import type { RegistryCredentials } from './credentials.ts';
import { checkTransport } from './endpoint.ts';
import { type HttpClient, describeUrl } from './http.ts';

/** Tokens are renewed this long before they expire. */
const EXPIRY_MARGIN_MS = 10_000;
/** The spec's default lifetime, and the shortest one a server should give. */
const DEFAULT_EXPIRES_IN_S = 60;
const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;
/** Tokens go into a header: visible ASCII only, bounded. */
const TOKEN_RE = /^[\x21-\x7e]{1,65536}$/;

/** `repository:<name>:pull` (token.md "Requesting a Token", scope grammar in token/scope.md). */
export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

/** `repository:<name>:pull,push`: what a write (blob upload, manifest or tag push) asks for. */
export function pushScope(repository: string): string {
  return `repository:${repository}:pull,push`;
}

interface CachedToken {
  readonly token: string;
  readonly expiresAt: number;
}

export interface AuthenticatorOptions {
  readonly http: HttpClient;
  readonly credentials?: RegistryCredentials | undefined;
  readonly logger: Logger;
  /** Milliseconds since the epoch; a clock for tests. */
  readonly now?: () => number;
}

export class Authenticator {
  readonly #http: HttpClient;
  readonly #credentials: RegistryCredentials | undefined;
  readonly #logger: Logger;
  readonly #now: () => number;
  /** host → the challenge we answer (Bearer preferred). */
  readonly #challenges = new Map<string, Challenge>();
  /** `host scope…` → token. */
  readonly #tokens = new Map<string, CachedToken>();
  /** In-flight token requests, so parallel blob pulls ask once. */
  readonly #pending = new Map<string, Promise<CachedToken>>();

  constructor(options: AuthenticatorOptions) {
    this.#http = options.http;
    this.#credentials = options.credentials;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
  }

  get hasCredentials(): boolean {
    return this.#credentials !== undefined;
  }

  /** The `Authorization` value to send up front: undefined until the registry has challenged us. */
  async authorization(host: string, scopes: readonly string[]): Promise<string | undefined> {
    const challenge = this.#challenges.get(host);
    if (challenge === undefined) return undefined;
    return this.#answer(host, challenge, scopes, false);
  }

  /**
   * Record the challenges of a 401 answer and return the one we will answer (Bearer before
   * Basic). Throws REGISTRY_AUTH when the registry offers no scheme we speak.
   */
  recordChallenge(host: string, header: string | null): Challenge {
    const challenges = parseWwwAuthenticate(header);
    const chosen = challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
    if (chosen === undefined) {
      const offered = challenges.map((c) => c.scheme).join(', ');
      throw new VouchError(
        'REGISTRY_AUTH',
        offered === ''
          ? `${host} asks for authentication without a WWW-Authenticate challenge`
          : `${host} asks for authentication with ${offered}; Vouch speaks Basic and Bearer`,
      );
    }
    this.#challenges.set(host, chosen);
    return chosen;
  }

  /**
   * After a 401: answer `challenge` afresh (a cached token for these scopes is dropped: it was
   * just refused or never matched). Throws REGISTRY_AUTH when there is nothing to answer with.
   */
  async answerChallenge(host: string, challenge: Challenge, scopes: readonly string[]): Promise<string> {
    const value = await this.#answer(host, challenge, scopes, true);
    if (value === undefined) {
      throw new VouchError('REGISTRY_AUTH', `${host} requires credentials and none were found for it`, {
        hint: 'pass --creds USER:PASSWORD, or log in with `podman login`/`docker login` (credentials in REGISTRY_AUTH_FILE or ~/.docker/config.json)',
      });
    }
    return value;
  }

  async #answer(host: string, challenge: Challenge, scopes: readonly string[], fresh: boolean): Promise<string | undefined> {
    if (challenge.scheme === 'basic') {
      const c = this.#credentials;
      return c === undefined ? undefined : `Basic ${Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')}`;
    }
    // Bearer: the scopes we need, plus the one the registry named (it knows what it wants).
    const all = [...scopes];
    const named = challenge.params.scope;
    if (named !== undefined && named !== '') for (const s of named.split(' ')) if (s !== '' && !all.includes(s)) all.push(s);
    const key = `${host} ${all.join(' ')}`;
    if (fresh) this.#tokens.delete(key);
    const cached = this.#tokens.get(key);
    if (cached !== undefined && cached.expiresAt > this.#now()) return `Bearer ${cached.token}`;
    let pending = this.#pending.get(key);
    if (pending === undefined) {
      pending = this.#fetchToken(host, challenge, all).finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    const token = await pending;
    this.#tokens.set(key, token);
    return `Bearer ${token.token}`;
  }

  /** token.md "Requesting a Token" and "Token Response Fields". */
  async #fetchToken(host: string, challenge: Challenge, scopes: readonly string[]): Promise<CachedToken> {
    const realm = challenge.params.realm;
    if (realm === undefined || realm === '') throw new VouchError('REGISTRY_AUTH', `${host} sent a Bearer challenge without a realm`);
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new VouchError('REGISTRY_AUTH', `${host} sent a Bearer challenge with a malformed realm`);
    }
    checkTransport(url, this.#http.insecure, 'token realm');
    const service = challenge.params.service;
    if (service !== undefined && service !== '') url.searchParams.set('service', service);
    for (const s of scopes) url.searchParams.append('scope', s);
    const headers: Record<string, string> = { accept: 'application/json' };
    const c = this.#credentials;
    if (c !== undefined) {
      url.searchParams.set('account', c.username);
      headers.authorization = `Basic ${Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')}`;
    }
    const asked = this.#now();
    this.#logger.debug(`token for ${host} (${scopes.join(' ')}) from ${describeUrl(url)}${c === undefined ? ', anonymous' : ', with credentials'}`);
    const res = await this.#http.send({ method: 'GET', url, headers });
    if (res.status < 200 || res.status > 299) {
      const err = await this.#http.errorFor(res, `token for ${host}`);
      if (res.status === 401 || res.status === 403) {
        throw new VouchError(
          'REGISTRY_AUTH',
          `${err.message}: ${c === undefined ? 'anonymous access was refused' : 'the credentials were refused'}`,
          c === undefined
            ? { cause: err, hint: 'pass --creds USER:PASSWORD, or log in with `podman login`/`docker login`' }
            : { cause: err },
        );
      }
      throw err;
    }
    const body = await this.#http.readBody(res, MAX_TOKEN_RESPONSE_BYTES, `token response of ${url.host}`);
    let doc: unknown;
    try {
      doc = JSON.parse(body.toString('utf8'));
    } catch {
      throw new VouchError('REGISTRY_AUTH', `token response of ${url.host} is not JSON`);
    }
    if (typeof doc !== 'object' || doc === null) throw new VouchError('REGISTRY_AUTH', `token response of ${url.host} is not a JSON object`);
    const d = doc as { token?: unknown; access_token?: unknown; expires_in?: unknown };
    // `token` is the spec's field; `access_token` its OAuth 2.0 alias. Either may come alone.
    const token = typeof d.token === 'string' && d.token !== '' ? d.token : d.access_token;
    if (typeof token !== 'string' || !TOKEN_RE.test(token)) {
      throw new VouchError('REGISTRY_AUTH', `token response of ${url.host} holds no usable token`);
    }
    const expiresIn = typeof d.expires_in === 'number' && Number.isFinite(d.expires_in) && d.expires_in > 0 ? d.expires_in : DEFAULT_EXPIRES_IN_S;
    return { token, expiresAt: asked + Math.max(0, expiresIn * 1000 - EXPIRY_MARGIN_MS) };
  }
}
