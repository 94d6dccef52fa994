/**
 * `vouch sign IMAGE --key K`: sign a container image in a registry as cosign does. Also holds
 * what the four image commands (sign, verify, attest, verify-attestation) share: the registry
 * client for a reference, the signing key, and `k=v` flag parsing.
 */
import { readFile } from 'node:fs/promises';
import { RegistryClient, findCredentials } from '../../clients/index.ts';
import { type Logger, VouchError, wrapError } from '../../core/index.ts';
import { type ImageReference, parseImageReference } from '../../formats/oci/index.ts';
import { loadPrivateKey, signDsseBundle, type SigningKey } from '../../sign/index.ts';
import { IMAGE_LAYOUTS, type ImageLayout, type ImageSigner, type DsseBundleJson, resolveImage, signImage } from '../../sign/index.ts';
import { parseCommandArgs } from '../args.ts';
import type { Command, CommandIo } from '../command.ts';
import { writeResult } from '../output.ts';
import { createUi } from '../ui.ts';

/** Flags every image command takes to reach the registry. */
export const REGISTRY_FLAGS = {
  creds: { type: 'string' },
  insecure: { type: 'boolean' },
} as const;

export const REGISTRY_FLAGS_HELP = `      --creds USER:PASSWORD    registry credentials (default: REGISTRY_AUTH_FILE,
                               containers auth.json, ~/.docker/config.json)
      --insecure               allow plain HTTP or unverified TLS to a registry that is not
                               localhost (localhost may always use plain HTTP)`;

export interface ImageTarget {
  readonly reference: ImageReference;
  readonly client: RegistryClient;
}

/** A registry client for `ref` with the credentials found for it. */
export function openImageTarget(ref: string, values: { readonly creds?: string | undefined; readonly insecure?: boolean | undefined }, env: NodeJS.ProcessEnv, logger: Logger): ImageTarget {
  const reference = parseImageReference(ref);
  const found = findCredentials(reference.domain, reference.path, { ...(values.creds !== undefined && { creds: values.creds }), env });
  for (const w of found.warnings) logger.warn(w);
  const client = new RegistryClient(reference.domain, { insecure: values.insecure === true, credentials: found.credentials, logger });
  return { reference, client };
}

/** `k=v` pairs from repeated flags; a key given twice is a usage error. */
export function parsePairs(values: readonly string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values ?? []) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new VouchError('USAGE', `${flag} ${JSON.stringify(v)}: expected KEY=VALUE`);
    const k = v.slice(0, eq);
    if (Object.hasOwn(out, k)) throw new VouchError('USAGE', `${flag}: ${k} given twice`);
    out[k] = v.slice(eq + 1);
  }
  return out;
}

export function parseLayout(value: string | undefined): ImageLayout {
  const layout = (value ?? 'referrers') as ImageLayout;
  if (!IMAGE_LAYOUTS.includes(layout)) throw new VouchError('USAGE', `--layout must be one of ${IMAGE_LAYOUTS.join(', ')}`);
  return layout;
}

/** The private key (cosign's encrypted PEM or plain PKCS#8); the password from VOUCH_PASSWORD or COSIGN_PASSWORD. */
export async function loadKey(path: string, env: NodeJS.ProcessEnv): Promise<SigningKey> {
  let pem: Buffer;
  try {
    pem = await readFile(path);
  } catch (err) {
    throw wrapError(err, 'TARGET_NOT_FOUND', `cannot read key ${path}`);
  }
  const password = env.VOUCH_PASSWORD ?? env.COSIGN_PASSWORD;
  return loadPrivateKey(pem, password);
}

/** The sign area's key and bundle signing, as the image workflows want them. */
export function imageSigner(key: SigningKey): ImageSigner {
  return {
    signRaw: async (data) => Buffer.from(await key.sign(data)),
    signDsse: async (payload, payloadType) => (await signDsseBundle({ key, payload, payloadType })) as unknown as DsseBundleJson,
  };
}

export const signCommand: Command = {
  name: 'sign',
  summary: 'Sign a container image in a registry (cosign-compatible; by digest only)',
  help: `Usage: vouch sign IMAGE --key KEY [flags]

Signs the image's manifest digest. A tag is resolved first and the digest is what is signed
(and printed): a signature never records a tag. Storage, as cosign writes it:
  referrers  an in-toto statement (predicate https://sigstore.dev/cosign/sign/v1) in a DSSE
             Sigstore bundle v0.3, attached as an OCI 1.1 referrer; on a registry without the
             referrers API, listed in the sha256-<hex> referrers tag (default)
  legacy     a simple-signing payload added to the sha256-<hex>.sig tag (existing
             signatures there are kept)
  both       both of the above

Flags:
  -k, --key FILE               private key (cosign's encrypted PEM or PKCS#8); its password
                               from VOUCH_PASSWORD or COSIGN_PASSWORD
  -a, --annotation KEY=VALUE   signed annotation (repeatable)
      --layout LAYOUT          referrers | legacy | both (default referrers)
${REGISTRY_FLAGS_HELP}
      --json                   machine-readable result on stdout
  -q, --quiet                  no warnings on stderr
      --debug                  details on stderr
  -h, --help                   this help

Exit codes: 0 signed; 2 usage or key password; 3 registry or key error.

Examples:
  vouch sign localhost:5000/team/app:1.0 --key cosign.key
  vouch sign registry.example.com/app@sha256:9f86d0… --key cosign.key -a env=prod --layout both
  COSIGN_PASSWORD=… vouch sign localhost:5000/app:latest --key cosign.key --json | jq .digest
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      key: { type: 'string', short: 'k' },
      annotation: { type: 'string', short: 'a', multiple: true },
      layout: { type: 'string' },
      json: { type: 'boolean' },
      ...REGISTRY_FLAGS,
    });
    if (values.help === true) {
      await writeResult(undefined, this.help, io.stdout);
      return 0;
    }
    if (positionals.length !== 1) throw new VouchError('USAGE', 'sign takes one IMAGE', { hint: 'vouch sign --help' });
    if (values.key === undefined) throw new VouchError('USAGE', 'sign needs --key', { hint: 'vouch sign --help' });
    const layout = parseLayout(values.layout);
    const annotations = parsePairs(values.annotation, '--annotation');
    const ui = createUi({ quiet: values.quiet === true, debug: values.debug === true, stderr: io.stderr, env: io.env });
    const key = await loadKey(values.key, io.env);
    const { reference, client } = openImageTarget(positionals[0] ?? '', values, io.env, ui.logger);
    const image = await resolveImage(client, reference);
    if (reference.digest === undefined) ui.logger.info(`${reference.toString()} resolved to ${image.digest}`);
    const result = await signImage({ client, image, signer: imageSigner(key), layout, annotations });
    await report(result, values.json === true, io, 'Signed');
    return 0;
  },
};

/** The result of sign/attest, as text or JSON. */
export async function report(result: { readonly image: string; readonly digest: string; readonly stored: readonly { readonly layout: string; readonly manifest: string; readonly tag?: string; readonly via?: string; readonly appended?: boolean }[] }, json: boolean, io: CommandIo, verb: string): Promise<void> {
  if (json) {
    await writeResult(undefined, `${JSON.stringify(result, null, 2)}\n`, io.stdout);
    return;
  }
  const lines = [`${verb} ${result.image}@${result.digest}`];
  for (const s of result.stored) {
    if (s.layout === 'referrers') lines.push(`  referrer ${s.manifest} (${s.via === 'referrers-api' ? 'referrers API' : `referrers tag ${result.digest.replace(':', '-')}`})`);
    else lines.push(`  ${result.image}:${s.tag ?? ''} → ${s.manifest}${s.appended === false ? ' (already there)' : ''}`);
  }
  await writeResult(undefined, `${lines.join('\n')}\n`, io.stdout);
}
