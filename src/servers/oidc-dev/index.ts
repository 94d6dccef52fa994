/**
 * A development OIDC issuer, FOR TESTING ONLY: anyone who can reach it gets a token for any
 * identity they name. `vouch serve --dev-oidc` mounts it beside the CA and the CA trusts it.
 *
 * Serves OpenID Connect Discovery (`GET /.well-known/openid-configuration`), its JWKS
 * (`GET /dev-oidc/jwks`) and a mint endpoint (`POST /dev-oidc/token {email | sub, aud?, claims?}`
 * → `{id_token, token_type, expires_in}`). The issuer URL is the server's public URL; the ES256
 * key lives in memory, so tokens die with the process.
 */
import { generateKeyPair, exportJWK, SignJWT, createLocalJWKSet, type JWK, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { FastifyInstance, VouchService } from '../http/index.ts';

export const DEV_OIDC_WARNING = 'dev-oidc: the development OIDC issuer is ON. It gives a token for any identity to anyone who asks: FOR TESTING ONLY, never in production.';
const DEFAULT_TTL_SECONDS = 600;
const MAX_BODY_BYTES = 16 * 1024;
const RESERVED = new Set(['iss', 'aud', 'exp', 'iat', 'nbf', 'jti']);

export interface DevOidcOptions {
  /** The issuer URL (the server's public URL), known once listening. */
  readonly issuer: () => string;
  readonly audience?: string;
  readonly ttlSeconds?: number;
}

export interface DevOidc extends VouchService {
  /** Verification keys for the CA (no HTTP round trip). */
  readonly keys: JWTVerifyGetKey;
  readonly issuer: () => string;
  /** Mint a token (what POST /dev-oidc/token does). */
  readonly mint: (claims: JWTPayload & { email?: string; sub?: string }) => Promise<string>;
}

export async function createDevOidc(options: DevOidcOptions): Promise<DevOidc> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'vouch-dev-oidc', alg: 'ES256', use: 'sig' };
  const jwks = { keys: [jwk] };
  const keys = createLocalJWKSet(jwks);
  const ttl = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  const audience = options.audience ?? 'sigstore';
  const issuer = (): string => options.issuer().replace(/\/+$/, '');

  const mint = async (claims: JWTPayload & { email?: string; sub?: string }): Promise<string> => {
    const body: JWTPayload = { ...claims };
    for (const k of RESERVED) if (k !== 'aud') delete body[k];
    if (typeof claims.email === 'string' && claims.email_verified === undefined) body.email_verified = true;
    const sub = claims.sub ?? claims.email;
    return new SignJWT(body)
      .setProtectedHeader({ alg: 'ES256', kid: jwk.kid!, typ: 'JWT' })
      .setIssuer(issuer())
      .setSubject(String(sub))
      .setAudience(claims.aud ?? audience)
      .setIssuedAt()
      .setExpirationTime(`${ttl}s`)
      .sign(privateKey);
  };

  return {
    name: 'dev-oidc',
    keys,
    issuer,
    mint,
    register(app: FastifyInstance) {
      app.get('/.well-known/openid-configuration', (_request, reply) =>
        reply.send({
        issuer: issuer(),
        jwks_uri: `${issuer()}/dev-oidc/jwks`,
        token_endpoint: `${issuer()}/dev-oidc/token`,
        response_types_supported: ['id_token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['ES256'],
        claims_supported: ['sub', 'email', 'email_verified', 'aud', 'iss', 'exp', 'iat'],
        }),
      );
      app.get('/dev-oidc/jwks', (_request, reply) => reply.send(jwks));
      app.post('/dev-oidc/token', { bodyLimit: MAX_BODY_BYTES }, async (request, reply) => {
        const body = request.body as { email?: unknown; sub?: unknown; aud?: unknown; claims?: unknown } | null;
        const email = body?.email;
        const sub = body?.sub;
        const extra = body?.claims;
        if ((typeof email !== 'string' || email === '') && (typeof sub !== 'string' || sub === '')) {
          return reply.code(400).send({ error: 'invalid_request', error_description: 'give "email" or "sub"' });
        }
        if (extra !== undefined && (typeof extra !== 'object' || extra === null || Array.isArray(extra))) {
          return reply.code(400).send({ error: 'invalid_request', error_description: '"claims" must be an object' });
        }
        if (body?.aud !== undefined && typeof body.aud !== 'string') {
          return reply.code(400).send({ error: 'invalid_request', error_description: '"aud" must be a string' });
        }
        const claims: JWTPayload & { email?: string; sub?: string } = { ...(extra as JWTPayload | undefined) };
        if (typeof email === 'string' && email !== '') claims.email = email;
        if (typeof sub === 'string' && sub !== '') claims.sub = sub;
        if (typeof body?.aud === 'string') claims.aud = body.aud;
        const token = await mint(claims);
        return { id_token: token, access_token: token, token_type: 'Bearer', expires_in: ttl };
      });
      return Promise.resolve();
    },
    health() {
      return Promise.resolve({ ok: true, detail: 'development issuer: testing only' });
    },
    close() {
      return Promise.resolve();
    },
  };
}
