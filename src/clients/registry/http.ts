/**
 * The HTTP layer under the registry client, on Node's own fetch (undici): one request with
 * a headers timeout, an idle timeout while the body is read, bounded retries with backoff, and
 * redirects followed by hand so that
 *
 *  - every hop passes the transport rule (endpoint.ts: HTTPS unless loopback or `insecure`),
 *  - `Authorization` is dropped as soon as a redirect leaves the origin of the request (blob
 *    redirects go to storage hosts such as S3 that must not see our registry token),
 *  - `Accept-Encoding: identity` keeps fetch from decoding a body whose digest we check.
 *
 * Retries: 429, 500, 502, 503, 504 and transient network errors (reset, timeout, DNS retry),
 * at most `retries` times, waiting `Retry-After` when the server names a time, else exponential
 * backoff with jitter, both capped by `maxDelayMs`. A redirect chain is one attempt.
 *
 * Errors: a final non-2xx answer becomes a RegistryHttpError carrying the status and the OCI
 * error body (distribution-spec "Error Codes": `{"errors":[{"code","message","detail"}]}`)
 * when there is one. Nothing logged here ever holds a header value or a query string.
 */
import { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { type Logger, VouchError, silentLogger } from '../../core/index.ts';
import { checkTransport, isLoopbackHost } from './endpoint.ts';

export type FetchFunction = typeof fetch;

export interface HttpOptions {
  readonly fetch?: FetchFunction;
  readonly logger?: Logger;
  /** Until the response headers arrive, per attempt (default 30 s). */
  readonly timeoutMs?: number;
  /** Longest wait for the next body chunk while we are reading (default 60 s). */
  readonly idleTimeoutMs?: number;
  /** Retries after the first attempt (default 3). */
  readonly retries?: number;
  /** First backoff delay (default 500 ms); doubles per retry, with jitter. */
  readonly retryBaseDelayMs?: number;
  /** Cap on any single wait, also on `Retry-After` (default 10 s). */
  readonly maxDelayMs?: number;
  /** Redirects followed per request (default 5). */
  readonly maxRedirects?: number;
  /** Plain HTTP and unverified TLS to any host (`--insecure`). */
  readonly insecure?: boolean;
  readonly userAgent?: string;
  /** For tests: how to wait between retries. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_HTTP_OPTIONS = Object.freeze({
  timeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  retries: 3,
  retryBaseDelayMs: 500,
  maxDelayMs: 10_000,
  maxRedirects: 5,
});

/** The longest error body we read to find an OCI error list. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
const RETRY_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);
/** Network error codes worth another attempt; refused connections and bad certificates are not. */
const RETRY_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'VOUCH_TIMEOUT',
]);

/** One entry of an OCI error body. */
export interface OciErrorEntry {
  readonly code: string;
  readonly message: string;
}

export type RegistryHttpErrorCode = 'REGISTRY_ERROR' | 'REGISTRY_AUTH' | 'IMAGE_NOT_FOUND';

/** A registry answered with an error status. `errors` is its OCI error list, when it sent one. */
export class RegistryHttpError extends VouchError<RegistryHttpErrorCode> {
  readonly status: number;
  readonly errors: readonly OciErrorEntry[];
  constructor(code: RegistryHttpErrorCode, message: string, status: number, errors: readonly OciErrorEntry[], hint?: string) {
    super(code, message, hint === undefined ? {} : { hint });
    this.status = status;
    this.errors = errors;
  }
}

export interface HttpRequest {
  readonly method: 'GET' | 'HEAD' | 'POST' | 'PUT';
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  /** A request body (pushes): held in memory, so a retry or a 307/308 redirect can send it again. */
  readonly body?: Buffer;
}

/** A response whose headers have arrived; its body is still to be read or discarded. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  /** The URL that answered, after redirects. */
  readonly url: URL;
  readonly response: Response;
  readonly controller: AbortController;
}

/** Marks our own timeouts, so they can be told from other aborts. */
class TimeoutError extends Error {
  readonly code = 'VOUCH_TIMEOUT';
}

function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && typeof e === 'object' && e !== null; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function errorDetail(err: unknown): string {
  let e: unknown = err;
  let last = err instanceof Error ? err.message : String(err);
  for (let depth = 0; depth < 5 && e instanceof Error; depth++) {
    last = e.message;
    e = e.cause;
  }
  // OpenSSL's messages end in a newline and name its source files; keep one clean line.
  return clean(last.replace(/:\.\.\/deps\/openssl\S*/g, ''), 300);
}

/** `path` only, never the query (token requests carry the account name there). */
export function describeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** The OCI error list of a body, or [] when it is not one. */
export function parseOciErrors(body: string): OciErrorEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return [];
  }
  if (typeof doc !== 'object' || doc === null) return [];
  const list = (doc as { errors?: unknown }).errors;
  if (!Array.isArray(list)) return [];
  const out: OciErrorEntry[] = [];
  for (const item of list.slice(0, 16)) {
    if (typeof item !== 'object' || item === null) continue;
    const code = (item as { code?: unknown }).code;
    const message = (item as { message?: unknown }).message;
    out.push({
      code: typeof code === 'string' ? clean(code, 64) : 'UNKNOWN',
      message: typeof message === 'string' ? clean(message, 300) : '',
    });
  }
  return out;
}

/** Control characters out, length bounded: registry text ends up in terminal output. */
function clean(s: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

let insecureDispatcher: unknown;
/**
 * An undici Agent that skips certificate checks. Node does not export undici's classes, so the
 * constructor is taken from the global dispatcher fetch installs (undici's documented
 * `Symbol.for('undici.globalDispatcher.1')` slot). Undefined if that ever changes; then TLS
 * stays verified and the caller warns.
 */
async function getInsecureDispatcher(): Promise<unknown> {
  if (insecureDispatcher !== undefined) return insecureDispatcher;
  const slot = Symbol.for('undici.globalDispatcher.1');
  const g = globalThis as Record<symbol, unknown>;
  if (g[slot] === undefined) await fetch('data:,').catch(() => undefined); // fetch installs it lazily
  const current = g[slot];
  const Ctor = typeof current === 'object' && current !== null ? (current as { constructor?: unknown }).constructor : undefined;
  if (typeof Ctor !== 'function' || Ctor.name !== 'Agent') return undefined;
  insecureDispatcher = new (Ctor as new (opts: unknown) => unknown)({ connect: { rejectUnauthorized: false } });
  return insecureDispatcher;
}

export class HttpClient {
  readonly #fetch: FetchFunction;
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  readonly #idleTimeoutMs: number;
  readonly #retries: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #maxRedirects: number;
  readonly #insecure: boolean;
  readonly #userAgent: string;
  readonly #sleep: (ms: number) => Promise<void>;
  #warnedTls = false;

  constructor(options: HttpOptions = {}) {
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#logger = options.logger ?? silentLogger;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_HTTP_OPTIONS.timeoutMs;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_HTTP_OPTIONS.idleTimeoutMs;
    this.#retries = options.retries ?? DEFAULT_HTTP_OPTIONS.retries;
    this.#baseDelayMs = options.retryBaseDelayMs ?? DEFAULT_HTTP_OPTIONS.retryBaseDelayMs;
    this.#maxDelayMs = options.maxDelayMs ?? DEFAULT_HTTP_OPTIONS.maxDelayMs;
    this.#maxRedirects = options.maxRedirects ?? DEFAULT_HTTP_OPTIONS.maxRedirects;
    this.#insecure = options.insecure ?? false;
    this.#userAgent = options.userAgent ?? 'vouch';
    this.#sleep = options.sleep ?? ((ms) => delay(ms));
  }

  get insecure(): boolean {
    return this.#insecure;
  }

  get logger(): Logger {
    return this.#logger;
  }

  /**
   * Send with retries and redirects. Resolves with any final status (the caller decides what
   * an error status means); rejects with REGISTRY_ERROR when the server cannot be reached.
   * `retry: false` makes a single attempt (the scheme probe wants a fast answer).
   */
  async send(req: HttpRequest, options: { readonly retry?: boolean } = {}): Promise<HttpResponse> {
    const retries = options.retry === false ? 0 : this.#retries;
    for (let attempt = 0; ; attempt++) {
      let res: HttpResponse;
      try {
        res = await this.#sendOnce(req);
      } catch (err) {
        if (err instanceof VouchError) throw err;
        const code = errorCode(err);
        if (attempt < retries && code !== undefined && RETRY_NETWORK_CODES.has(code)) {
          const wait = this.#backoff(attempt);
          this.#logger.debug(`${req.method} ${describeUrl(req.url)}: ${code}; retry ${attempt + 1}/${retries} in ${wait} ms`);
          await this.#sleep(wait);
          continue;
        }
        const detail = errorDetail(err);
        throw new VouchError('REGISTRY_ERROR', `cannot reach ${req.url.host}: ${detail}${code === undefined || detail.includes(code) ? '' : ` (${code})`}`, {
          cause: err,
        });
      }
      if (attempt < retries && RETRY_STATUSES.has(res.status)) {
        const wait = this.#retryAfter(res.headers) ?? this.#backoff(attempt);
        this.#logger.debug(`${req.method} ${describeUrl(res.url)}: ${res.status}; retry ${attempt + 1}/${retries} in ${wait} ms`);
        await discard(res);
        await this.#sleep(wait);
        continue;
      }
      return res;
    }
  }

  async #sendOnce(req: HttpRequest): Promise<HttpResponse> {
    const headers: Record<string, string> = { 'user-agent': this.#userAgent, 'accept-encoding': 'identity' };
    for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v;
    const origin = req.url.origin;
    let url = req.url;
    for (let hop = 0; ; hop++) {
      checkTransport(url, this.#insecure, hop === 0 ? 'registry' : 'redirect target');
      if (url.origin !== origin) delete headers.authorization;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new TimeoutError(`no response within ${this.#timeoutMs} ms`)), this.#timeoutMs);
      let response: Response;
      try {
        const init: RequestInit = { method: req.method, headers, redirect: 'manual', signal: controller.signal };
        if (req.body !== undefined) init.body = req.body;
        if (url.protocol === 'https:' && (this.#insecure || isLoopbackHost(url.host))) {
          const dispatcher = await getInsecureDispatcher();
          if (dispatcher !== undefined) init.dispatcher = dispatcher as RequestInit['dispatcher'];
          else if (!this.#warnedTls) {
            this.#warnedTls = true;
            this.#logger.warn(`cannot turn off TLS verification in this Node.js; certificates of ${url.host} are still checked`);
          }
        }
        this.#logger.debug(`${req.method} ${describeUrl(url)}`);
        response = await this.#fetch(url, init);
      } catch (err) {
        if (controller.signal.aborted && controller.signal.reason instanceof TimeoutError) throw controller.signal.reason;
        throw err;
      } finally {
        clearTimeout(timer);
      }
      const res: HttpResponse = { status: response.status, headers: response.headers, url, response, controller };
      if (!REDIRECT_STATUSES.has(response.status)) return res;
      const location = response.headers.get('location');
      if (location === null) return res;
      // A body is only re-sent on 307/308 (RFC 9110 §15.4.8-9); 301/302/303 would turn it into a GET.
      if (req.body !== undefined && response.status !== 307 && response.status !== 308) return res;
      await discard(res);
      if (hop >= this.#maxRedirects) {
        throw new VouchError('REGISTRY_ERROR', `more than ${this.#maxRedirects} redirects from ${describeUrl(req.url)}`);
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new VouchError('REGISTRY_ERROR', `${describeUrl(url)} redirected to a malformed URL`);
      }
      this.#logger.debug(`${response.status} → ${describeUrl(next)}${next.origin === origin ? '' : ' (another origin: without Authorization)'}`);
      url = next;
    }
  }

  #backoff(attempt: number): number {
    const exp = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** attempt);
    // "Equal jitter": half fixed, half random, so retries from many clients spread out.
    return Math.round(exp / 2 + (Math.random() * exp) / 2);
  }

  /** `Retry-After` as delay-seconds or an HTTP-date (RFC 9110 §10.2.3), capped; undefined if absent or unreadable. */
  #retryAfter(headers: Headers): number | undefined {
    const value = headers.get('retry-after');
    if (value === null) return undefined;
    let ms: number;
    if (/^\d+$/.test(value.trim())) ms = Number(value.trim()) * 1000;
    else {
      const at = Date.parse(value);
      if (Number.isNaN(at)) return undefined;
      ms = at - Date.now();
    }
    return Math.max(0, Math.min(this.#maxDelayMs, ms));
  }

  /**
   * The body as a Node stream. While a read is pending, no byte for `idleTimeoutMs` fails the
   * stream with REGISTRY_ERROR (a slow consumer is not a stalled server: the timer runs only
   * while we wait for the network). Destroying the stream aborts the request.
   */
  bodyStream(res: HttpResponse, what: string): Readable {
    const body = res.response.body;
    if (body === null) return Readable.from([]);
    const reader = body.getReader();
    const idleMs = this.#idleTimeoutMs;
    const controller = res.controller;
    let timer: NodeJS.Timeout | undefined;
    const stop = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    };
    return new Readable({
      read() {
        timer = setTimeout(() => controller.abort(new TimeoutError(`no data for ${idleMs} ms`)), idleMs);
        reader.read().then(
          (chunk) => {
            stop();
            if (chunk.done) this.push(null);
            else {
              const v = chunk.value as Uint8Array;
              this.push(Buffer.from(v.buffer, v.byteOffset, v.byteLength));
            }
          },
          (err: unknown) => {
            stop();
            const reason: unknown = controller.signal.aborted ? controller.signal.reason : err;
            this.destroy(
              reason instanceof VouchError
                ? reason
                : new VouchError('REGISTRY_ERROR', `reading ${what} from ${res.url.host} failed: ${errorDetail(reason)}`, { cause: reason }),
            );
          },
        );
      },
      destroy(err, callback) {
        stop();
        if (!controller.signal.aborted) controller.abort();
        reader.cancel().catch(() => undefined);
        callback(err);
      },
    });
  }

  /** The whole body, at most `maxBytes` (LIMIT_EXCEEDED beyond, checked on Content-Length first). */
  async readBody(res: HttpResponse, maxBytes: number, what: string): Promise<Buffer> {
    const declared = res.headers.get('content-length');
    if (declared !== null && /^\d+$/.test(declared) && Number(declared) > maxBytes) {
      await discard(res);
      throw new VouchError('LIMIT_EXCEEDED', `${what} is ${declared} bytes, over the ${maxBytes}-byte limit`);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    const stream = this.bodyStream(res, what);
    for await (const chunk of stream) {
      const buf = chunk as Buffer;
      total += buf.byteLength;
      if (total > maxBytes) {
        stream.destroy();
        throw new VouchError('LIMIT_EXCEEDED', `${what} is over the ${maxBytes}-byte limit`);
      }
      chunks.push(buf);
    }
    return Buffer.concat(chunks, total);
  }

  /**
   * Turn a final error status into a RegistryHttpError: 401/403 → REGISTRY_AUTH, 404 →
   * IMAGE_NOT_FOUND, anything else REGISTRY_ERROR; the OCI error body's codes and messages are
   * in the message. Reads (at most 64 KiB of) the body.
   */
  async errorFor(res: HttpResponse, what: string): Promise<RegistryHttpError> {
    let text = '';
    try {
      text = (await this.readBody(res, MAX_ERROR_BODY_BYTES, 'error body')).toString('utf8');
    } catch {
      await discard(res);
    }
    const errors = parseOciErrors(text);
    const detail = errors.map((e) => (e.message === '' ? e.code : `${e.code}: ${e.message}`)).join('; ');
    const status = `${res.status}${res.response.statusText === '' ? '' : ` ${clean(res.response.statusText, 60)}`}`;
    const message = `${what}: ${res.url.host} answered ${status}${detail === '' ? '' : ` (${detail})`}`;
    if (res.status === 401 || res.status === 403) return new RegistryHttpError('REGISTRY_AUTH', message, res.status, errors);
    if (res.status === 404) return new RegistryHttpError('IMAGE_NOT_FOUND', message, res.status, errors);
    return new RegistryHttpError('REGISTRY_ERROR', message, res.status, errors);
  }
}

/** Drop a response's body and free its connection. */
export async function discard(res: HttpResponse): Promise<void> {
  try {
    await res.response.body?.cancel();
  } catch {
    // already consumed or errored: nothing to free
  }
}
