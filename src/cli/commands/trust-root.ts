/**
 * `vouch trust-root`: write a deployment's `trusted_root.json` (Sigstore TrustedRoot: this CA's
 * chain and the log's key) and optionally its `signing_config.json`, so clients fetch them once
 * and verify offline after.
 */
import { VouchError } from '../../core/index.ts';
import { collectTrustMaterial } from '../../servers/ca/index.ts';
import { parseCommandArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { writeResult } from '../output.ts';

export const trustRootCommand: Command = {
  name: 'trust-root',
  summary: 'Write the trusted_root.json and signing_config.json of a Vouch CA and log',
  help: `Usage: vouch trust-root --ca-url URL [--log-url URL] [flags]
       vouch trust-root --data DIR --ca-url URL [--log-url URL] [flags]

Build the Sigstore trust root of a Vouch deployment: the CA's certificate chain (from
GET <ca>/api/v2/trustBundle) and the transparency log's public key (GET <log>/api/v1/log/publicKey),
or both read from the deployment's data folder (offline). No CT log and no timestamp authority:
verifiers check the signing time against the log's entry. The running server also serves both
files at /.well-known/sigstore/trusted_root.json and /.well-known/sigstore/signing_config.json.

Flags:
      --ca-url URL              the CA's base URL (named in the files)
      --log-url URL             the log's base URL (default: the CA URL, the all-in-one server)
      --data DIR                read the chain (DIR/ca) and the log key (DIR/log; password from
                                VOUCH_LOG_KEY_PASSWORD or DIR/log/log-key.password) from disk
      --out FILE                where trusted_root.json goes (default trusted_root.json; - for stdout)
      --signing-config FILE     also write the SigningConfig v0.2 naming the CA and log URLs
      --oidc-url URL            an OIDC provider to name in the signing config (repeatable)
      --json                    print a summary as JSON on stdout
  -q, --quiet                   no messages on stderr
  -h, --help                    this help

Examples:
  vouch trust-root --ca-url http://127.0.0.1:8080 --out trusted_root.json --signing-config signing_config.json
  vouch trust-root --ca-url https://ca.internal --log-url https://log.internal --out -
  vouch trust-root --data /srv/vouch --ca-url https://vouch.internal
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      'ca-url': { type: 'string' },
      'log-url': { type: 'string' },
      data: { type: 'string' },
      out: { type: 'string' },
      'signing-config': { type: 'string' },
      'oidc-url': { type: 'string', multiple: true },
      json: { type: 'boolean' },
    });
    if (values.help === true) {
      await writeResult(undefined, this.help, io.stdout);
      return 0;
    }
    if (positionals.length > 0) throw new VouchError('USAGE', `unexpected argument "${positionals[0]}"`, { hint: 'vouch trust-root --help' });
    const caUrl = values['ca-url'];
    if (caUrl === undefined) throw new VouchError('USAGE', 'trust-root needs --ca-url', { hint: 'vouch trust-root --ca-url http://127.0.0.1:8080' });
    for (const [flag, u] of [['--ca-url', caUrl], ['--log-url', values['log-url']], ...(values['oidc-url'] ?? []).map((o) => ['--oidc-url', o])] as const) {
      if (u !== undefined && (!/^https?:\/\//.test(u) || !URL.canParse(u))) throw new VouchError('USAGE', `${flag} ${u}: expected an http(s) URL`);
    }
    const material = await collectTrustMaterial({
      caUrl,
      logUrl: values['log-url'],
      dataDir: values.data,
      oidcUrls: values['oidc-url'] ?? [],
      env: io.env,
    });
    const out = values.out ?? 'trusted_root.json';
    if (out === '-' && values.json === true) throw new VouchError('USAGE', '--out - and --json both want stdout');
    await writeResult(out === '-' ? undefined : out, `${JSON.stringify(material.trustedRoot, null, 2)}\n`, io.stdout);
    const sc = values['signing-config'];
    if (sc !== undefined) await writeResult(sc === '-' ? undefined : sc, `${JSON.stringify(material.signingConfig, null, 2)}\n`, io.stdout);
    if (values.json === true) {
      const tlog = material.trustedRoot.tlogs[0] as { logId: { keyId: string } };
      io.stdout.write(`${JSON.stringify({ trustedRoot: out, signingConfig: sc ?? null, certificateAuthorities: material.trustedRoot.certificateAuthorities.length, logId: tlog.logId.keyId })}\n`);
    } else if (values.quiet !== true && out !== '-') {
      io.stderr.write(`wrote ${out}${sc === undefined ? '' : ` and ${sc}`}\n`);
    }
    return 0;
  },
};
