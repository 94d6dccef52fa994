/** `vouch generate-key-pair`: a cosign-compatible key pair (`cosign.key` encrypted, `cosign.pub`). */
import { access, writeFile, rm } from 'node:fs/promises';
import { VouchError, wrapError } from '../../core/index.ts';
import { generateKeyPair, type KeyAlgorithm } from '../../sign/index.ts';
import { parseCommandArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { writeResult } from '../output.ts';
import { readPassword } from '../password.ts';

const ALGORITHMS: Readonly<Record<string, KeyAlgorithm>> = { 'ecdsa-p256': 'ecdsa-p256', 'ecdsa-p384': 'ecdsa-p384', 'ecdsa-p521': 'ecdsa-p521', ed25519: 'ed25519', rsa: 'rsa' };

export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Write both key files or neither: refuses to overwrite without `force`; the private key is mode 0600. */
export async function writeKeyFiles(prefix: string, privateKeyPem: string, publicKeyPem: string, force: boolean): Promise<{ privateKey: string; publicKey: string }> {
  const privateKey = `${prefix}.key`;
  const publicKey = `${prefix}.pub`;
  if (!force) {
    for (const f of [privateKey, publicKey]) {
      if (await exists(f)) throw new VouchError('KEY_EXISTS', `${f} already exists`, { hint: 'pass --force to overwrite it, or choose another --output-key-prefix' });
    }
  }
  try {
    await writeFile(privateKey, privateKeyPem, { mode: 0o600, flag: force ? 'w' : 'wx' });
    await writeFile(publicKey, publicKeyPem, { mode: 0o644, flag: force ? 'w' : 'wx' });
  } catch (err) {
    if (!force) await rm(privateKey, { force: true });
    throw wrapError(err, 'IO_ERROR', 'cannot write the key files');
  }
  return { privateKey, publicKey };
}

export const generateKeyPairCommand: Command = {
  name: 'generate-key-pair',
  summary: 'Generate a cosign-compatible signing key pair (encrypted private key + public key)',
  help: `Usage: vouch generate-key-pair [flags]

Write PREFIX.key (cosign's "ENCRYPTED SIGSTORE PRIVATE KEY": scrypt + NaCl secretbox around
PKCS#8, readable by cosign) and PREFIX.pub (PEM public key). The password comes from
VOUCH_PASSWORD, else COSIGN_PASSWORD, else a prompt on the terminal (asked twice).

Flags:
      --output-key-prefix P  file name prefix (default: cosign)
      --algorithm A          ecdsa-p256 (default), ecdsa-p384, ecdsa-p521, ed25519, rsa
      --no-password          encrypt with an empty password (as cosign does with an empty
                             COSIGN_PASSWORD); the key is still in cosign's envelope
  -f, --force                overwrite existing key files
      --json                 print the file names as JSON
  -h, --help                 this help

Examples:
  vouch generate-key-pair
  VOUCH_PASSWORD=s3cret vouch generate-key-pair --output-key-prefix release
  vouch generate-key-pair --algorithm ed25519 --output-key-prefix ci --force
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      'output-key-prefix': { type: 'string' },
      algorithm: { type: 'string' },
      'no-password': { type: 'boolean' },
      force: { type: 'boolean', short: 'f' },
      json: { type: 'boolean' },
    });
    if (values.help === true) {
      await writeResult(undefined, this.help, io.stdout);
      return 0;
    }
    if (positionals.length > 0) throw new VouchError('USAGE', 'generate-key-pair takes no arguments', { hint: 'vouch generate-key-pair --help' });
    const algorithm = ALGORITHMS[values.algorithm ?? 'ecdsa-p256'];
    if (!algorithm) throw new VouchError('USAGE', `unknown --algorithm "${values.algorithm}"`, { hint: `one of ${Object.keys(ALGORITHMS).join(', ')}` });
    const prefix = values['output-key-prefix'] ?? 'cosign';
    const force = values.force === true;
    if (!force) {
      for (const f of [`${prefix}.key`, `${prefix}.pub`]) {
        if (await exists(f)) throw new VouchError('KEY_EXISTS', `${f} already exists`, { hint: 'pass --force to overwrite it, or choose another --output-key-prefix' });
      }
    }
    const password = values['no-password'] === true ? '' : await readPassword(io, { prompt: 'Enter password for private key: ', confirm: true });
    const pair = generateKeyPair({ password, algorithm });
    const files = await writeKeyFiles(prefix, pair.privateKeyPem, pair.publicKeyPem, force);
    if (values.json === true) await writeResult(undefined, `${JSON.stringify({ ...files, algorithm })}\n`, io.stdout);
    else io.stderr.write(`Private key written to ${files.privateKey}\nPublic key written to ${files.publicKey}\n`);
    return 0;
  },
};
