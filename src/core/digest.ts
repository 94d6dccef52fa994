/**
 * Content digests as OCI uses them: `algorithm ":" encoded` (image-spec descriptor.md,
 * "Digests"). Vouch verifies only the registered algorithms it can compute: `sha256`
 * (64 lower-case hex characters) and `sha512` (128). The grammar allows others and upper-case
 * hex nowhere in registered algorithms, so both are rejected here rather than trusted unverified.
 *
 * `DigestVerifier` is a pass-through Transform: bytes flow on at once (consumers must not trust
 * them before the stream ends), and the stream fails with DIGEST_MISMATCH as soon as more bytes
 * than the declared size arrive, or at the end when the size or the digest is wrong.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { VouchError } from './errors.ts';

export type DigestAlgorithm = 'sha256' | 'sha512';

export const DIGEST_HEX_LENGTH: Readonly<Record<DigestAlgorithm, number>> = Object.freeze({ sha256: 64, sha512: 128 });

export interface ParsedDigest {
  readonly algorithm: DigestAlgorithm;
  /** Lower-case hex. */
  readonly hex: string;
  /** `algorithm:hex`, as given. */
  readonly digest: string;
}

const DIGEST_RE = /^(sha256|sha512):([a-f0-9]+)$/;
/** The image-spec's general digest grammar (descriptor.md): any algorithm, any encoding. */
const DIGEST_GRAMMAR_RE = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** The digest parsed, or undefined when it is not a well-formed sha256/sha512 digest. */
export function tryParseDigest(value: unknown): ParsedDigest | undefined {
  if (typeof value !== 'string' || value.length > 7 + 128) return undefined;
  const m = DIGEST_RE.exec(value);
  if (m === null) return undefined;
  const algorithm = m[1] as DigestAlgorithm;
  const hex = m[2] ?? '';
  if (hex.length !== DIGEST_HEX_LENGTH[algorithm]) return undefined;
  return { algorithm, hex, digest: value };
}

export function isDigest(value: unknown): value is string {
  return tryParseDigest(value) !== undefined;
}

/** Parse a `sha256:`/`sha512:` digest; throws `IMAGE_INVALID` (or the given code) with the reason. */
export function parseDigest(value: unknown, code: 'IMAGE_INVALID' | 'BAD_TARGET' | 'DIGEST_MISMATCH' = 'IMAGE_INVALID'): ParsedDigest {
  const parsed = tryParseDigest(value);
  if (parsed !== undefined) return parsed;
  if (typeof value !== 'string') throw new VouchError(code, `digest must be a string, got ${typeof value}`);
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  if (!DIGEST_GRAMMAR_RE.test(value)) throw new VouchError(code, `malformed digest ${JSON.stringify(shown)} (want algorithm:hex)`);
  const algorithm = value.slice(0, value.indexOf(':'));
  if (algorithm !== 'sha256' && algorithm !== 'sha512') {
    throw new VouchError(code, `unsupported digest algorithm ${JSON.stringify(algorithm)} in ${JSON.stringify(shown)} (sha256 and sha512 are supported)`);
  }
  throw new VouchError(
    code,
    `malformed ${algorithm} digest ${JSON.stringify(shown)}: want ${DIGEST_HEX_LENGTH[algorithm]} lower-case hex characters`,
  );
}

/** `algorithm:hex` of the bytes. */
export function computeDigest(data: Uint8Array | string, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}

/** Whether `data` has the digest `expected` (a malformed `expected` never matches). */
export function digestMatches(data: Uint8Array, expected: string): boolean {
  const parsed = tryParseDigest(expected);
  return parsed !== undefined && computeDigest(data, parsed.algorithm) === parsed.digest;
}

/**
 * Throw DIGEST_MISMATCH unless `data` has the digest (and, when given, the size) expected.
 * `what` names the content in the message (`manifest sha256:…`, `config of image X`).
 */
export function verifyDigest(data: Uint8Array, expected: string, expectedSize?: number, what = 'content'): void {
  const parsed = parseDigest(expected, 'DIGEST_MISMATCH');
  if (expectedSize !== undefined && data.byteLength !== expectedSize) {
    throw new VouchError('DIGEST_MISMATCH', `${what} ${parsed.digest}: ${data.byteLength} bytes, expected ${expectedSize}`);
  }
  const actual = computeDigest(data, parsed.algorithm);
  if (actual !== parsed.digest) {
    throw new VouchError('DIGEST_MISMATCH', `${what}: digest is ${actual}, expected ${parsed.digest}`);
  }
}

export interface DigestVerifierOptions {
  /** The declared size in bytes: more bytes fail at once, fewer fail at the end. */
  readonly size?: number;
  /** Names the content in error messages (default `content`). */
  readonly what?: string;
}

/**
 * A pass-through Transform that hashes what flows through it and fails with DIGEST_MISMATCH
 * on a wrong digest or size. Throws at construction on a malformed expected digest.
 */
export class DigestVerifier extends Transform {
  readonly expected: ParsedDigest;
  readonly expectedSize: number | undefined;
  readonly #what: string;
  readonly #hash: Hash;
  #bytes = 0;

  constructor(expectedDigest: string, options: DigestVerifierOptions = {}) {
    super();
    this.expected = parseDigest(expectedDigest, 'DIGEST_MISMATCH');
    const size = options.size;
    if (size !== undefined && (!Number.isSafeInteger(size) || size < 0)) {
      throw new VouchError('DIGEST_MISMATCH', `declared size ${String(size)} of ${expectedDigest} is not a byte count`);
    }
    this.expectedSize = size;
    this.#what = options.what ?? 'content';
    this.#hash = createHash(this.expected.algorithm);
  }

  /** Bytes seen so far. */
  get bytesSeen(): number {
    return this.#bytes;
  }

  override _transform(chunk: unknown, _encoding: BufferEncoding, callback: TransformCallback): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    this.#bytes += buf.byteLength;
    if (this.expectedSize !== undefined && this.#bytes > this.expectedSize) {
      callback(
        new VouchError('DIGEST_MISMATCH', `${this.#what} ${this.expected.digest}: more than the declared ${this.expectedSize} bytes`),
      );
      return;
    }
    this.#hash.update(buf);
    callback(null, buf);
  }

  override _flush(callback: TransformCallback): void {
    if (this.expectedSize !== undefined && this.#bytes !== this.expectedSize) {
      callback(
        new VouchError('DIGEST_MISMATCH', `${this.#what} ${this.expected.digest}: ${this.#bytes} bytes, expected ${this.expectedSize}`),
      );
      return;
    }
    const actual = `${this.expected.algorithm}:${this.#hash.digest('hex')}`;
    if (actual !== this.expected.digest) {
      callback(new VouchError('DIGEST_MISMATCH', `${this.#what}: digest is ${actual}, expected ${this.expected.digest}`));
      return;
    }
    callback();
  }
}

/** `new DigestVerifier(...)`, for pipelines. */
export function createDigestVerifier(expectedDigest: string, options: DigestVerifierOptions = {}): DigestVerifier {
  return new DigestVerifier(expectedDigest, options);
}
