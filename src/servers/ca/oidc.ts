/**
 * OIDC identity token verification for the configured issuers. An issuer's keys come from its
 * discovery document (`<issuer>/.well-known/openid-configuration` → `jwks_uri`, OpenID Connect
 * Discovery 1.0 §4), fetched on first use and cached by jose's remote JWK set, or from a static
 * JWKS file for air-gapped use, or (the development issuer) from memory.
 *
 * Checks (OpenID Connect Core §3.1.3.7): the signature (RS256, ES256, EdDSA), `iss` equal to the
 * configured issuer, `aud` containing the CA's audience (`sigstore`), `exp`/`nbf`/`iat` with a
 * small clock skew. `email_verified` is checked where the identity is built (identity.ts).
 */
import { readFile, stat } from 'node:fs/promises';
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { VouchError } from '../../core/index.ts';

export const DEFAULT_AUDIENCE = 'sigstore';
export const DEFAULT_CLOCK_SKEW_SECONDS = 60;
export const ALLOWED_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;
export const MAX_TOKEN_CHARS = 16 * 1024;
const MAX_JWKS_BYTES = 256 * 1024;
const MAX_DISCOVERY_BYTES = 256 * 1024;
const FETCH_TIMEOUT_MS = 10_000;

export interface IssuerSpec {
  /** The issuer URL exactly as tokens carry it in `iss`. */
  readonly url: string;
  /** A static JWKS file (air-gapped); else the discovery document is fetched. */
  readonly jwksFile?: string | undefined;
}

/** An issuer whose keys the caller provides (the development issuer: its URL is known only once listening). */
export interface KeyedIssuer {
  readonly url: () => string;
  readonly keys: JWTVerifyGetKey;
}

export interface VerifiedToken {
  readonly issuer: string;
  readonly claims: JWTPayload;
}

export interface TokenVerifier {
  verify(token: string): Promise<VerifiedToken>;
  /** Issuer URLs, for `GET /api/v2/configuration`. */
  issuers(): string[];
}

export interface TokenVerifierOptions {
  readonly issuers: readonly IssuerSpec[];
  readonly keyedIssuers?: readonly KeyedIssuer[];
  readonly audience?: string;
  readonly clockSkewSeconds?: number;
}

/** Parse `URL` or `URL=JWKS_FILE` (the `--oidc-issuer` flag and the config file's strings). */
export function parseIssuerSpec(value: string): IssuerSpec {
  const eq = value.indexOf('=', value.indexOf('://') + 3);
  const url = eq < 0 ? value : value.slice(0, eq);
  const jwksFile = eq < 0 ? undefined : value.slice(eq + 1);
  if (!/^https?:\/\/[^\s]+$/.test(url) || !URL.canParse(url)) throw new VouchError('CA_CONFIG', `--oidc-issuer ${value}: expected an http(s) URL, optionally =JWKS_FILE`);
  if (jwksFile === '') throw new VouchError('CA_CONFIG', `--oidc-issuer ${value}: missing JWKS file after "="`);
  return { url, jwksFile };
}

export async function createTokenVerifier(options: TokenVerifierOptions): Promise<TokenVerifier> {
  const audience = options.audience ?? DEFAULT_AUDIENCE;
  const clockTolerance = options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  const keysByIssuer = new Map<string, JWTVerifyGetKey>();
  for (const spec of options.issuers) {
    keysByIssuer.set(spec.url, spec.jwksFile === undefined ? discoveredKeys(spec.url) : await staticKeys(spec.jwksFile));
  }
  const keyed = options.keyedIssuers ?? [];
  const keysFor = (iss: string): JWTVerifyGetKey | undefined => keysByIssuer.get(iss) ?? keyed.find((k) => k.url() === iss)?.keys;
  return {
    issuers: () => [...keysByIssuer.keys(), ...keyed.map((k) => k.url())],
    async verify(token) {
      if (typeof token !== 'string' || token.length === 0) throw rejected('no identity token');
      if (token.length > MAX_TOKEN_CHARS) throw rejected(`the identity token is over ${MAX_TOKEN_CHARS} characters`);
      let iss: unknown;
      try {
        iss = decodeJwt(token).iss;
      } catch {
        throw rejected('the identity token is not a JWT');
      }
      if (typeof iss !== 'string') throw rejected('the identity token has no issuer (iss)');
      const keys = keysFor(iss);
      // The issuer name comes from an unverified token: bounded before it is echoed.
      if (keys === undefined) throw rejected(`unknown OIDC issuer "${iss.slice(0, 200)}": not one this CA trusts`);
      try {
        const { payload } = await jwtVerify(token, keys, {
          issuer: iss,
          audience,
          clockTolerance,
          algorithms: [...ALLOWED_ALGORITHMS],
          requiredClaims: ['exp', 'sub'],
        });
        return { issuer: iss, claims: payload };
      } catch (err) {
        throw rejected(explain(err, audience), err);
      }
    },
  };
}

function explain(err: unknown, audience: string): string {
  if (err instanceof joseErrors.JWTExpired) return 'the identity token has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return `the identity token's audience is not "${audience}"`;
    if (err.claim === 'nbf' || err.claim === 'iat') return 'the identity token is not yet valid';
    return `the identity token's "${err.claim}" claim is invalid: ${err.reason}`;
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'the identity token signature does not verify';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return `the identity token's algorithm is not one of ${ALLOWED_ALGORITHMS.join(', ')}`;
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'no key of the issuer matches the identity token (kid/alg)';
  if (err instanceof joseErrors.JWKSTimeout || err instanceof VouchError) return `cannot fetch the issuer's keys: ${(err as Error).message}`;
  if (err instanceof joseErrors.JOSEError) return `the identity token is invalid: ${err.message}`;
  return `cannot verify the identity token: ${(err as Error).message}`;
}

/** Keys from the discovery document's jwks_uri, resolved on first use (retried on the next token if it failed). */
function discoveredKeys(issuer: string): JWTVerifyGetKey {
  let remote: Promise<JWTVerifyGetKey> | undefined;
  const resolve = async (): Promise<JWTVerifyGetKey> => {
    const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const doc = await fetchJson(url, MAX_DISCOVERY_BYTES);
    const jwksUri = (doc as { jwks_uri?: unknown }).jwks_uri;
    // Discovery §4.3: the document's issuer must equal the issuer it was fetched for.
    if ((doc as { issuer?: unknown }).issuer !== issuer) throw new VouchError('CA_CONFIG', `${url}: its issuer is not ${issuer}`);
    if (typeof jwksUri !== 'string' || !URL.canParse(jwksUri)) throw new VouchError('CA_CONFIG', `${url}: no jwks_uri`);
    return createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: FETCH_TIMEOUT_MS, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
  };
  return async (header, token) => {
    remote ??= resolve().catch((err: unknown) => {
      remote = undefined;
      throw err;
    });
    return (await remote)(header, token);
  };
}

async function staticKeys(file: string): Promise<JWTVerifyGetKey> {
  try {
    const st = await stat(file);
    if (st.size > MAX_JWKS_BYTES) throw new VouchError('CA_CONFIG', `JWKS file ${file} is over ${MAX_JWKS_BYTES} bytes`);
    const jwks = JSON.parse(await readFile(file, 'utf8')) as { keys?: unknown };
    if (!Array.isArray(jwks.keys) || jwks.keys.length === 0) throw new VouchError('CA_CONFIG', `JWKS file ${file}: no "keys" array`);
    return createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]);
  } catch (err) {
    if (err instanceof VouchError) throw err;
    throw new VouchError('CA_CONFIG', `cannot read JWKS file ${file}: ${(err as Error).message}`, { cause: err });
  }
}

async function fetchJson(url: string, maxBytes: number): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'error' });
  } catch (err) {
    throw new VouchError('CA_CONFIG', `cannot fetch ${url}: ${(err as Error).message}`, { cause: err });
  }
  if (!res.ok) throw new VouchError('CA_CONFIG', `${url}: HTTP ${res.status}`);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of (res.body ?? []) as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > maxBytes) throw new VouchError('CA_CONFIG', `${url}: over ${maxBytes} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  const buf = Buffer.concat(chunks);
  try {
    return JSON.parse(buf.toString('utf8')) as unknown;
  } catch (err) {
    throw new VouchError('CA_CONFIG', `${url}: not JSON`, { cause: err });
  }
}

function rejected(message: string, cause?: unknown): VouchError {
  return new VouchError('CA_TOKEN_REJECTED', message, cause === undefined ? {} : { cause });
}
