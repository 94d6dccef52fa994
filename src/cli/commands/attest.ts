/**
 * `vouch attest IMAGE|FILE --key K --type T --predicate P.json`: an in-toto Statement v1 in DSSE
 * about an image's manifest digest, stored as cosign does; a FILE goes to `vouch attest-blob`.
 */
import { readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { VouchError, wrapError } from '../../core/index.ts';
import { resolvePredicateType } from '../../sign/index.ts';
import { attestImage, resolveImage } from '../../sign/index.ts';
import { type OptionSpec, parseCommandArgs } from '../args.ts';
import type { Command, CommandIo } from '../command.ts';
import { writeResult } from '../output.ts';
import { createUi } from '../ui.ts';
import { REGISTRY_FLAGS, REGISTRY_FLAGS_HELP, imageSigner, loadKey, openImageTarget, parseLayout, report } from './sign.ts';
import { COMMANDS } from './index.ts';

/** The largest predicate file read (SBOM predicates can be big). */
const MAX_PREDICATE_BYTES = 32 * 1024 * 1024;

/**
 * A target is a FILE when it names one on disk (or is written `file:PATH`); anything else is an
 * image reference. Returns the path for a file.
 */
export async function fileTarget(target: string): Promise<string | undefined> {
  if (target.startsWith('file:')) return target.slice('file:'.length);
  try {
    return (await stat(target)).isFile() ? target : undefined;
  } catch {
    return undefined;
  }
}

/** Run another command of the table with `argv` (FILE targets go to the blob commands). */
export async function delegate(name: string, argv: readonly string[], io: CommandIo): Promise<0 | 1 | 2 | 3> {
  const entry = COMMANDS.find((c) => c.name === name);
  if (entry === undefined) throw new VouchError('USAGE', `FILE targets need \`vouch ${name}\`, which this build lacks`);
  return (await entry.load()).run(argv, io);
}

/**
 * When the command's target is a FILE, its argv for the blob command: the file first, the other
 * arguments as given (the blob command parses its own flags). Looked at before our own strict
 * parse, which would refuse the blob command's flags. Undefined for an image target.
 */
export async function blobArgv(argv: readonly string[], options: OptionSpec): Promise<string[] | undefined> {
  // The blob commands' own value flags, so their values are not taken for the target.
  const lenient: OptionSpec = { ...options, bundle: { type: 'string' }, 'rekor-url': { type: 'string' }, key: { type: 'string', short: 'k' } };
  const { positionals } = parseArgs({ args: [...argv], options: lenient, strict: false, allowPositionals: true });
  const first = positionals[0];
  if (first === undefined) return undefined;
  const file = await fileTarget(first);
  if (file === undefined) return undefined;
  const i = argv.indexOf(first);
  return [file, ...argv.slice(0, i), ...argv.slice(i + 1)];
}

export async function readPredicate(path: string): Promise<unknown> {
  let text: string;
  try {
    const s = await stat(path);
    if (s.size > MAX_PREDICATE_BYTES) throw new VouchError('LIMIT_EXCEEDED', `${path} is over ${MAX_PREDICATE_BYTES} bytes`);
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw wrapError(err, 'TARGET_NOT_FOUND', `cannot read predicate ${path}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new VouchError('PARSE_ERROR', `predicate ${path} is not JSON`);
  }
}

export const attestCommand: Command = {
  name: 'attest',
  summary: 'Attest an image or file: an in-toto statement in DSSE, stored as cosign does',
  help: `Usage: vouch attest IMAGE|FILE --key KEY --predicate FILE [--type TYPE] [flags]

Wraps the predicate in an in-toto Statement v1 whose subject is the image's manifest digest
(a tag is resolved first), signs it as a DSSE envelope and stores it:
  referrers  a Sigstore bundle v0.3 attached as an OCI 1.1 referrer (or listed in the
             sha256-<hex> referrers tag when the registry lacks the referrers API) (default)
  legacy     the envelope added to the sha256-<hex>.att tag (layer media type
             application/vnd.dsse.envelope.v1+json, annotation predicateType)
  both       both of the above
A FILE (a path that exists, or file:PATH) is attested as \`vouch attest-blob\` does.

Flags:
  -k, --key FILE               private key; password from VOUCH_PASSWORD or COSIGN_PASSWORD
      --predicate FILE         the predicate (JSON)
      --type TYPE              predicate type: a URI, or custom (default), slsaprovenance,
                               slsaprovenance02, slsaprovenance1, spdx, spdxjson, cyclonedx,
                               link, vuln, openvex
      --layout LAYOUT          referrers | legacy | both (default referrers)
${REGISTRY_FLAGS_HELP}
      --json                   machine-readable result on stdout
  -q, --quiet                  no warnings on stderr
      --debug                  details on stderr
  -h, --help                   this help

Exit codes: 0 attested; 2 usage; 3 registry, key or file error.

Examples:
  vouch attest localhost:5000/app:1.0 --key cosign.key --type cyclonedx --predicate sbom.cdx.json
  vouch attest localhost:5000/app@sha256:9f86d0… --key cosign.key --type slsaprovenance1 --predicate prov.json --layout both
  vouch attest ./dist/app.tar.gz --key cosign.key --type custom --predicate result.json
`,
  async run(argv, io) {
    const options = {
      key: { type: 'string', short: 'k' },
      predicate: { type: 'string' },
      type: { type: 'string' },
      layout: { type: 'string' },
      json: { type: 'boolean' },
      ...REGISTRY_FLAGS,
    } as const;
    const blob = await blobArgv(argv, options);
    if (blob !== undefined) return delegate('attest-blob', blob, io);
    const { values, positionals } = parseCommandArgs(argv, options);
    if (values.help === true) {
      await writeResult(undefined, this.help, io.stdout);
      return 0;
    }
    if (positionals.length !== 1) throw new VouchError('USAGE', 'attest takes one IMAGE or FILE', { hint: 'vouch attest --help' });
    const target = positionals[0] ?? '';
    if (values.key === undefined) throw new VouchError('USAGE', 'attest needs --key', { hint: 'vouch attest --help' });
    if (values.predicate === undefined) throw new VouchError('USAGE', 'attest needs --predicate', { hint: 'vouch attest --help' });
    const predicateType = resolvePredicateType(values.type ?? 'custom');
    const layout = parseLayout(values.layout);
    const ui = createUi({ quiet: values.quiet === true, debug: values.debug === true, stderr: io.stderr, env: io.env });
    const predicate = await readPredicate(values.predicate);
    const key = await loadKey(values.key, io.env);
    const { reference, client } = openImageTarget(target, values, io.env, ui.logger);
    const image = await resolveImage(client, reference);
    if (reference.digest === undefined) ui.logger.info(`${reference.toString()} resolved to ${image.digest}`);
    const result = await attestImage({ client, image, signer: imageSigner(key), layout, predicateType, predicate });
    await report({ image: result.image, digest: result.digest, stored: result.stored }, values.json === true, io, `Attested (${predicateType})`);
    return 0;
  },
};
