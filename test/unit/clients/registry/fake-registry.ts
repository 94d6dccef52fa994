/**
 * An in-process fake of the OCI Distribution pull API and the distribution token server, on
 * node:http at 127.0.0.1:0. Enough of the real protocol to drive the client through every
 * branch (challenges, tokens with scopes and expiry, Basic, 404 bodies), plus hooks to inject
 * faults (wrong digests, 5xx, redirects, stalls). Every request is recorded with its headers.
 */
import { createHash } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
}

export interface FakeRegistryOptions {
  readonly auth?: 'none' | 'basic' | 'bearer';
  readonly user?: string;
  readonly password?: string;
  /** Bearer: grant pull to anonymous token requests (default true). */
  readonly anonymousPull?: boolean;
  /** Bearer: `expires_in` of issued tokens (default 300). */
  readonly expiresIn?: number;
  /** Bearer: the service name in the challenge. */
  readonly service?: string;
  /** Bearer: the realm (default this server's /token). */
  readonly realm?: string;
  /** Serve HTTPS with this key and certificate (PEM). */
  readonly tls?: { readonly key: string; readonly cert: string };
}

/** Return true when the hook answered the request itself. */
export type Hook = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function ociError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ errors: [{ code, message, detail: null }] });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

export class FakeRegistry {
  readonly options: FakeRegistryOptions;
  readonly requests: RecordedRequest[] = [];
  readonly manifests = new Map<string, { body: Buffer; mediaType: string }>();
  readonly blobs = new Map<string, Buffer>();
  /** token → the scopes it grants. */
  readonly tokens = new Map<string, string[]>();
  hooks: Hook[] = [];
  #server: Server | undefined;
  #tokenCounter = 0;

  constructor(options: FakeRegistryOptions = {}) {
    this.options = options;
  }

  get host(): string {
    const addr = this.#server?.address() as AddressInfo;
    return `127.0.0.1:${addr.port}`;
  }

  get origin(): string {
    return `${this.options.tls === undefined ? 'http' : 'https'}://${this.host}`;
  }

  async start(): Promise<this> {
    const tls = this.options.tls;
    this.#server =
      tls === undefined ? createServer((req, res) => this.#handle(req, res)) : createHttpsServer({ key: tls.key, cert: tls.cert }, (req, res) => this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async close(): Promise<void> {
    const s = this.#server;
    if (s === undefined) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  addManifest(repo: string, tag: string | undefined, doc: unknown, mediaType: string): string {
    const body = Buffer.from(typeof doc === 'string' ? doc : JSON.stringify(doc));
    const digest = sha256(body);
    this.manifests.set(`${repo}@${digest}`, { body, mediaType });
    if (tag !== undefined) this.manifests.set(`${repo}@${tag}`, { body, mediaType });
    return digest;
  }

  addBlob(data: Buffer | string): string {
    const buf = Buffer.from(data);
    const digest = sha256(buf);
    this.blobs.set(digest, buf);
    return digest;
  }

  /** Requests to a path (query ignored). */
  count(path: string, method?: string): number {
    return this.requests.filter((r) => r.path === path && (method === undefined || r.method === method)).length;
  }

  #challenge(scope?: string): string {
    if (this.options.auth === 'basic') return 'Basic realm="fake registry"';
    const realm = this.options.realm ?? `${this.origin}/token`;
    const service = this.options.service ?? 'fake-registry';
    return `Bearer realm="${realm}",service="${service}"${scope === undefined ? '' : `,scope="${scope}"`}`;
  }

  /** Whether the request may go on; answers 401 itself when not. */
  #authorized(req: IncomingMessage, res: ServerResponse, scope?: string): boolean {
    const auth = this.options.auth ?? 'none';
    if (auth === 'none') return true;
    const header = req.headers.authorization ?? '';
    if (auth === 'basic') {
      const expected = `Basic ${Buffer.from(`${this.options.user}:${this.options.password}`).toString('base64')}`;
      if (header === expected) return true;
    } else if (header.startsWith('Bearer ')) {
      const granted = this.tokens.get(header.slice(7));
      if (granted !== undefined && (scope === undefined || granted.includes(scope))) return true;
    }
    ociError(res, 401, 'UNAUTHORIZED', 'authentication required', { 'www-authenticate': this.#challenge(scope) });
    return false;
  }

  #token(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const header = req.headers.authorization;
    let authenticated = false;
    if (header !== undefined) {
      const expected = `Basic ${Buffer.from(`${this.options.user}:${this.options.password}`).toString('base64')}`;
      if (header !== expected) {
        ociError(res, 401, 'UNAUTHORIZED', 'bad credentials');
        return;
      }
      authenticated = true;
    }
    const scopes = url.searchParams.getAll('scope');
    const granted = authenticated || (this.options.anonymousPull ?? true) ? scopes : [];
    const token = `tok-${++this.#tokenCounter}-${'x'.repeat(20)}`;
    this.tokens.set(token, granted);
    const body = JSON.stringify({ token, expires_in: this.options.expiresIn ?? 300, issued_at: new Date().toISOString() });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.origin);
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers });
    for (const hook of this.hooks) if (hook(req, res, url)) return;
    if (url.pathname === '/token') {
      this.#token(req, res, url);
      return;
    }
    if (url.pathname === '/v2/') {
      if (!this.#authorized(req, res)) return;
      res.writeHead(200, { 'docker-distribution-api-version': 'registry/2.0', 'content-type': 'application/json' });
      res.end('{}');
      return;
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname);
    if (m === null) {
      ociError(res, 404, 'NOT_FOUND', 'no such route');
      return;
    }
    const [, repo = '', kind, ref = ''] = m;
    if (!this.#authorized(req, res, `repository:${repo}:pull`)) return;
    if (kind === 'manifests') {
      const entry = this.manifests.get(`${repo}@${ref}`);
      if (entry === undefined) {
        ociError(res, 404, 'MANIFEST_UNKNOWN', 'manifest unknown');
        return;
      }
      res.writeHead(200, {
        'content-type': entry.mediaType,
        'content-length': entry.body.byteLength,
        'docker-content-digest': sha256(entry.body),
      });
      res.end(req.method === 'HEAD' ? undefined : entry.body);
      return;
    }
    const blob = this.blobs.get(ref);
    if (blob === undefined) {
      ociError(res, 404, 'BLOB_UNKNOWN', 'blob unknown to registry');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': blob.byteLength, 'docker-content-digest': ref });
    res.end(req.method === 'HEAD' ? undefined : blob);
  }
}

/** A Logger that keeps every line, to prove no secret reaches it. */
export function collectingLogger(): { lines: string[]; debug(m: string): void; info(m: string): void; warn(m: string): void } {
  const lines: string[] = [];
  return {
    lines,
    debug: (m) => lines.push(`debug ${m}`),
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
  };
}
