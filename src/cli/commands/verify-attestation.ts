/**
 * `vouch verify-attestation IMAGE|FILE --key K --type T [--policy conditions.yaml]`: find an
 * image's attestations in both cosign layouts, verify each, print the verified predicates; a
 * FILE goes to `vouch verify-blob-attestation`.
 */
import { readFile, stat } from 'node:fs/promises';
import { VouchError, wrapError } from '../../core/index.ts';
import { POLICY_LIMITS, evaluateConditions, parsePolicy } from '../../policy/index.ts';
import { resolvePredicateType } from '../../sign/index.ts';
import { failureCode, verifyImageAttestations } from '../../verify/index.ts';
import { parseCommandArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { writeResult } from '../output.ts';
import { createUi } from '../ui.ts';
import { blobArgv, delegate } from './attest.ts';
import { REGISTRY_FLAGS, REGISTRY_FLAGS_HELP, openImageTarget } from './sign.ts';
import { SIGNER_FLAGS, SIGNER_FLAGS_HELP, buildVerifier, describeFailure, signerIdentity, verifyTarget } from './verify.ts';

async function readPolicy(path: string): Promise<Buffer> {
  try {
    if ((await stat(path)).size > POLICY_LIMITS.maxPolicyBytes) throw new VouchError('POLICY_INVALID', `policy ${path} is over ${POLICY_LIMITS.maxPolicyBytes} bytes`);
    return await readFile(path);
  } catch (err) {
    throw wrapError(err, 'TARGET_NOT_FOUND', `cannot read policy ${path}`);
  }
}

export const verifyAttestationCommand: Command = {
  name: 'verify-attestation',
  summary: 'Verify the attestations of an image or file and print their predicates',
  help: `Usage: vouch verify-attestation IMAGE|FILE (--key KEY | --certificate-identity ID …) [--type TYPE] [flags]

Finds the image's attestations — Sigstore bundles attached as OCI referrers (referrers API or
the sha256-<hex> referrers tag) and DSSE envelopes in the legacy sha256-<hex>.att tag — and
verifies each: the signature first, then the in-toto statement must name the image's manifest
digest as a subject and have the asked predicate type. Prints each verified statement. With
--policy, every verified predicate must also satisfy the condition list.
A FILE (a path that exists, or file:PATH) is verified as \`vouch verify-blob-attestation\` does.

Flags:
${SIGNER_FLAGS_HELP}
      --type TYPE                         predicate type: a URI, or custom, slsaprovenance,
                                          slsaprovenance02, slsaprovenance1, spdx, spdxjson,
                                          cyclonedx, link, vuln, openvex (default: any)
      --policy FILE                       conditions (YAML or JSON) every predicate must meet
${REGISTRY_FLAGS_HELP}
      --json                              the verified statements as JSON
  -q, --quiet                             no warnings on stderr
      --debug                             details on stderr
  -h, --help                              this help

Exit codes: 0 at least one attestation verified (and met the policy); 1 none did, or the
policy failed; 2 usage; 3 registry error.

Examples:
  vouch verify-attestation localhost:5000/app:1.0 --key cosign.pub --type cyclonedx
  vouch verify-attestation localhost:5000/app@sha256:9f86d0… --key cosign.pub --type slsaprovenance1 --policy policy.yaml
  vouch verify-attestation ghcr.io/org/app:1 --type https://slsa.dev/provenance/v1 --certificate-identity-regexp '^https://github.com/org/' --certificate-oidc-issuer https://token.actions.githubusercontent.com --trusted-root trusted_root.json
`,
  async run(argv, io) {
    const options = {
      ...SIGNER_FLAGS,
      type: { type: 'string' },
      policy: { type: 'string' },
      json: { type: 'boolean' },
      ...REGISTRY_FLAGS,
    } as const;
    const blob = await blobArgv(argv, options);
    if (blob !== undefined) return delegate('verify-blob-attestation', blob, io);
    const { values, positionals } = parseCommandArgs(argv, options);
    if (values.help === true) {
      await writeResult(undefined, this.help, io.stdout);
      return 0;
    }
    if (positionals.length !== 1) throw new VouchError('USAGE', 'verify-attestation takes one IMAGE or FILE', { hint: 'vouch verify-attestation --help' });
    const predicateType = values.type === undefined ? undefined : resolvePredicateType(values.type);
    const conditions = values.policy === undefined ? undefined : parsePolicy(await readPolicy(values.policy));
    signerIdentity(values); // usage errors before any request
    const ui = createUi({ quiet: values.quiet === true, debug: values.debug === true, stderr: io.stderr, env: io.env });
    const { reference, client } = openImageTarget(positionals[0] ?? '', values, io.env, ui.logger);
    const image = await verifyTarget(client, reference);
    const verifier = await buildVerifier(values, image.digest);
    const result = await verifyImageAttestations({ client, image, verifier, ...(predicateType !== undefined && { predicateType }) });
    for (const f of result.failures) ui.warn(describeFailure(f));
    if (result.verified.length === 0) {
      const found = result.failures.length;
      throw new VouchError(
        failureCode(result.failures),
        `no attestation${predicateType === undefined ? '' : ` of type ${predicateType}`} of ${image.name}@${image.digest} verified (${found === 0 ? 'none found' : `${found} found, none valid`})`,
      );
    }
    const statements = result.verified.map((v) => v.statement);
    if (values.json === true) await writeResult(undefined, `${JSON.stringify(statements, null, 2)}\n`, io.stdout);
    else {
      const lines = [
        `Verification for ${image.name}@${image.digest} --`,
        `${result.verified.length} attestation(s) verified (${result.failures.length} failed): signature, subject digest${predicateType === undefined ? '' : ', predicate type'}`,
        ...statements.map((s) => JSON.stringify(s)),
      ];
      await writeResult(undefined, `${lines.join('\n')}\n`, io.stdout);
    }
    if (conditions !== undefined) {
      // Every verified statement must meet the conditions (paths are into the statement, as
      // verify-blob-attestation reads them: predicate.…, subject[0].digest.sha256, …).
      const failed = result.verified.flatMap((v, i) => {
        const r = evaluateConditions(v.statement, conditions);
        return r.ok ? [] : [`attestation ${i + 1}: ${r.failures.map((f) => f.message).join('; ')}`];
      });
      if (failed.length > 0) throw new VouchError('POLICY_FAILED', `policy failed: ${failed.join(' | ')}`);
    }
    return 0;
  },
};
