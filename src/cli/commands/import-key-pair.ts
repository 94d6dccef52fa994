/** `vouch import-key-pair`: a PEM private key (PKCS#8, SEC1, PKCS#1) → cosign's encrypted key + public key. */
import { readFile } from 'node:fs/promises';
import { VouchError, wrapError } from '../../core/index.ts';
import { importKeyPair } from '../../sign/index.ts';
import { parseCommandArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { writeResult } from '../output.ts';
import { passwordFromEnv, readPassword } from '../password.ts';
import { exists, writeKeyFiles } from './generate-key-pair.ts';

export const importKeyPairCommand: Command = {
  name: 'import-key-pair',
  summary: 'Import a PEM private key (ECDSA, Ed25519, RSA) as a cosign-compatible key pair',
  help: `Usage: vouch import-key-pair --key FILE [flags]

Read an unencrypted PEM private key — PKCS#8 "PRIVATE KEY", SEC1 "EC PRIVATE KEY" or PKCS#1
"RSA PRIVATE KEY"; ECDSA P-256/P-384/P-521, Ed25519 or RSA ≥ 2048 bits — (or a cosign
encrypted key, with VOUCH_PASSWORD_IN) and write PREFIX.key (encrypted, cosign's format) and
PREFIX.pub. The new password comes from VOUCH_PASSWORD, else COSIGN_PASSWORD, else a prompt.

Flags:
  -k, --key FILE             the private key to import (required)
      --output-key-prefix P  file name prefix (default: import-cosign)
      --no-password          encrypt with an empty password
  -f, --force                overwrite existing key files
      --json                 print the file names as JSON
  -h, --help                 this help

Examples:
  openssl ecparam -name prime256v1 -genkey -noout -out ec.pem && vouch import-key-pair --key ec.pem
  VOUCH_PASSWORD=s3cret vouch import-key-pair --key rsa.pem --output-key-prefix release
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      key: { type: 'string', short: 'k' },
      'output-key-prefix': { type: 'string' },
      'no-password': { type: 'boolean' },
      force: { type: 'boolean', short: 'f' },
      json: { type: 'boolean' },
    });
    if (values.help === true) {
      await writeResult(undefined, this.help, io.stdout);
      return 0;
    }
    if (positionals.length > 0 || values.key === undefined) throw new VouchError('USAGE', 'import-key-pair needs --key FILE', { hint: 'vouch import-key-pair --help' });
    const prefix = values['output-key-prefix'] ?? 'import-cosign';
    const force = values.force === true;
    if (!force) {
      for (const f of [`${prefix}.key`, `${prefix}.pub`]) {
        if (await exists(f)) throw new VouchError('KEY_EXISTS', `${f} already exists`, { hint: 'pass --force to overwrite it' });
      }
    }
    let pem: string;
    try {
      pem = await readFile(values.key, 'utf8');
    } catch (err) {
      throw wrapError(err, 'IO_ERROR', `cannot read ${values.key}`);
    }
    const password = values['no-password'] === true ? '' : await readPassword(io, { prompt: 'Enter password for private key: ', confirm: true });
    // An already-encrypted cosign key is opened with VOUCH_PASSWORD_IN, else the same password.
    const pair = importKeyPair(pem, { password: io.env.VOUCH_PASSWORD_IN ?? passwordFromEnv(io.env) ?? password, newPassword: password });
    const files = await writeKeyFiles(prefix, pair.privateKeyPem, pair.publicKeyPem, force);
    if (values.json === true) await writeResult(undefined, `${JSON.stringify({ ...files, algorithm: pair.algorithm })}\n`, io.stdout);
    else io.stderr.write(`Private key written to ${files.privateKey}\nPublic key written to ${files.publicKey}\n`);
    return 0;
  },
};
