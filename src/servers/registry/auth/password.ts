/**
 * Password and robot-secret hashing. Argon2id from node:crypto (Node ≥ 24.7) with the OWASP
 * Password Storage Cheat Sheet's first recommendation (m = 19 MiB, t = 2, p = 1); scrypt
 * (N = 2^15, r = 8, p = 1, also OWASP's) where argon2 is missing. Hashes are stored as PHC
 * strings (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`, base64 without padding) so parameters can be
 * raised later and old hashes still verify. Comparison is constant-time (crypto.timingSafeEqual).
 */
import * as crypto from 'node:crypto';
import { promisify } from 'node:util';

export interface Argon2Params {
  readonly memoryKiB: number;
  readonly passes: number;
  readonly parallelism: number;
}

export const DEFAULT_ARGON2_PARAMS: Argon2Params = Object.freeze({ memoryKiB: 19456, passes: 2, parallelism: 1 });
/** scrypt: log2(N) = 15, r = 8, p = 1 (32 MiB). */
export const DEFAULT_SCRYPT_LOG_N = 15;

const TAG_BYTES = 32;
const SALT_BYTES = 16;
/** Longest password accepted: hashing is memory-hard, but the input itself stays bounded. */
export const MAX_PASSWORD_BYTES = 1024;

type Argon2Fn = (algorithm: 'argon2id', params: { message: Buffer; nonce: Buffer; parallelism: number; tagLength: number; memory: number; passes: number }, cb: (err: Error | null, key: Buffer) => void) => void;
const argon2 = (crypto as unknown as { argon2?: Argon2Fn }).argon2;
const scrypt = promisify(crypto.scrypt) as (password: Buffer, salt: Buffer, keylen: number, options: crypto.ScryptOptions) => Promise<Buffer>;

function b64(buf: Buffer): string {
  return buf.toString('base64').replace(/=+$/, '');
}

function argon2Hash(message: Buffer, nonce: Buffer, p: Argon2Params, tagLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    argon2!('argon2id', { message, nonce, parallelism: p.parallelism, tagLength, memory: p.memoryKiB, passes: p.passes }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Hash `password` into a PHC string with a fresh random salt. */
export async function hashPassword(password: string, params: Argon2Params = DEFAULT_ARGON2_PARAMS): Promise<string> {
  const message = Buffer.from(password, 'utf8');
  const salt = crypto.randomBytes(SALT_BYTES);
  if (argon2 !== undefined) {
    const tag = await argon2Hash(message, salt, params, TAG_BYTES);
    return `$argon2id$v=19$m=${params.memoryKiB},t=${params.passes},p=${params.parallelism}$${b64(salt)}$${b64(tag)}`;
  }
  const N = 2 ** DEFAULT_SCRYPT_LOG_N;
  const tag = await scrypt(message, salt, TAG_BYTES, { N, r: 8, p: 1, maxmem: 256 * N * 8 });
  return `$scrypt$ln=${DEFAULT_SCRYPT_LOG_N},r=8,p=1$${b64(salt)}$${b64(tag)}`;
}

/** Highest cost a stored hash may ask for: a tampered row must not exhaust memory or time. */
const MAX_ARGON2_MEMORY_KIB = 1024 * 1024;
const MAX_ARGON2_PASSES = 16;
const MAX_SCRYPT_LOG_N = 20;

/** True when `password` matches `stored`; false for a wrong password or an unreadable hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  try {
    return await verify(password, stored);
  } catch {
    return false;
  }
}

async function verify(password: string, stored: string): Promise<boolean> {
  const message = Buffer.from(password, 'utf8');
  if (message.length > MAX_PASSWORD_BYTES) return false;
  const argon = /^\$argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,3}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,64})\$([A-Za-z0-9+/]{16,128})$/.exec(stored);
  if (argon !== null && argon2 !== undefined && Number(argon[1]) <= MAX_ARGON2_MEMORY_KIB && Number(argon[2]) <= MAX_ARGON2_PASSES) {
    const expected = Buffer.from(argon[5]!, 'base64');
    const tag = await argon2Hash(message, Buffer.from(argon[4]!, 'base64'), { memoryKiB: Number(argon[1]), passes: Number(argon[2]), parallelism: Number(argon[3]) }, expected.length);
    return crypto.timingSafeEqual(tag, expected);
  }
  const sc = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,64})\$([A-Za-z0-9+/]{16,128})$/.exec(stored);
  if (sc !== null && Number(sc[1]) <= MAX_SCRYPT_LOG_N) {
    const N = 2 ** Number(sc[1]);
    const r = Number(sc[2]);
    const expected = Buffer.from(sc[5]!, 'base64');
    const tag = await scrypt(message, Buffer.from(sc[4]!, 'base64'), expected.length, { N, r, p: Number(sc[3]), maxmem: 256 * N * r });
    return crypto.timingSafeEqual(tag, expected);
  }
  return false;
}

/** A random secret for a robot account or a generated admin password (32 chars, ~190 bits). */
export function generateSecret(): string {
  return crypto.randomBytes(24).toString('base64url');
}

/**
 * A hash that costs as much as a real check: verifying against it when the user is missing
 * keeps a failed login for an unknown name as slow as for a known one (no user enumeration).
 */
let dummy: Promise<string> | undefined;
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(generateSecret());
  return dummy;
}
