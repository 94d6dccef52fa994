/**
 * A deployment's trust material for clients (sigstore/protobuf-specs): the TrustedRoot
 * (`sigstore_trustroot.proto`, media type `application/vnd.dev.sigstore.trustedroot+json;version=0.1`)
 * naming this CA's chain and the log's key, and the SigningConfig v0.2 naming the CA, OIDC and
 * log URLs. No CT log and no TSA here: `ctlogs` and `timestampAuthorities` are empty, so
 * verifiers run with ctlogThreshold 0 and take the signing time from the log.
 */
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fetchLogPublicKey, fetchTrustBundle } from '../../clients/index.ts';
import { VouchError } from '../../core/index.ts';
import { x509 } from './x509.ts';

export const TRUSTED_ROOT_MEDIA_TYPE = 'application/vnd.dev.sigstore.trustedroot+json;version=0.1';
export const SIGNING_CONFIG_MEDIA_TYPE = 'application/vnd.dev.sigstore.signingconfig.v0.2+json';

export interface TrustRootInput {
  /** This CA's base URL. */
  readonly caUrl: string;
  /** Each chain as PEMs, issuing CA first, root last (`/api/v2/trustBundle`). */
  readonly chains: readonly (readonly string[])[];
  /** The transparency log's base URL and PEM public key. */
  readonly logUrl: string;
  readonly logPublicKeyPem: string;
  /** Since when the log key is trusted (default: the Unix epoch: the key carries no date). */
  readonly logValidFrom?: Date;
}

export interface TrustedRootJson {
  readonly mediaType: string;
  readonly tlogs: readonly unknown[];
  readonly certificateAuthorities: readonly unknown[];
  readonly ctlogs: readonly unknown[];
  readonly timestampAuthorities: readonly unknown[];
}

export function buildTrustedRoot(input: TrustRootInput): TrustedRootJson {
  const certificateAuthorities = input.chains.map((pems) => {
    let certs: x509.X509Certificate[];
    try {
      certs = pems.map((p) => new x509.X509Certificate(p));
    } catch (err) {
      throw new VouchError('TRUST_ROOT_ERROR', `the CA chain holds something that is not a certificate: ${(err as Error).message}`, { cause: err });
    }
    const root = certs[certs.length - 1]!;
    const start = new Date(Math.max(...certs.map((c) => c.notBefore.getTime())));
    const end = new Date(Math.min(...certs.map((c) => c.notAfter.getTime())));
    return {
      subject: { organization: nameAttr(root, 'O') ?? 'vouch', commonName: nameAttr(root, 'CN') ?? 'vouch' },
      uri: input.caUrl,
      certChain: { certificates: certs.map((c) => ({ rawBytes: Buffer.from(c.rawData).toString('base64') })) },
      validFor: { start: start.toISOString(), end: end.toISOString() },
    };
  });
  const { der, keyDetails } = logKey(input.logPublicKeyPem);
  return {
    mediaType: TRUSTED_ROOT_MEDIA_TYPE,
    tlogs: [
      {
        baseUrl: input.logUrl,
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: der.toString('base64'), keyDetails, validFor: { start: (input.logValidFrom ?? new Date(0)).toISOString() } },
        // The log id is SHA-256 of the DER SPKI (Rekor v1).
        logId: { keyId: createHash('sha256').update(der).digest('base64') },
      },
    ],
    certificateAuthorities,
    ctlogs: [],
    timestampAuthorities: [],
  };
}

export interface SigningConfigInput {
  readonly caUrl: string;
  readonly logUrl: string;
  readonly oidcUrls?: readonly string[];
  /** When these services started (default: the Unix epoch). */
  readonly validFrom?: Date;
}

/** SigningConfig v0.2 (`sigstore_trustroot.proto` SigningConfig, Service, ServiceConfiguration). */
export function buildSigningConfig(input: SigningConfigInput): Record<string, unknown> {
  const validFor = { start: (input.validFrom ?? new Date(0)).toISOString() };
  const service = (url: string, majorApiVersion: number) => ({ url, majorApiVersion, validFor, operator: 'vouch' });
  return {
    mediaType: SIGNING_CONFIG_MEDIA_TYPE,
    caUrls: [service(input.caUrl, 1)],
    oidcUrls: (input.oidcUrls ?? []).map((u) => service(u, 1)),
    rekorTlogUrls: [service(input.logUrl, 1)],
    tsaUrls: [],
    rekorTlogConfig: { selector: 'ANY' },
    tsaConfig: { selector: 'ANY' },
  };
}

function logKey(pem: string): { der: Buffer; keyDetails: string } {
  let key;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new VouchError('TRUST_ROOT_ERROR', 'the log public key is not a PEM public key', { cause: err });
  }
  const der = key.export({ type: 'spki', format: 'der' });
  const d = key.asymmetricKeyDetails;
  // PublicKeyDetails (sigstore_common.proto).
  let keyDetails: string | undefined;
  if (key.asymmetricKeyType === 'ed25519') keyDetails = 'PKIX_ED25519';
  else if (key.asymmetricKeyType === 'ec') {
    keyDetails = { prime256v1: 'PKIX_ECDSA_P256_SHA_256', secp384r1: 'PKIX_ECDSA_P384_SHA_384', secp521r1: 'PKIX_ECDSA_P521_SHA_512' }[d?.namedCurve ?? ''];
  } else if (key.asymmetricKeyType === 'rsa') {
    keyDetails = { 2048: 'PKIX_RSA_PKCS1V15_2048_SHA256', 3072: 'PKIX_RSA_PKCS1V15_3072_SHA256', 4096: 'PKIX_RSA_PKCS1V15_4096_SHA256' }[d?.modulusLength ?? 0];
  }
  if (keyDetails === undefined) throw new VouchError('TRUST_ROOT_ERROR', `unsupported log key type ${key.asymmetricKeyType ?? '?'}`);
  return { der, keyDetails };
}

function nameAttr(cert: x509.X509Certificate, attr: string): string | undefined {
  return cert.subjectName.getField(attr)[0];
}

export interface CollectOptions {
  /** The CA's base URL (named in the trust root; its chain is fetched from it unless dataDir is given). */
  readonly caUrl: string;
  /** The log's base URL (default: caUrl, the all-in-one server). */
  readonly logUrl?: string | undefined;
  /** Read the chain and the log key from this deployment's data folder instead of over HTTP. */
  readonly dataDir?: string | undefined;
  readonly oidcUrls?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

export interface TrustMaterial {
  readonly trustedRoot: TrustedRootJson;
  readonly signingConfig: Record<string, unknown>;
}

/**
 * `vouch trust-root`: the trust root and signing config of a deployment, from its running services
 * (`GET <ca>/api/v2/trustBundle`, `GET <log>/api/v1/log/publicKey`) or from its data folder
 * (`<data>/ca/intermediate.pem` + `root.pem`; the public half of `<data>/log/log-key.pem`, whose
 * password is VOUCH_LOG_KEY_PASSWORD or `<data>/log/log-key.password`).
 */
export async function collectTrustMaterial(options: CollectOptions): Promise<TrustMaterial> {
  const caUrl = options.caUrl.replace(/\/+$/, '');
  const logUrl = (options.logUrl ?? caUrl).replace(/\/+$/, '');
  let chains: string[][];
  let logPem: string;
  if (options.dataDir !== undefined) {
    const ca = join(options.dataDir, 'ca');
    chains = [[await readSmall(join(ca, 'intermediate.pem')), await readSmall(join(ca, 'root.pem'))]];
    logPem = await logPublicKeyFromData(join(options.dataDir, 'log'), options.env ?? {});
  } else {
    [chains, logPem] = await Promise.all([fetchTrustBundle(caUrl), fetchLogPublicKey(logUrl)]);
  }
  const trustedRoot = buildTrustedRoot({ caUrl, chains, logUrl, logPublicKeyPem: logPem });
  const signingConfig = buildSigningConfig({ caUrl, logUrl, oidcUrls: options.oidcUrls ?? [] });
  return { trustedRoot, signingConfig };
}

async function logPublicKeyFromData(dir: string, env: NodeJS.ProcessEnv): Promise<string> {
  const keyFile = join(dir, 'log-key.pem');
  const pem = await readSmall(keyFile);
  const password = env.VOUCH_LOG_KEY_PASSWORD || (pem.includes('ENCRYPTED') ? (await readSmall(join(dir, 'log-key.password'))).trim() : undefined);
  try {
    const key = createPrivateKey({ key: pem, format: 'pem', ...(password === undefined ? {} : { passphrase: password }) });
    return createPublicKey(key).export({ type: 'spki', format: 'pem' }) as string;
  } catch (err) {
    throw new VouchError('TRUST_ROOT_ERROR', `cannot read the log key ${keyFile}: ${(err as Error).message}`, { cause: err, hint: 'set VOUCH_LOG_KEY_PASSWORD' });
  }
}

async function readSmall(file: string): Promise<string> {
  try {
    const st = await stat(file);
    if (st.size > 256 * 1024) throw new VouchError('TRUST_ROOT_ERROR', `${file} is over 256 KiB`);
    return await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof VouchError) throw err;
    throw new VouchError('TRUST_ROOT_ERROR', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
}
