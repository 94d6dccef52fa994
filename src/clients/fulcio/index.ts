/**
 * Fulcio v2 client (sigstore/fulcio `fulcio.proto`, REST mapping `/api/v2/…`): ask a CA for a
 * short-lived signing certificate for an OIDC identity token, and fetch a deployment's trust
 * material (the CA chains, the transparency log's public key) for `vouch trust-root`.
 */
import { createPublicKey } from 'node:crypto';
import { VouchError } from '../../core/index.ts';

/** Signs the challenge (the token's email or sub) with the key being certified. */
export type ProofOfPossessionSigner = (challenge: Buffer) => Promise<Uint8Array> | Uint8Array;

export interface FulcioClientOptions {
  /** Per-request timeout (default 30 s). */
  readonly timeoutMs?: number;
}

export const DEFAULT_FULCIO_TIMEOUT_MS = 30_000;
const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * The value a Fulcio proof of possession signs: the token's `email` claim when it has one (which
 * must then be verified), else its `sub` (Fulcio's principal name; sigstore-js does the same).
 * Reads the token without verifying it: the CA does that.
 */
export function tokenChallenge(token: string): string {
  const payload = token.split('.')[1];
  let claims: { email?: unknown; email_verified?: unknown; sub?: unknown };
  try {
    claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as typeof claims;
  } catch {
    throw new VouchError('CA_REQUEST_FAILED', 'the identity token is not a JWT');
  }
  if (typeof claims.email === 'string' && claims.email !== '') {
    if (claims.email_verified !== true) throw new VouchError('CA_REQUEST_FAILED', 'the identity token has an email its issuer did not verify');
    return claims.email;
  }
  if (typeof claims.sub === 'string' && claims.sub !== '') return claims.sub;
  throw new VouchError('CA_REQUEST_FAILED', 'the identity token has neither an email nor a subject');
}

/**
 * `POST <url>/api/v2/signingCert` with the token and the public key plus its proof of
 * possession. Returns the chain as PEMs, leaf first.
 */
export async function requestSigningCertificate(
  url: string,
  token: string,
  publicKeyPem: string,
  proofOfPossessionSigner: ProofOfPossessionSigner,
  options: FulcioClientOptions = {},
): Promise<string[]> {
  const challenge = Buffer.from(tokenChallenge(token), 'utf8');
  const proof = Buffer.from(await proofOfPossessionSigner(challenge));
  const key = createPublicKey(publicKeyPem);
  const algorithm = key.asymmetricKeyType === 'ed25519' ? 'ED25519' : key.asymmetricKeyType === 'ec' ? 'ECDSA' : 'RSA_PSS';
  const body = {
    credentials: { oidcIdentityToken: token },
    publicKeyRequest: { publicKey: { algorithm, content: publicKeyPem }, proofOfPossession: proof.toString('base64') },
  };
  const res = await call(`${base(url)}/api/v2/signingCert`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, options);
  const json = res as { signedCertificateEmbeddedSct?: { chain?: { certificates?: unknown } }; signedCertificateDetachedSct?: { chain?: { certificates?: unknown } } };
  const certs = (json.signedCertificateEmbeddedSct ?? json.signedCertificateDetachedSct)?.chain?.certificates;
  if (!Array.isArray(certs) || certs.length === 0 || !certs.every((c) => typeof c === 'string' && c.includes('-----BEGIN CERTIFICATE-----'))) {
    throw new VouchError('CA_REQUEST_FAILED', `${base(url)}: the response carries no certificate chain`);
  }
  return certs as string[];
}

/** `GET <url>/api/v2/trustBundle`: each chain's PEMs (issuing CA first, root last). */
export async function fetchTrustBundle(url: string, options: FulcioClientOptions = {}): Promise<string[][]> {
  const json = (await call(`${base(url)}/api/v2/trustBundle`, { method: 'GET' }, options)) as { chains?: unknown };
  const chains = Array.isArray(json.chains) ? json.chains : [];
  const out = chains.map((c) => (c as { certificates?: unknown }).certificates).filter((c): c is string[] => Array.isArray(c) && c.length > 0 && c.every((p) => typeof p === 'string'));
  if (out.length === 0) throw new VouchError('TRUST_ROOT_ERROR', `${base(url)}/api/v2/trustBundle: no certificate chain`);
  return out;
}

/** `GET <url>/api/v1/log/publicKey` (Rekor v1): the log's public key as PEM. */
export async function fetchLogPublicKey(url: string, options: FulcioClientOptions = {}): Promise<string> {
  const target = `${base(url)}/api/v1/log/publicKey`;
  const res = await send(target, { method: 'GET' }, options, 'TRUST_ROOT_ERROR');
  const text = res.toString('utf8');
  if (!text.includes('-----BEGIN PUBLIC KEY-----')) throw new VouchError('TRUST_ROOT_ERROR', `${target}: not a PEM public key`);
  return text;
}

function base(url: string): string {
  return url.replace(/\/+$/, '');
}

async function call(url: string, init: RequestInit, options: FulcioClientOptions): Promise<unknown> {
  const buf = await send(url, init, options, 'CA_REQUEST_FAILED');
  try {
    return JSON.parse(buf.toString('utf8')) as unknown;
  } catch {
    throw new VouchError('CA_REQUEST_FAILED', `${url}: the response is not JSON`);
  }
}

async function send(url: string, init: RequestInit, options: FulcioClientOptions, code: 'CA_REQUEST_FAILED' | 'TRUST_ROOT_ERROR'): Promise<Buffer> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_FULCIO_TIMEOUT_MS) });
  } catch (err) {
    throw new VouchError(code, `cannot reach ${url}: ${(err as Error).message}`, { cause: err });
  }
  const buf = await readBounded(res, url, code);
  if (!res.ok) {
    let message = buf.toString('utf8').slice(0, 500);
    try {
      const parsed = JSON.parse(message) as { message?: unknown };
      if (typeof parsed.message === 'string') message = parsed.message;
    } catch {
      // not the protocol's error body: show the start of the text
    }
    throw new VouchError(code, `${url}: HTTP ${res.status}: ${message}`);
  }
  return buf;
}

async function readBounded(res: Response, url: string, code: 'CA_REQUEST_FAILED' | 'TRUST_ROOT_ERROR'): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > MAX_RESPONSE_BYTES) throw new VouchError(code, `${url}: response over ${MAX_RESPONSE_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let total = 0;
  if (res.body === null) return Buffer.alloc(0);
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > MAX_RESPONSE_BYTES) throw new VouchError(code, `${url}: response over ${MAX_RESPONSE_BYTES} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

/** The key a keyless signer certifies: structurally sign's `SigningKey` (clients cannot import sign). */
export interface CertifiableKey {
  readonly publicKeyPem: string;
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/**
 * Keyless signing's certificate provider (sign's `CertificateProvider` seam): the ephemeral key
 * proves possession by signing the token's challenge, and the CA returns its chain, leaf first.
 */
export function fulcioCertificateProvider(url: string, token: string, options: FulcioClientOptions = {}): (key: CertifiableKey) => Promise<string[]> {
  return (key) => requestSigningCertificate(url, token, key.publicKeyPem, (challenge) => key.sign(challenge), options);
}
