/** `vouch attest-blob FILE --key K --type T --predicate P.json --bundle OUT`: an in-toto statement in a DSSE bundle. */
import { basename } from 'node:path';
import { VouchError } from '../../core/index.ts';
import { IN_TOTO_PAYLOAD_TYPE, makeStatement, PREDICATE_TYPES, signDsseBundle } from '../../sign/index.ts';
import { parseCommandArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { writeResult } from '../output.ts';
import { loadSigningKey, readArtifact, readSmallFile, tlogWitnesses } from './sign-blob.ts';

export const attestBlobCommand: Command = {
  name: 'attest-blob',
  summary: 'Attest a file: sign an in-toto statement (SBOM, provenance, VEX...) into a DSSE bundle',
  help: `Usage: vouch attest-blob FILE --key KEY --predicate FILE [--type TYPE] [--bundle OUT] [flags]

Wrap the predicate in an in-toto Statement v1 whose subject is FILE (name and SHA-256), sign
it as a DSSE envelope (payload type application/vnd.in-toto+json, signature over PAE) and
write a Sigstore bundle v0.3. \`vouch verify-blob-attestation\` and cosign verify it.

Flags:
  -k, --key FILE           private key (cosign's encrypted key, or PEM)
      --predicate FILE     the predicate (JSON)
      --type TYPE          predicate type: a URI or one of
                           ${Object.keys(PREDICATE_TYPES).join(', ')} (default: custom)
      --bundle FILE        write the bundle here (default: stdout)
      --tlog-upload        record it in a transparency log (needs --rekor-url)
      --rekor-url URL      the Rekor-compatible log
      --json               print {bundle, statement} as JSON on stdout
  -h, --help               this help

Examples:
  vouch sbom . -o cyclonedx-json=sbom.cdx.json
  vouch attest-blob app.tar.gz --key cosign.key --type cyclonedx --predicate sbom.cdx.json --bundle app.att.json
  vouch attest-blob app.tar.gz --key cosign.key --type https://example.com/test-result/v1 --predicate result.json
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      key: { type: 'string', short: 'k' },
      predicate: { type: 'string' },
      type: { type: 'string' },
      bundle: { type: 'string' },
      'tlog-upload': { type: 'boolean' },
      'rekor-url': { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.help === true) {
      await writeResult(undefined, this.help, io.stdout);
      return 0;
    }
    if (positionals.length !== 1) throw new VouchError('USAGE', 'attest-blob needs exactly one FILE', { hint: 'vouch attest-blob --help' });
    if (values.key === undefined) throw new VouchError('USAGE', 'attest-blob needs --key');
    if (values.predicate === undefined) throw new VouchError('USAGE', 'attest-blob needs --predicate FILE');
    const witnesses = tlogWitnesses(values['tlog-upload'] === true, values['rekor-url']);
    const file = positionals[0] ?? '';
    let predicate: unknown;
    try {
      predicate = JSON.parse((await readSmallFile(values.predicate, 'predicate')).toString('utf8'));
    } catch (err) {
      if (err instanceof VouchError) throw err;
      throw new VouchError('PARSE_ERROR', `the predicate ${values.predicate} is not JSON: ${(err as Error).message}`);
    }
    const statement = makeStatement([{ name: basename(file), digest: { sha256: (await readArtifact(file)).sha256 } }], values.type ?? 'custom', predicate);
    const key = await loadSigningKey(values.key, io);
    const bundle = await signDsseBundle({ key, payload: Buffer.from(JSON.stringify(statement)), payloadType: IN_TOTO_PAYLOAD_TYPE, witnesses });
    const text = `${JSON.stringify(bundle)}\n`;
    if (values.bundle !== undefined) await writeResult(values.bundle, text, io.stdout);
    if (values.json === true) await writeResult(undefined, `${JSON.stringify({ statement, bundle })}\n`, io.stdout);
    else if (values.bundle === undefined) await writeResult(undefined, text, io.stdout);
    else io.stderr.write(`Wrote attestation bundle to ${values.bundle}\n`);
    return 0;
  },
};
