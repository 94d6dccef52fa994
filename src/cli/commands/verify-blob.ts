/** `vouch verify-blob FILE|sha256:<hex> --bundle B (--key K | --certificate-identity ID --certificate-oidc-issuer URL)`. */
import { VouchError } from '../../core/index.ts';
import { verifyBundle, type IdentityPolicy, type VerifiedBundle, type VerifyBundleOptions } from '../../verify/index.ts';
import { parseCommandArgs, type OptionSpec } from '../args.ts';
import type { Command, CommandIo } from '../command.ts';
import { writeResult } from '../output.ts';
import { readArtifact, readSmallFile } from './sign-blob.ts';

/** Flags naming who must have signed (shared with `vouch verify` and `verify-attestation` for images). */
export const SIGNER_FLAGS = {
  key: { type: 'string', short: 'k' },
  'certificate-identity': { type: 'string' },
  'certificate-identity-regexp': { type: 'string' },
  'certificate-oidc-issuer': { type: 'string' },
  'certificate-oidc-issuer-regexp': { type: 'string' },
  'trusted-root': { type: 'string' },
  'require-tlog': { type: 'boolean' },
} as const satisfies OptionSpec;

export const VERIFY_OPTIONS = {
  bundle: { type: 'string' },
  ...SIGNER_FLAGS,
  json: { type: 'boolean' },
} as const satisfies OptionSpec;

export const VERIFY_FLAGS_HELP = `  -k, --key FILE                     the signer's public key (cosign.pub); for key bundles
      --certificate-identity ID          the exact signer identity (email, workflow URI)
      --certificate-identity-regexp RE   a regex the WHOLE identity must match
      --certificate-oidc-issuer URL      the exact OIDC issuer
      --certificate-oidc-issuer-regexp RE  a regex the WHOLE issuer must match
      --trusted-root FILE                trusted_root.json (default: the public Sigstore root
                                         from the embedded TUF metadata, offline)
      --require-tlog                     key bundles: require a verified transparency-log entry
      --json                             print the verification result as JSON on stdout`;

type VerifyValues = { [K in keyof typeof VERIFY_OPTIONS]?: (typeof VERIFY_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

/** Flags → verifyBundle options (the artifact is added by the caller). */
export async function verifyOptionsFrom(values: VerifyValues): Promise<VerifyBundleOptions> {
  const identity: IdentityPolicy = {
    ...(values['certificate-identity'] !== undefined ? { subject: values['certificate-identity'] } : {}),
    ...(values['certificate-identity-regexp'] !== undefined ? { subjectRegExp: values['certificate-identity-regexp'] } : {}),
    ...(values['certificate-oidc-issuer'] !== undefined ? { issuer: values['certificate-oidc-issuer'] } : {}),
    ...(values['certificate-oidc-issuer-regexp'] !== undefined ? { issuerRegExp: values['certificate-oidc-issuer-regexp'] } : {}),
  };
  if (values.key === undefined && Object.keys(identity).length === 0) {
    throw new VouchError('USAGE', 'give --key, or --certificate-identity and --certificate-oidc-issuer (or their -regexp forms)');
  }
  return {
    ...(values.key !== undefined ? { key: await readSmallFile(values.key, 'public key', 64 * 1024) } : {}),
    ...(Object.keys(identity).length > 0 ? { identity } : {}),
    ...(values['trusted-root'] !== undefined ? { trustedRoot: await readSmallFile(values['trusted-root'], 'trusted root') } : {}),
    ...(values['require-tlog'] === true ? { requireTlog: true } : {}),
  };
}

/** The bundle file; over the cap it is BUNDLE_INVALID (a bundle is never that large). */
export async function readBundleFile(path: string): Promise<Buffer> {
  try {
    return await readSmallFile(path, 'bundle');
  } catch (err) {
    if (err instanceof VouchError && err.code === 'LIMIT_EXCEEDED') throw new VouchError('BUNDLE_INVALID', err.message);
    throw err;
  }
}

/** FILE or `sha256:<hex>` → artifact bytes or digest. */
export async function artifactOptions(target: string): Promise<Pick<VerifyBundleOptions, 'artifact' | 'digest'>> {
  if (/^sha256:/.test(target)) {
    if (!/^sha256:[0-9a-fA-F]{64}$/.test(target)) throw new VouchError('USAGE', `not a sha256 digest: ${target}`);
    return { digest: { sha256: target.slice(7).toLowerCase() } };
  }
  const a = await readArtifact(target);
  return a.bytes ? { artifact: a.bytes } : { digest: { sha256: a.sha256 } };
}

export function describe(v: VerifiedBundle): Record<string, unknown> {
  return {
    verified: true,
    mediaType: v.mediaType,
    content: v.content,
    signer: v.signer.kind === 'key' ? { kind: 'key', publicKey: v.signer.publicKeyPem } : { kind: 'certificate', identity: v.signer.subjectAlternativeName, issuer: v.signer.issuer },
    ...(v.messageDigest ? { digest: `${v.messageDigest.algorithm}:${v.messageDigest.hex}` } : {}),
    ...(v.statement ? { predicateType: v.statement.predicateType, subjects: v.statement.subject } : {}),
    tlogEntries: v.tlogEntries.map((e) => ({ logIndex: e.logIndex, logId: e.logId, kind: e.kind, integratedTime: e.integratedTime?.toISOString() })),
  };
}

export async function printVerified(v: VerifiedBundle, json: boolean, io: CommandIo, extra: Record<string, unknown> = {}): Promise<void> {
  if (json) {
    await writeResult(undefined, `${JSON.stringify({ ...describe(v), ...extra }, null, 2)}\n`, io.stdout);
    return;
  }
  const who = v.signer.kind === 'key' ? 'the given key' : `${v.signer.subjectAlternativeName ?? '?'} (${v.signer.issuer ?? '?'})`;
  const log = v.tlogEntries.length > 0 ? `, logged at index ${v.tlogEntries.map((e) => e.logIndex).join(', ')}` : '';
  io.stderr.write(`Verified OK: signed by ${who}${log}\n`);
}

export const verifyBlobCommand: Command = {
  name: 'verify-blob',
  summary: 'Verify a file (or its sha256) against a Sigstore bundle (cosign verify-blob)',
  help: `Usage: vouch verify-blob FILE|sha256:<hex> --bundle BUNDLE (--key KEY | --certificate-identity ID --certificate-oidc-issuer URL) [flags]

Verify a Sigstore bundle (v0.1 to v0.3; message signature or DSSE) for FILE, or for a digest
alone: the signature, the artifact digest, the key or the certificate chain with its SCT, the
signer identity (exact match unless a -regexp flag is used), the transparency-log inclusion
proof/checkpoint or promise, and timestamps. Exit 1 names the failed check
(VERIFY_SIGNATURE, VERIFY_DIGEST, VERIFY_CHAIN, VERIFY_IDENTITY, VERIFY_TLOG, VERIFY_SET,
VERIFY_TIME, VERIFY_KEY); a malformed bundle is BUNDLE_INVALID (exit 3).

Flags:
      --bundle FILE                      the bundle (required)
${VERIFY_FLAGS_HELP}
  -h, --help                             this help

Examples:
  vouch verify-blob release.tar.gz --bundle release.tar.gz.sigstore.json --key cosign.pub
  vouch verify-blob a.txt --bundle a.txt.sigstore.json \\
      --certificate-identity https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main \\
      --certificate-oidc-issuer https://token.actions.githubusercontent.com
  vouch verify-blob sha256:5891b5b5...d3be --bundle b.json --key cosign.pub --trusted-root trusted_root.json
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, VERIFY_OPTIONS);
    if (values.help === true) {
      await writeResult(undefined, this.help, io.stdout);
      return 0;
    }
    if (positionals.length !== 1) throw new VouchError('USAGE', 'verify-blob needs exactly one FILE or sha256:<hex>', { hint: 'vouch verify-blob --help' });
    if (values.bundle === undefined) throw new VouchError('USAGE', 'verify-blob needs --bundle FILE');
    const options = await verifyOptionsFrom(values);
    const bundle = await readBundleFile(values.bundle);
    const v = await verifyBundle(bundle, { ...options, ...(await artifactOptions(positionals[0] ?? '')) });
    await printVerified(v, values.json === true, io);
    return 0;
  },
};
