/** `vouch sign-blob FILE --key K --bundle OUT`: a Sigstore bundle v0.3 (message signature) for a file. */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { fulcioCertificateProvider } from '../../clients/index.ts';
import { VouchError, wrapError } from '../../core/index.ts';
import { loadPrivateKey, rekorWitness, signingKeyFrom, signMessageBundle, type SigningKey, type Witness } from '../../sign/index.ts';
import { parseCommandArgs } from '../args.ts';
import type { Command, CommandIo } from '../command.ts';
import { writeResult } from '../output.ts';
import { passwordFromEnv, readPassword } from '../password.ts';

/** Files up to this size are read whole (Ed25519 and in-memory verification need the bytes); larger ones are hashed streaming. */
export const MAX_IN_MEMORY_ARTIFACT = 64 * 1024 * 1024;
/** Keys, bundles, predicates, trusted roots, policies. */
export const MAX_SMALL_FILE = 16 * 1024 * 1024;

export async function readSmallFile(path: string, what: string, max = MAX_SMALL_FILE): Promise<Buffer> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (err) {
    throw wrapError(err, 'IO_ERROR', `cannot read ${what} ${path}`);
  }
  if (size > max) throw new VouchError('LIMIT_EXCEEDED', `${what} ${path} is ${size} bytes, over the ${max}-byte cap`);
  try {
    return await readFile(path);
  } catch (err) {
    throw wrapError(err, 'IO_ERROR', `cannot read ${what} ${path}`);
  }
}

/** The artifact: its bytes when small enough, and always its SHA-256 (hex). */
export async function readArtifact(path: string): Promise<{ bytes?: Buffer; sha256: string }> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new VouchError('TARGET_NOT_FOUND', `${path} is not a file`);
    size = st.size;
  } catch (err) {
    throw wrapError(err, 'TARGET_NOT_FOUND', `cannot read ${path}`);
  }
  if (size <= MAX_IN_MEMORY_ARTIFACT) {
    const bytes = await readFile(path).catch((err: unknown) => {
      throw wrapError(err, 'IO_ERROR', `cannot read ${path}`);
    });
    return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
  }
  const h = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) h.update(chunk as Buffer);
  } catch (err) {
    throw wrapError(err, 'IO_ERROR', `cannot read ${path}`);
  }
  return { sha256: h.digest('hex') };
}

/** Load `--key` (cosign's encrypted key or a plain PEM), asking for the password only when it is encrypted. */
export async function loadSigningKey(path: string, io: CommandIo): Promise<SigningKey> {
  const pem = (await readSmallFile(path, 'key', 64 * 1024)).toString('utf8');
  if (!/-----BEGIN ENCRYPTED (SIGSTORE|COSIGN) PRIVATE KEY-----/.test(pem)) return loadPrivateKey(pem);
  const password = passwordFromEnv(io.env) ?? (await readPassword(io, { prompt: 'Enter password for private key: ' }));
  return loadPrivateKey(pem, password);
}

/** `--tlog-upload --rekor-url URL`: the transparency-log witness (Rekor v1 API, e.g. \`vouch serve\`'s log). */
export function tlogWitnesses(upload: boolean, rekorUrl: string | undefined): Witness[] {
  if (!upload) {
    if (rekorUrl !== undefined) throw new VouchError('USAGE', '--rekor-url needs --tlog-upload');
    return [];
  }
  if (rekorUrl === undefined) throw new VouchError('USAGE', '--tlog-upload needs --rekor-url URL (Vouch has no default public log)');
  return [rekorWitness({ baseUrl: rekorUrl })];
}

export const signBlobCommand: Command = {
  name: 'sign-blob',
  summary: 'Sign a file with a key into a Sigstore bundle (cosign sign-blob)',
  help: `Usage: vouch sign-blob FILE --key KEY [--bundle OUT] [flags]
       vouch sign-blob FILE --identity-token TOKEN [--fulcio-url URL] [--rekor-url URL] [--bundle OUT] [flags]

Sign FILE and write a Sigstore bundle v0.3 (application/vnd.dev.sigstore.bundle.v0.3+json,
message signature: the file's SHA-256 and the signature; verification material: the key's
hint). cosign, sigstore-js and \`vouch verify-blob\` verify it. ECDSA and RSA sign SHA-256
as cosign does; Ed25519 signs the file itself. The key's password comes from VOUCH_PASSWORD,
COSIGN_PASSWORD or a prompt.

Flags:
  -k, --key FILE             private key (cosign's encrypted key, or PEM PKCS#8/SEC1/PKCS#1)
      --bundle FILE          write the bundle here (default: stdout)
      --output-signature F   also write the base64 signature (cosign's .sig)
      --tlog-upload          record the signature in a transparency log (needs --rekor-url)
      --rekor-url URL        the Rekor-compatible log
      --identity-token TOKEN keyless: an OIDC identity token (or $SIGSTORE_ID_TOKEN) instead of --key:
                             an ephemeral key, a certificate from --fulcio-url, an entry in the log
      --fulcio-url URL       keyless: the Fulcio-compatible CA (default http://127.0.0.1:8080, vouch serve);
                             the log is --rekor-url, else the same server
      --json                 print {bundle, digest} as JSON on stdout
  -h, --help                 this help

Examples:
  vouch sign-blob release.tar.gz --key cosign.key --bundle release.tar.gz.sigstore.json
  VOUCH_PASSWORD=s3cret vouch sign-blob app.bin --key cosign.key > app.bin.sigstore.json
  vouch sign-blob app.bin --identity-token "$TOKEN" --fulcio-url https://vouch.internal --bundle app.bin.sigstore.json
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      key: { type: 'string', short: 'k' },
      bundle: { type: 'string' },
      'output-signature': { type: 'string' },
      'tlog-upload': { type: 'boolean' },
      'rekor-url': { type: 'string' },
      json: { type: 'boolean' },
      'identity-token': { type: 'string' },
      'fulcio-url': { type: 'string' },
    });
    if (values.help === true) {
      await writeResult(undefined, this.help, io.stdout);
      return 0;
    }
    if (positionals.length !== 1) throw new VouchError('USAGE', 'sign-blob needs exactly one FILE', { hint: 'vouch sign-blob --help' });
    // Keyless (docs/ca.md): an ephemeral key certified by the CA for the token's identity; always logged.
    const token = values['identity-token'] ?? (values.key === undefined ? io.env.SIGSTORE_ID_TOKEN : undefined);
    if (token !== undefined && values.key !== undefined) throw new VouchError('USAGE', '--identity-token and --key exclude each other');
    if (token === undefined && values.key === undefined) throw new VouchError('USAGE', 'sign-blob needs --key, or --identity-token for keyless signing', { hint: 'vouch generate-key-pair' });
    const fulcioUrl = values['fulcio-url'] ?? 'http://127.0.0.1:8080';
    const witnesses = token !== undefined ? tlogWitnesses(true, values['rekor-url'] ?? fulcioUrl) : tlogWitnesses(values['tlog-upload'] === true, values['rekor-url']);
    const file = positionals[0] ?? '';
    const key = token !== undefined ? signingKeyFrom(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey) : await loadSigningKey(values.key!, io);
    const artifact = await readArtifact(file);
    const certificateProvider = token !== undefined ? fulcioCertificateProvider(fulcioUrl, token) : undefined;
    const bundle = await signMessageBundle({ key, digest: artifact.sha256, ...(artifact.bytes ? { artifact: artifact.bytes } : {}), witnesses, ...(certificateProvider ? { certificateProvider } : {}) });
    const text = `${JSON.stringify(bundle)}\n`;
    if (values['output-signature'] !== undefined) await writeResult(values['output-signature'], `${bundle.messageSignature?.signature ?? ''}\n`, io.stdout);
    if (values.bundle !== undefined) await writeResult(values.bundle, text, io.stdout);
    if (values.json === true) await writeResult(undefined, `${JSON.stringify({ digest: `sha256:${artifact.sha256}`, bundle })}\n`, io.stdout);
    else if (values.bundle === undefined) await writeResult(undefined, text, io.stdout);
    else io.stderr.write(`Wrote bundle to ${values.bundle}\n`);
    return 0;
  },
};
