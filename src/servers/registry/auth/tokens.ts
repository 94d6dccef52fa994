/**
 * Registry bearer tokens (Docker "Token Authentication Implementation", distribution
 * docs/spec/auth/jwt.md): ES256 JWTs signed with a P-256 key generated on first start and kept
 * in the data folder (mode 0600). Claims: `iss`, `sub`, `aud` (the service name), `exp`, `nbf`,
 * `iat`, `jti` and `access: [{type, name, actions}]`. The header's `kid` is the key's RFC 7638
 * JWK thumbprint. Refresh tokens (docs/spec/auth/oauth.md) are JWTs of the same key carrying
 * `token_use: "refresh"` and no `access`; each kind is refused where the other is expected.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { calculateJwkThumbprint, exportJWK, jwtVerify, SignJWT } from 'jose';
import { VouchError } from '../../../core/index.ts';

export interface AccessEntry {
  readonly type: string;
  readonly name: string;
  readonly actions: readonly string[];
}

export interface AccessClaims {
  readonly sub: string;
  readonly access: readonly AccessEntry[];
  readonly exp: number;
}

export interface TokenKeys {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly kid: string;
}

/** Read the signing key at `path`, or create it (0600, never overwriting one another process wrote). */
export async function loadOrCreateTokenKey(path: string): Promise<TokenKeys> {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new VouchError('IO_ERROR', `cannot read the registry token key ${path}: ${(err as Error).message}`, { cause: err });
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const text = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    try {
      writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
      pem = text;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new VouchError('IO_ERROR', `cannot write the registry token key ${path}: ${(e as Error).message}`, { cause: e });
      pem = readFileSync(path, 'utf8');
    }
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (err) {
    throw new VouchError('IO_ERROR', `the registry token key ${path} is not a PEM private key: ${(err as Error).message}`, { cause: err });
  }
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new VouchError('IO_ERROR', `the registry token key ${path} must be an ECDSA P-256 key`);
  }
  const publicKey = createPublicKey(privateKey);
  const kid = await calculateJwkThumbprint(await exportJWK(publicKey), 'sha256');
  return { privateKey, publicKey, kid };
}

export interface TokenServiceOptions {
  readonly keys: TokenKeys;
  readonly issuer: string;
  /** The `service` of challenges and the tokens' `aud`. */
  readonly service: string;
  readonly accessTtlSeconds: number;
  readonly refreshTtlSeconds: number;
  readonly now: () => number;
}

const MAX_CACHE = 10_000;
const MAX_TOKEN_CHARS = 16 * 1024;

export class TokenService {
  readonly #o: TokenServiceOptions;
  /** Verified access tokens until they expire: ECDSA verification once per token, not per request. */
  readonly #cache = new Map<string, AccessClaims>();

  constructor(options: TokenServiceOptions) {
    this.#o = options;
  }

  get service(): string {
    return this.#o.service;
  }

  #nowSeconds(): number {
    return Math.floor(this.#o.now() / 1000);
  }

  async issueAccess(sub: string, access: readonly AccessEntry[]): Promise<{ token: string; expiresIn: number; issuedAt: string }> {
    const iat = this.#nowSeconds();
    const token = await new SignJWT({ access: access.map((a) => ({ type: a.type, name: a.name, actions: [...a.actions] })) })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: this.#o.keys.kid })
      .setIssuer(this.#o.issuer)
      .setSubject(sub)
      .setAudience(this.#o.service)
      .setIssuedAt(iat)
      .setNotBefore(iat - 1)
      .setExpirationTime(iat + this.#o.accessTtlSeconds)
      .setJti(randomUUID())
      .sign(this.#o.keys.privateKey);
    return { token, expiresIn: this.#o.accessTtlSeconds, issuedAt: new Date(iat * 1000).toISOString() };
  }

  async issueRefresh(sub: string): Promise<string> {
    const iat = this.#nowSeconds();
    return new SignJWT({ token_use: 'refresh' })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: this.#o.keys.kid })
      .setIssuer(this.#o.issuer)
      .setSubject(sub)
      .setAudience(this.#o.service)
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.#o.refreshTtlSeconds)
      .setJti(randomUUID())
      .sign(this.#o.keys.privateKey);
  }

  async #verify(token: string): Promise<Record<string, unknown> | undefined> {
    if (token.length > MAX_TOKEN_CHARS) return undefined;
    try {
      const { payload } = await jwtVerify(token, this.#o.keys.publicKey, {
        algorithms: ['ES256'],
        issuer: this.#o.issuer,
        audience: this.#o.service,
        currentDate: new Date(this.#o.now()),
        requiredClaims: ['sub', 'exp'],
      });
      return payload;
    } catch {
      return undefined;
    }
  }

  /** The claims of a valid, unexpired access token; undefined for anything else. */
  async verifyAccess(token: string): Promise<AccessClaims | undefined> {
    const cached = this.#cache.get(token);
    if (cached !== undefined) {
      if (cached.exp > this.#nowSeconds()) return cached;
      this.#cache.delete(token);
      return undefined;
    }
    const p = await this.#verify(token);
    if (p === undefined || p.token_use !== undefined || !Array.isArray(p.access) || typeof p.sub !== 'string') return undefined;
    const access: AccessEntry[] = [];
    for (const a of p.access as unknown[]) {
      const e = a as { type?: unknown; name?: unknown; actions?: unknown };
      if (typeof e.type !== 'string' || typeof e.name !== 'string' || !Array.isArray(e.actions) || !e.actions.every((x) => typeof x === 'string')) return undefined;
      access.push({ type: e.type, name: e.name, actions: e.actions });
    }
    const claims: AccessClaims = { sub: p.sub, access, exp: Number(p.exp) };
    if (this.#cache.size >= MAX_CACHE) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(token, claims);
    return claims;
  }

  /** The subject of a valid refresh token. */
  async verifyRefresh(token: string): Promise<string | undefined> {
    const p = await this.#verify(token);
    if (p?.token_use !== 'refresh' || typeof p.sub !== 'string') return undefined;
    return p.sub;
  }
}
