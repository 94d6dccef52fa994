/**
 * Advisory sources on disk: a single OSV JSON file, a folder of them (walked without following
 * symbolic links), an OSV `all.zip`, or the Debian security tracker's JSON export (./debian.ts). Each has a SHA-256 digest computed by streaming, so an
 * unchanged source is recognised without parsing it: a file's digest is the file's; a folder's is
 * SHA-256 over its sorted `.json` files' relative paths and file digests.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, open, opendir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { VouchError } from '../../core/index.ts';
import { looksLikeDebianTracker } from './debian.ts';

export type SourceKind = 'file' | 'folder' | 'zip' | 'debian-tracker';

export async function fileSha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

export async function sourceKind(path: string): Promise<SourceKind> {
  let st;
  try {
    st = await lstat(path);
  } catch (err) {
    throw new VouchError('TARGET_NOT_FOUND', `advisory source ${path} cannot be read`, { cause: err });
  }
  if (st.isDirectory()) return 'folder';
  if (!st.isFile()) throw new VouchError('IO_ERROR', `advisory source ${path} is not a file or folder`);
  if (path.toLowerCase().endsWith('.zip')) return 'zip';
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    if (bytesRead >= 4 && (head.readUInt32LE(0) === 0x04034b50 || head.readUInt32LE(0) === 0x06054b50)) return 'zip';
    return looksLikeDebianTracker(head.subarray(0, bytesRead).toString('utf8')) ? 'debian-tracker' : 'file';
  } finally {
    await fh.close();
  }
}

export interface WalkLimits {
  readonly maxFiles: number;
  readonly maxDepth: number;
}

/** The `.json` files under a folder, sorted, relative paths with `/`. Links are not followed. */
export async function listJsonFiles(root: string, limits: WalkLimits): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > limits.maxDepth) throw new VouchError('LIMIT_EXCEEDED', `${dir}: deeper than ${limits.maxDepth} folders`);
    for await (const d of await opendir(dir)) {
      const p = join(dir, d.name);
      if (d.isDirectory()) await walk(p, depth + 1);
      else if (d.isFile() && d.name.toLowerCase().endsWith('.json')) {
        if (out.length >= limits.maxFiles) throw new VouchError('LIMIT_EXCEEDED', `${root}: more than ${limits.maxFiles} files`);
        out.push(relative(root, p).split(sep).join('/'));
      }
    }
  };
  await walk(root, 0);
  return out.sort();
}

export async function folderSha256(root: string, files: readonly string[]): Promise<string> {
  const h = createHash('sha256');
  for (const f of files) h.update(`${f}\0${await fileSha256(join(root, f))}\n`);
  return h.digest('hex');
}

/** Read a file, refusing one over `maxBytes` (checked on the open handle, and while reading). */
export async function readCapped(path: string, maxBytes: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    if (size > maxBytes) throw new VouchError('LIMIT_EXCEEDED', `${size} bytes is over the ${maxBytes}-byte limit`);
    const buf = Buffer.alloc(size);
    const { bytesRead } = await fh.read(buf, 0, size, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** `https://…` (or `http://` to this machine), optionally ending `#sha256=<hex>`. */
export function isUrlSource(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/** The URL without its `#sha256=` fragment (the source's key in the index) and the digest it pins. */
export function splitUrlSource(source: string): { url: string; sha256: string | undefined } {
  const m = /^(.*)#sha256=([0-9a-f]{64})$/i.exec(source);
  return m ? { url: m[1]!, sha256: m[2]!.toLowerCase() } : { url: source.replace(/#.*$/, ''), sha256: undefined };
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

function allowedUrl(u: URL): boolean {
  return u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.has(u.hostname));
}

export interface DownloadOptions {
  readonly maxBytes: number;
  readonly expectedSha256?: string | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Most redirects followed (each checked: https, or http to this machine). */
  readonly maxRedirects?: number;
}

/**
 * Download `url` to `dest` (created, never overwritten) with a byte cap checked against
 * Content-Length and while streaming, and the SHA-256 computed on the way; a pinned digest that
 * differs fails. Plain HTTP is refused except to this machine. Returns the digest.
 */
export async function downloadSource(url: string, dest: string, options: DownloadOptions): Promise<string> {
  const fail = (msg: string, cause?: unknown): never => {
    throw new VouchError('ADVISORY_DOWNLOAD', `${url}: ${msg}`, cause === undefined ? {} : { cause });
  };
  let current: URL;
  try {
    current = new URL(url);
  } catch (err) {
    return fail('not a valid URL', err);
  }
  let response: Response | undefined;
  for (let hop = 0; ; hop++) {
    if (!allowedUrl(current)) fail(`${current.protocol}//${current.host}: only https (or http to localhost) is allowed`);
    try {
      response = await fetch(current, { redirect: 'manual', ...(options.signal === undefined ? {} : { signal: options.signal }) });
    } catch (err) {
      return fail(`download failed: ${err instanceof Error ? err.message : String(err)}`, err);
    }
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location !== null) {
      await response.body?.cancel();
      if (hop >= (options.maxRedirects ?? 5)) fail('too many redirects');
      current = new URL(location, current);
      continue;
    }
    break;
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    return fail(`HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > options.maxBytes) {
    await response.body.cancel();
    fail(`${declared} bytes is over the ${options.maxBytes}-byte limit`);
  }
  const h = createHash('sha256');
  const fh = await open(dest, 'wx');
  let total = 0;
  try {
    // Leaving the loop (the cap) cancels the body stream.
    for await (const value of response.body as AsyncIterable<Uint8Array>) {
      total += value.byteLength;
      if (total > options.maxBytes) fail(`more than ${options.maxBytes} bytes, download stopped`);
      h.update(value);
      await fh.write(value);
    }
  } finally {
    await fh.close();
  }
  const digest = h.digest('hex');
  if (options.expectedSha256 !== undefined && digest !== options.expectedSha256) fail(`SHA-256 ${digest} differs from the pinned ${options.expectedSha256}`);
  return digest;
}
