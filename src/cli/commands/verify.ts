/**
 * `vouch verify IMAGE --key K | --certificate-identity …`: find an image's signatures in both
 * cosign layouts, verify each, report each; exit 1 when none verifies.
 */
import { readFile } from 'node:fs/promises';
import { VouchError, wrapError } from '../../core/index.ts';
import { type IdentityPolicy, verifyBundle } from '../../verify/index.ts';
import { type Failure, type ImageTarget as VerifyTarget, type ImageVerifier, failureCode, rawKeyVerifier, verifyImageSignatures } from '../../verify/index.ts';
import { parseCommandArgs } from '../args.ts';
import { SIGNER_FLAGS } from './verify-blob.ts';
import type { Command } from '../command.ts';
import { writeResult } from '../output.ts';
import { createUi } from '../ui.ts';
import { REGISTRY_FLAGS, REGISTRY_FLAGS_HELP, openImageTarget, parsePairs } from './sign.ts';
import type { RegistryClient } from '../../clients/index.ts';
import type { ImageReference } from '../../formats/oci/index.ts';


export { SIGNER_FLAGS };

export const SIGNER_FLAGS_HELP = `  -k, --key FILE                          the signer's public key (PEM)
      --certificate-identity ID           keyless: the certificate's identity, matched exactly
      --certificate-identity-regexp RE    … or matched by a regular expression
      --certificate-oidc-issuer URL       the identity's OIDC issuer, matched exactly
      --certificate-oidc-issuer-regexp RE … or by a regular expression
      --trusted-root FILE                 trusted_root.json (default: the Sigstore public-good
                                          root from the embedded TUF metadata)
      --require-tlog                      key-signed bundles must carry a verified log entry`;

interface SignerValues {
  readonly key?: string | undefined;
  readonly 'certificate-identity'?: string | undefined;
  readonly 'certificate-identity-regexp'?: string | undefined;
  readonly 'certificate-oidc-issuer'?: string | undefined;
  readonly 'certificate-oidc-issuer-regexp'?: string | undefined;
  readonly 'trusted-root'?: string | undefined;
  readonly 'require-tlog'?: boolean | undefined;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw wrapError(err, 'TARGET_NOT_FOUND', `cannot read ${what} ${path}`);
  }
}

/** Who must have signed, from the flags: exactly one of --key and --certificate-identity(-regexp). */
export function signerIdentity(values: SignerValues): IdentityPolicy {
  const identity: IdentityPolicy = {
    ...(values['certificate-identity'] !== undefined && { subject: values['certificate-identity'] }),
    ...(values['certificate-identity-regexp'] !== undefined && { subjectRegExp: values['certificate-identity-regexp'] }),
    ...(values['certificate-oidc-issuer'] !== undefined && { issuer: values['certificate-oidc-issuer'] }),
    ...(values['certificate-oidc-issuer-regexp'] !== undefined && { issuerRegExp: values['certificate-oidc-issuer-regexp'] }),
  };
  const keyless = identity.subject !== undefined || identity.subjectRegExp !== undefined;
  if (values.key === undefined && !keyless) throw new VouchError('USAGE', 'name the signer: --key FILE, or --certificate-identity (or -regexp) with --certificate-oidc-issuer');
  if (values.key !== undefined && keyless) throw new VouchError('USAGE', '--key and --certificate-identity exclude each other');
  return identity;
}

/**
 * The verifier the image workflows use: bundles through the verify area's `verifyBundle`
 * (key, or certificate identity against a trusted root), bare signatures of legacy layers with
 * the key. Exactly one of --key and --certificate-identity(-regexp) is required.
 */
export async function buildVerifier(values: SignerValues, digest: string): Promise<ImageVerifier> {
  const identity = signerIdentity(values);
  const key = values.key === undefined ? undefined : await readText(values.key, 'public key');
  const trustedRoot = values['trusted-root'] === undefined ? undefined : await readText(values['trusted-root'], 'trusted root');
  const sha256 = digest.startsWith('sha256:') ? digest.slice('sha256:'.length) : undefined;
  const options = {
    ...(key !== undefined ? { key } : { identity }),
    ...(trustedRoot !== undefined && { trustedRoot }),
    ...(sha256 !== undefined && { digest: { sha256 } }),
    ...(values['require-tlog'] === true && { requireTlog: true }),
  };
  return {
    verifyBundle: async (bundle) => {
      const v = await verifyBundle(bundle, options);
      const signer = v.signer.kind === 'key' ? 'key' : `${v.signer.subjectAlternativeName ?? '?'} (${v.signer.issuer ?? '?'})`;
      return { signer };
    },
    ...(key !== undefined && { verifyRaw: rawKeyVerifier(key) }),
  };
}

/**
 * The image to verify: a digest reference as given (its signatures are looked up by that digest),
 * a tag resolved through the registry (the digest is computed from the bytes served).
 */
export async function verifyTarget(client: RegistryClient, reference: ImageReference): Promise<VerifyTarget> {
  if (reference.digest !== undefined) return { name: reference.name, repository: reference.path, digest: reference.digest };
  const got = await client.getManifest(reference.path, reference.identifier);
  return { name: reference.name, repository: reference.path, digest: got.digest };
}

export function describeFailure(f: Failure): string {
  const where = f.source.layout === 'referrers' ? `referrer ${f.source.manifest}` : `${f.source.tag} layer ${f.source.layer}`;
  return `${where}: ${f.reason}`;
}

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'Verify the signatures of a container image (cosign layouts: referrers and .sig tags)',
  help: `Usage: vouch verify IMAGE (--key KEY | --certificate-identity ID --certificate-oidc-issuer URL) [flags]

Finds the image's signatures — Sigstore bundles attached as OCI referrers (through the
referrers API, or the sha256-<hex> referrers tag of a registry without it) and the legacy
sha256-<hex>.sig tag — and verifies each: the signature first, then the signed payload must
name the image's manifest digest (a valid signature over another image fails). A tag is
resolved to its digest first. Each signature is reported; failures go to stderr.

Flags:
${SIGNER_FLAGS_HELP}
      --annotations KEY=VALUE             the signed payload must carry this annotation
                                          (repeatable)
${REGISTRY_FLAGS_HELP}
      --json                              the verified signatures as JSON (cosign's shape)
  -q, --quiet                             no warnings on stderr
      --debug                             details on stderr
  -h, --help                              this help

Exit codes: 0 at least one signature verified; 1 none did; 2 usage; 3 registry error.

Examples:
  vouch verify localhost:5000/team/app:1.0 --key cosign.pub
  vouch verify registry.example.com/app@sha256:9f86d0… --key cosign.pub --annotations env=prod --json
  vouch verify ghcr.io/org/app:1 --certificate-identity https://github.com/org/app/.github/workflows/release.yml@refs/heads/main --certificate-oidc-issuer https://token.actions.githubusercontent.com
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...SIGNER_FLAGS,
      annotations: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      ...REGISTRY_FLAGS,
    });
    if (values.help === true) {
      await writeResult(undefined, this.help, io.stdout);
      return 0;
    }
    if (positionals.length !== 1) throw new VouchError('USAGE', 'verify takes one IMAGE', { hint: 'vouch verify --help' });
    const annotations = parsePairs(values.annotations, '--annotations');
    signerIdentity(values); // usage errors before any request
    const ui = createUi({ quiet: values.quiet === true, debug: values.debug === true, stderr: io.stderr, env: io.env });
    const { reference, client } = openImageTarget(positionals[0] ?? '', values, io.env, ui.logger);
    const image = await verifyTarget(client, reference);
    const verifier = await buildVerifier(values, image.digest);
    const result = await verifyImageSignatures({ client, image, verifier, annotations });
    for (const f of result.failures) ui.warn(describeFailure(f));
    if (values.json === true) {
      await writeResult(undefined, `${JSON.stringify(result.verified, null, 2)}\n`, io.stdout);
    } else if (result.verified.length > 0) {
      const lines = [
        `Verification for ${image.name}@${image.digest} --`,
        `${result.verified.length} signature(s) verified (${result.failures.length} failed); each checked for:`,
        '  - the signature, against the key or the certificate identity and trust root',
        '  - the signed payload naming this manifest digest',
        ...(Object.keys(annotations).length > 0 ? ['  - the signed annotations asked for'] : []),
        ...result.verified.map((v) => JSON.stringify({ critical: v.critical, optional: v.optional })),
      ];
      await writeResult(undefined, `${lines.join('\n')}\n`, io.stdout);
    }
    if (result.verified.length === 0) {
      const found = result.failures.length;
      throw new VouchError(failureCode(result.failures), `no signature of ${image.name}@${image.digest} verified (${found === 0 ? 'none found' : `${found} found, none valid`})`);
    }
    return 0;
  },
};
