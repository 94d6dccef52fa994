/**
 * The CA's own certificates and key: a root and an intermediate generated at first start (kept
 * under `<dataDir>/ca/`, private keys as encrypted PKCS#8), or a chain and key given by the
 * operator (`--ca-cert`, `--ca-key`). Leaf certificates are signed by the first certificate of the
 * chain (the intermediate); the last is the root that goes into the trust root.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject, type webcrypto } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { VouchError, silentLogger, type Logger } from '../../core/index.ts';
import { derOid, seq } from './der.ts';
import { certPem, x509 } from './x509.ts';

export interface Authority {
  /** Issuing CA first, root last. */
  readonly chain: readonly x509.X509Certificate[];
  /** The same, as PEM. */
  readonly chainPem: readonly string[];
  readonly signingKey: webcrypto.CryptoKey;
  readonly signingAlgorithm: webcrypto.Algorithm | webcrypto.EcdsaParams;
  /** What leaf issuance needs, prepared once (issue.ts encodes leaves directly: der.ts says why). */
  readonly leaf: LeafSigner;
}

export interface LeafSigner {
  readonly key: KeyObject;
  /** node:crypto hash name, or null for Ed25519. */
  readonly hash: string | null;
  /** The signature AlgorithmIdentifier DER (RFC 5280 §4.1.1.2). */
  readonly algorithmDer: Buffer;
  /** The issuing CA's subject Name DER: the leaves' issuer. */
  readonly issuerNameDer: Buffer;
  /** The authority key identifier extension DER (the issuing CA's subject key id). */
  readonly authorityKeyIdDer: Buffer;
}

export interface AuthorityOptions {
  /** Folder for generated material (`<dataDir>/ca`). */
  readonly dir: string;
  /** Password of the private keys (`VOUCH_CA_PASSWORD`); else generated once and stored 0600 in `<dir>/ca.password`. */
  readonly password?: string | undefined;
  /** Operator-given PEM chain (issuing CA first, root last) and its key (PKCS#8 or SEC1, encrypted or not). */
  readonly certFile?: string | undefined;
  readonly keyFile?: string | undefined;
  /** Common name prefix of generated certificates. */
  readonly name?: string;
  readonly logger?: Logger;
  /** Told once when a password file is created (never logged). */
  readonly announce?: (line: string) => void;
}

export const ROOT_VALIDITY_DAYS = 10 * 365;
export const INTERMEDIATE_VALIDITY_DAYS = 5 * 365;
const MAX_PEM_BYTES = 256 * 1024;
const PASSWORD_FILE = 'ca.password';
const FILES = { root: 'root.pem', intermediate: 'intermediate.pem', rootKey: 'root.key.pem', intermediateKey: 'intermediate.key.pem' } as const;

export async function loadOrCreateAuthority(options: AuthorityOptions): Promise<Authority> {
  if ((options.certFile === undefined) !== (options.keyFile === undefined)) {
    throw new VouchError('CA_CONFIG', '--ca-cert and --ca-key go together');
  }
  if (options.certFile !== undefined && options.keyFile !== undefined) {
    return loadGiven(options.certFile, options.keyFile, options.password);
  }
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const password = options.password ?? (await passwordFromFile(options));
  const paths = Object.fromEntries(Object.entries(FILES).map(([k, v]) => [k, join(options.dir, v)])) as Record<keyof typeof FILES, string>;
  if (!(await exists(paths.intermediate))) await generate(paths, password, options);
  const chain = [await readCert(paths.intermediate), await readCert(paths.root)];
  const key = await readKey(paths.intermediateKey, password);
  return toAuthority(chain, key);
}

async function loadGiven(certFile: string, keyFile: string, password: string | undefined): Promise<Authority> {
  const text = await readBounded(certFile);
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0 || blocks.length > 8) throw new VouchError('CA_KEY_ERROR', `${certFile}: expected 1 to 8 PEM certificates, found ${blocks.length}`);
  let chain: x509.X509Certificate[];
  try {
    chain = blocks.map((b) => new x509.X509Certificate(b));
  } catch (err) {
    throw new VouchError('CA_KEY_ERROR', `${certFile}: not a certificate: ${(err as Error).message}`, { cause: err });
  }
  return toAuthority(chain, await readKey(keyFile, password));
}

function toAuthority(chain: x509.X509Certificate[], key: KeyObject): Authority {
  const issuing = chain[0]!;
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  if (!Buffer.from(issuing.publicKey.rawData).equals(spki)) {
    throw new VouchError('CA_KEY_ERROR', 'the CA key does not match the first certificate of the chain');
  }
  const bc = issuing.getExtension(x509.BasicConstraintsExtension);
  if (bc?.ca !== true) throw new VouchError('CA_KEY_ERROR', 'the issuing certificate is not a CA (basicConstraints cA is not set)');
  const { importAlg, signingAlgorithm } = algorithmsOf(key);
  const signingKey = key.toCryptoKey(importAlg, false, ['sign']);
  const ski = issuing.getExtension(x509.SubjectKeyIdentifierExtension);
  if (ski === null) throw new VouchError('CA_KEY_ERROR', 'the issuing CA certificate has no subject key identifier');
  const leaf: LeafSigner = {
    key,
    hash: leafHash(key),
    algorithmDer: algorithmIdentifier(key),
    issuerNameDer: Buffer.from(issuing.subjectName.toArrayBuffer()),
    authorityKeyIdDer: Buffer.from(new x509.AuthorityKeyIdentifierExtension(ski.keyId).rawData),
  };
  return Object.freeze({ chain: Object.freeze([...chain]), chainPem: Object.freeze(chain.map(certPem)), signingKey, signingAlgorithm, leaf });
}

function algorithmsOf(key: KeyObject): { importAlg: webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams | webcrypto.Algorithm; signingAlgorithm: webcrypto.Algorithm | webcrypto.EcdsaParams } {
  const type = key.asymmetricKeyType;
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const named = curve === 'prime256v1' ? 'P-256' : curve === 'secp384r1' ? 'P-384' : curve === 'secp521r1' ? 'P-521' : undefined;
    if (named === undefined) throw new VouchError('CA_KEY_ERROR', `unsupported CA key curve ${curve ?? '?'}`);
    const hash = named === 'P-256' ? 'SHA-256' : named === 'P-384' ? 'SHA-384' : 'SHA-512';
    return { importAlg: { name: 'ECDSA', namedCurve: named }, signingAlgorithm: { name: 'ECDSA', hash } };
  }
  if (type === 'rsa') return { importAlg: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5' } };
  if (type === 'ed25519') return { importAlg: { name: 'Ed25519' }, signingAlgorithm: { name: 'Ed25519' } };
  throw new VouchError('CA_KEY_ERROR', `unsupported CA key type ${type ?? '?'}`);
}

function leafHash(key: KeyObject): string | null {
  if (key.asymmetricKeyType === 'ed25519') return null;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return curve === 'secp384r1' ? 'sha384' : curve === 'secp521r1' ? 'sha512' : 'sha256';
}

/** RFC 5758 §3.2 (ECDSA: no parameters), RFC 8410 §3 (Ed25519), RFC 4055 §5 (RSA: NULL parameters). */
function algorithmIdentifier(key: KeyObject): Buffer {
  if (key.asymmetricKeyType === 'ed25519') return seq(derOid('1.3.101.112'));
  if (key.asymmetricKeyType === 'rsa') return seq(derOid('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00]));
  const oid = { sha256: '1.2.840.10045.4.3.2', sha384: '1.2.840.10045.4.3.3', sha512: '1.2.840.10045.4.3.4' }[leafHash(key)!]!;
  return seq(derOid(oid));
}

/** Root (P-384, self-signed) and intermediate (P-256: it signs every leaf, and P-256 is the fastest) as Fulcio has them. */
async function generate(paths: Record<keyof typeof FILES, string>, password: string, options: AuthorityOptions): Promise<void> {
  const name = options.name ?? 'vouch';
  const now = new Date();
  const rootKeys = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const interKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rootSigning = rootKeys.privateKey.toCryptoKey({ name: 'ECDSA', namedCurve: 'P-384' }, false, ['sign']);
  const rootSpki = rootKeys.publicKey.export({ type: 'spki', format: 'der' });
  const interSpki = interKeys.publicKey.export({ type: 'spki', format: 'der' });
  const rootName = `CN=${name}-root, O=${name}`;
  const root = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: rootName,
    issuer: rootName,
    notBefore: now,
    notAfter: new Date(now.getTime() + ROOT_VALIDITY_DAYS * 86_400_000),
    publicKey: rootSpki,
    signingKey: rootSigning,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-384' } as webcrypto.EcdsaParams,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(rootSpki),
    ],
  });
  // RFC 5280 §4.2.1.9: pathLen 0, the intermediate signs leaves only; the code-signing EKU as Fulcio's intermediate has it.
  const inter = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${name}-intermediate, O=${name}`,
    issuer: root.subject,
    notBefore: now,
    notAfter: new Date(now.getTime() + INTERMEDIATE_VALIDITY_DAYS * 86_400_000),
    publicKey: interSpki,
    signingKey: rootSigning,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-384' } as webcrypto.EcdsaParams,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.codeSigning]),
      await x509.SubjectKeyIdentifierExtension.create(interSpki),
      await x509.AuthorityKeyIdentifierExtension.create(rootSpki),
    ],
  });
  const enc = (k: KeyObject): string => k.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: password }) as string;
  // Keys first, the intermediate certificate last: its presence marks a complete set.
  await writeAside(paths.rootKey, enc(rootKeys.privateKey), 0o600);
  await writeAside(paths.intermediateKey, enc(interKeys.privateKey), 0o600);
  await writeAside(paths.root, certPem(root), 0o644);
  await writeAside(paths.intermediate, certPem(inter), 0o644);
  (options.logger ?? silentLogger).info(`ca: generated a root and an intermediate CA in ${options.dir}`);
}

async function passwordFromFile(options: AuthorityOptions): Promise<string> {
  const file = join(options.dir, PASSWORD_FILE);
  if (await exists(file)) {
    const text = (await readBounded(file)).trim();
    if (text === '') throw new VouchError('CA_KEY_ERROR', `${file} is empty`);
    return text;
  }
  if (await exists(join(options.dir, FILES.intermediateKey))) {
    throw new VouchError('CA_KEY_ERROR', `the CA keys in ${options.dir} are encrypted and ${file} is missing`, { hint: 'set VOUCH_CA_PASSWORD' });
  }
  const password = randomBytes(32).toString('base64url');
  await writeAside(file, `${password}\n`, 0o600);
  options.announce?.(`ca: VOUCH_CA_PASSWORD not set; generated the CA key password and stored it in ${file} (mode 0600)`);
  return password;
}

async function readKey(file: string, password: string | undefined): Promise<KeyObject> {
  const pem = await readBounded(file);
  try {
    return createPrivateKey({ key: pem, format: 'pem', ...(password === undefined ? {} : { passphrase: password }) });
  } catch (err) {
    const encrypted = pem.includes('ENCRYPTED');
    throw new VouchError('CA_KEY_ERROR', encrypted ? `${file}: cannot decrypt the CA key (wrong or missing password)` : `${file}: not a private key`, {
      cause: err,
      ...(encrypted ? { hint: 'set VOUCH_CA_PASSWORD' } : {}),
    });
  }
}

async function readCert(file: string): Promise<x509.X509Certificate> {
  try {
    return new x509.X509Certificate(await readBounded(file));
  } catch (err) {
    if (err instanceof VouchError) throw err;
    throw new VouchError('CA_KEY_ERROR', `${file}: not a certificate`, { cause: err });
  }
}

async function readBounded(file: string): Promise<string> {
  try {
    const st = await stat(file);
    if (st.size > MAX_PEM_BYTES) throw new VouchError('CA_KEY_ERROR', `${file} is over ${MAX_PEM_BYTES} bytes`);
    return await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof VouchError) throw err;
    throw new VouchError('CA_KEY_ERROR', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** Write to a temp file with its final mode, then rename: never a half-written key. */
async function writeAside(file: string, content: string, mode: number): Promise<void> {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.writeFile(content);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new VouchError('IO_ERROR', `cannot write ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** A positive 20-byte serial (RFC 5280 §4.1.2.2), 159 random bits. */
export function serial(): string {
  const b = randomBytes(20);
  b[0] = b[0]! & 0x7f | 0x01;
  return b.toString('hex');
}
