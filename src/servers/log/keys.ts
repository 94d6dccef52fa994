/**
 * The log's signing key: given (`--log-key FILE`, PEM PKCS#8, optionally encrypted with
 * VOUCH_LOG_KEY_PASSWORD) or generated on first start as `<dir>/log-key.pem`, an encrypted PKCS#8
 * PEM (PBKDF2 + AES-256-CBC, OpenSSL's format, so `openssl pkey` reads it too).
 *
 * The password comes from VOUCH_LOG_KEY_PASSWORD; without it a random one is generated and stored
 * beside the key in `log-key.password` (mode 0600). Trade-off, documented in
 * docs/transparency-log.md: the generated password only protects a key file copied *without* its
 * neighbour (a backup of one file); anyone who can read the folder can sign. Set the variable (from
 * a secret store) for real protection.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VouchError } from '../../core/index.ts';

export type GenerateAlgorithm = 'ecdsa-p256' | 'ed25519';

const MAX_KEY_FILE = 64 * 1024;

function readSmall(path: string): Buffer {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    throw new VouchError('LOG_KEY', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (buf.length > MAX_KEY_FILE) throw new VouchError('LOG_KEY', `${path} is over ${MAX_KEY_FILE} bytes`);
  return buf;
}

function parseKey(pem: Buffer, password: string | undefined, path: string): KeyObject {
  try {
    return createPrivateKey(password === undefined ? { key: pem, format: 'pem' } : { key: pem, format: 'pem', passphrase: password });
  } catch (err) {
    const encrypted = pem.toString('latin1').includes('ENCRYPTED');
    const hint = encrypted && password === undefined ? 'it is encrypted: set VOUCH_LOG_KEY_PASSWORD' : encrypted ? 'wrong VOUCH_LOG_KEY_PASSWORD?' : undefined;
    throw new VouchError('LOG_KEY', `cannot load the log key ${path}: ${(err as Error).message}`, { cause: err, ...(hint === undefined ? {} : { hint }) });
  }
}

export interface LoadedKey {
  readonly key: KeyObject;
  readonly path: string;
  readonly generated: boolean;
}

/** Load `keyFile`, or load/generate the key in `dir`. */
export function loadOrCreateLogKey(options: { keyFile?: string; dir: string; env: NodeJS.ProcessEnv; algorithm: GenerateAlgorithm }): LoadedKey {
  const envPassword = options.env.VOUCH_LOG_KEY_PASSWORD !== undefined && options.env.VOUCH_LOG_KEY_PASSWORD !== '' ? options.env.VOUCH_LOG_KEY_PASSWORD : undefined;
  if (options.keyFile !== undefined) {
    return { key: parseKey(readSmall(options.keyFile), envPassword, options.keyFile), path: options.keyFile, generated: false };
  }
  const keyPath = join(options.dir, 'log-key.pem');
  const passwordPath = join(options.dir, 'log-key.password');
  if (existsSync(keyPath)) {
    const password = envPassword ?? (existsSync(passwordPath) ? readSmall(passwordPath).toString('utf8').trim() : undefined);
    return { key: parseKey(readSmall(keyPath), password, keyPath), path: keyPath, generated: false };
  }
  try {
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    const password = envPassword ?? randomBytes(32).toString('base64url');
    if (envPassword === undefined) writeAside(passwordPath, `${password}\n`);
    const { privateKey } = options.algorithm === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeAside(keyPath, privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: password }).toString());
    return { key: privateKey, path: keyPath, generated: true };
  } catch (err) {
    throw new VouchError('LOG_KEY', `cannot create the log key in ${options.dir}: ${(err as Error).message}`, { cause: err });
  }
}

function writeAside(path: string, content: string): void {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600, flag: 'wx' });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}
