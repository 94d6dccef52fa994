/** `vouch verify-blob-attestation FILE --bundle B (--key K | identity) [--type T] [--policy P]`. */
import { VouchError } from '../../core/index.ts';
import { resolvePredicateType } from '../../sign/index.ts';
import { evaluateConditions, parsePolicy } from '../../policy/index.ts';
import { verifyBundle } from '../../verify/index.ts';
import { parseCommandArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { writeResult } from '../output.ts';
import { readSmallFile } from './sign-blob.ts';
import { artifactOptions, printVerified, readBundleFile, VERIFY_FLAGS_HELP, VERIFY_OPTIONS, verifyOptionsFrom } from './verify-blob.ts';

export const verifyBlobAttestationCommand: Command = {
  name: 'verify-blob-attestation',
  summary: 'Verify an in-toto attestation bundle for a file, optionally against a policy',
  help: `Usage: vouch verify-blob-attestation FILE|sha256:<hex> --bundle BUNDLE (--key KEY | --certificate-identity ID --certificate-oidc-issuer URL) [flags]

Verify a DSSE attestation bundle (or a bare DSSE envelope, with --key): the signature over the
envelope, the signer, the log entry, then that FILE's sha256 is a subject of the in-toto
statement, that the predicate type is --type (when given), and that the statement satisfies
the --policy conditions (docs/policy.md). The statement is read only after the signature checks.

Flags:
      --bundle FILE                      the attestation bundle (required)
      --type TYPE                        required predicate type (URI or cosign short name)
      --policy FILE                      conditions (YAML/JSON) the statement must satisfy
${VERIFY_FLAGS_HELP}
  -h, --help                             this help

Examples:
  vouch verify-blob-attestation app.tar.gz --bundle app.att.json --key cosign.pub --type cyclonedx
  vouch verify-blob-attestation app.tar.gz --bundle prov.sigstore.json \\
      --certificate-identity-regexp 'https://github.com/org/.*' \\
      --certificate-oidc-issuer https://token.actions.githubusercontent.com \\
      --type slsaprovenance --policy policy.yaml
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { ...VERIFY_OPTIONS, type: { type: 'string' }, policy: { type: 'string' } });
    if (values.help === true) {
      await writeResult(undefined, this.help, io.stdout);
      return 0;
    }
    if (positionals.length !== 1) throw new VouchError('USAGE', 'verify-blob-attestation needs exactly one FILE or sha256:<hex>', { hint: 'vouch verify-blob-attestation --help' });
    if (values.bundle === undefined) throw new VouchError('USAGE', 'verify-blob-attestation needs --bundle FILE');
    const wantType = values.type !== undefined ? resolvePredicateType(values.type) : undefined;
    const conditions = values.policy !== undefined ? parsePolicy(await readSmallFile(values.policy, 'policy')) : undefined;
    const options = await verifyOptionsFrom(values);
    const bundle = await readBundleFile(values.bundle);
    const v = await verifyBundle(bundle, { ...options, ...(await artifactOptions(positionals[0] ?? '')) });
    if (!v.statement) throw new VouchError('BUNDLE_INVALID', 'the bundle holds no in-toto statement (a signature of the file itself? use `vouch verify-blob`)');
    if (wantType !== undefined && v.statement.predicateType !== wantType) {
      throw new VouchError('POLICY_FAILED', `predicate type is ${v.statement.predicateType}, expected ${wantType}`);
    }
    if (conditions) {
      const r = evaluateConditions(v.statement, conditions);
      if (!r.ok) throw new VouchError('POLICY_FAILED', `policy failed: ${r.failures.map((f) => f.message).join('; ')}`);
    }
    await printVerified(v, values.json === true, io, { statement: v.statement });
    return 0;
  },
};
