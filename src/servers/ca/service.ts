/**
 * The CA as a VouchService: Fulcio's v2 REST API (`POST /api/v2/signingCert`,
 * `GET /api/v2/trustBundle`, `GET /api/v2/configuration`) plus the deployment's trust material
 * under `/.well-known/sigstore/` (trusted_root.json, signing_config.json). Errors use the
 * grpc-gateway body Fulcio answers with: `{code: <gRPC status>, message}`.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fetchLogPublicKey } from '../../clients/index.ts';
import { VouchError, silentLogger, type Logger } from '../../core/index.ts';
import type { FastifyInstance, FastifyReply, VouchService } from '../http/index.ts';
import { loadOrCreateAuthority, type Authority } from './authority.ts';
import { principalOf } from './identity.ts';
import { checkCsr, checkPublicKeyRequest, issueLeaf, DEFAULT_CERT_VALIDITY_MS, type ProvenKey } from './issue.ts';
import { createTokenVerifier, DEFAULT_AUDIENCE, type IssuerSpec, type KeyedIssuer, type TokenVerifier } from './oidc.ts';
import { buildSigningConfig, buildTrustedRoot } from './trust-root.ts';

export interface CaServiceOptions {
  /** The deployment's data folder; the CA keeps its material under `<dataDir>/ca/`. */
  readonly dataDir: string;
  readonly issuers: readonly IssuerSpec[];
  readonly keyedIssuers?: readonly KeyedIssuer[];
  readonly audience?: string;
  readonly certValidityMs?: number;
  readonly certFile?: string | undefined;
  readonly keyFile?: string | undefined;
  /** `VOUCH_CA_PASSWORD`. */
  readonly password?: string | undefined;
  /** This CA's base URL as clients reach it. */
  readonly publicUrl: () => string;
  /** The transparency log's base URL (default: publicUrl(), the log mounted beside the CA). */
  readonly logUrl?: () => string;
  /** OIDC provider URLs for signing_config.json (the development issuer, when on). */
  readonly oidcUrls?: () => string[];
  readonly logger?: Logger;
  readonly announce?: (line: string) => void;
}

export interface CaService extends VouchService {
  readonly authority: Authority;
  readonly verifier: TokenVerifier;
}

/** Largest signingCert body: a token (16 KiB) and a PEM key or CSR with room to spare. */
export const MAX_REQUEST_BYTES = 64 * 1024;

const GRPC = { INVALID_ARGUMENT: 3, UNAUTHENTICATED: 16, UNAVAILABLE: 14, INTERNAL: 13, NOT_FOUND: 5 } as const;

export async function createCaService(options: CaServiceOptions): Promise<CaService> {
  const logger = options.logger ?? silentLogger;
  const authority = await loadOrCreateAuthority({
    dir: join(options.dataDir, 'ca'),
    password: options.password,
    certFile: options.certFile,
    keyFile: options.keyFile,
    logger,
    ...(options.announce === undefined ? {} : { announce: options.announce }),
  });
  const verifier = await createTokenVerifier({
    issuers: options.issuers,
    keyedIssuers: options.keyedIssuers ?? [],
    audience: options.audience ?? DEFAULT_AUDIENCE,
  });
  if (verifier.issuers().length === 0) logger.warn('ca: no OIDC issuer is trusted, so every certificate request is refused: add --oidc-issuer URL (or ca.oidcIssuers in the config file)');
  const validityMs = options.certValidityMs ?? DEFAULT_CERT_VALIDITY_MS;
  const logUrl = (): string => (options.logUrl?.() ?? options.publicUrl()).replace(/\/+$/, '');
  const started = new Date();
  let logKey: Promise<string> | undefined;

  const fail = (reply: FastifyReply, err: unknown): FastifyReply => {
    if (err instanceof VouchError && (err.code === 'CA_TOKEN_REJECTED' || err.code === 'CA_BAD_REQUEST')) {
      const unauth = err.code === 'CA_TOKEN_REJECTED';
      logger.debug(`ca: refused: ${err.message}`);
      return reply.code(unauth ? 401 : 400).send({ code: unauth ? GRPC.UNAUTHENTICATED : GRPC.INVALID_ARGUMENT, message: err.message });
    }
    const id = randomUUID();
    logger.warn(`ca: internal error ${id}: ${(err as Error).message}`);
    return reply.code(500).send({ code: GRPC.INTERNAL, message: `internal error (request ${id})` });
  };

  const trustedRoot = async () => {
    logKey ??= fetchLogPublicKey(logUrl(), { timeoutMs: 10_000 }).catch((err: unknown) => {
      logKey = undefined;
      throw err;
    });
    return buildTrustedRoot({ caUrl: options.publicUrl(), chains: [authority.chainPem], logUrl: logUrl(), logPublicKeyPem: await logKey });
  };

  return {
    name: 'ca',
    authority,
    verifier,
    register(app: FastifyInstance) {
      app.setErrorHandler((err: Error & { statusCode?: number }, _request, reply) => {
        if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
          return reply.code(err.statusCode).send({ code: GRPC.INVALID_ARGUMENT, message: err.message });
        }
        return fail(reply, err);
      });
      app.post('/api/v2/signingCert', { bodyLimit: MAX_REQUEST_BYTES }, async (request, reply) => {
        try {
          const body = request.body as Record<string, unknown> | null;
          if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new VouchError('CA_BAD_REQUEST', 'expected a JSON object');
          const credentials = body.credentials as { oidcIdentityToken?: unknown } | undefined;
          // Fulcio also takes the token as a bearer token.
          const header = request.headers.authorization;
          const token = credentials?.oidcIdentityToken ?? (typeof header === 'string' && /^Bearer /i.test(header) ? header.slice(7).trim() : undefined);
          if (typeof token !== 'string' || token === '') throw new VouchError('CA_TOKEN_REJECTED', 'credentials.oidcIdentityToken is missing');
          const { issuer, claims } = await verifier.verify(token);
          const principal = principalOf(claims, issuer);
          let key: ProvenKey;
          if (body.publicKeyRequest !== undefined) key = checkPublicKeyRequest(body.publicKeyRequest, principal.challenge);
          else if (body.certificateSigningRequest !== undefined) key = await checkCsr(body.certificateSigningRequest);
          else throw new VouchError('CA_BAD_REQUEST', 'the request has neither publicKeyRequest nor certificateSigningRequest');
          const leaf = issueLeaf(authority, key, principal, { validityMs });
          logger.debug(`ca: issued a certificate for ${principal.san.value} (${issuer})`);
          // No CT log in this deployment: the SCT is detached and absent (Fulcio does the same without a CT log).
          return reply.code(201).send({ signedCertificateDetachedSct: { chain: { certificates: [leaf, ...authority.chainPem] } } });
        } catch (err) {
          return fail(reply, err);
        }
      });
      app.get('/api/v2/trustBundle', (_request, reply) => reply.send({ chains: [{ certificates: authority.chainPem }] }));
      app.get('/api/v2/configuration', (_request, reply) =>
        reply.send({ issuers: verifier.issuers().map((issuerUrl) => ({ issuerUrl, audience: options.audience ?? DEFAULT_AUDIENCE, challengeClaim: 'email or sub' })) }),
      );
      app.get('/.well-known/sigstore/trusted_root.json', async (_request, reply) => {
        try {
          return await trustedRoot();
        } catch (err) {
          logger.warn(`ca: trusted_root.json: ${(err as Error).message}`);
          return reply.code(503).send({ code: GRPC.UNAVAILABLE, message: `the transparency log key is not available from ${logUrl()}: is the log service running?` });
        }
      });
      app.get('/.well-known/sigstore/signing_config.json', (_request, reply) =>
        reply.send(buildSigningConfig({ caUrl: options.publicUrl(), logUrl: logUrl(), oidcUrls: options.oidcUrls?.() ?? [], validFrom: started })),
      );
      return Promise.resolve();
    },
    health() {
      const notAfter = Math.min(...authority.chain.map((c) => c.notAfter.getTime()));
      if (Date.now() + validityMs > notAfter) return Promise.resolve({ ok: false, detail: `the CA chain expires ${new Date(notAfter).toISOString()}: leaves would outlive it` });
      return Promise.resolve({ ok: true, detail: `issuing for ${verifier.issuers().length} OIDC issuer(s)` });
    },
    close() {
      return Promise.resolve();
    },
  };
}
