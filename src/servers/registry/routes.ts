/**
 * The OCI distribution-spec v1.1 endpoints (spec.md "Endpoints", end-1 … end-13) over one
 * wildcard route: names contain slashes, so the raw path is matched here (names.ts) rather than
 * by the router, and percent-escapes are never decoded into a name. Every request asks the
 * `AccessController` first, before it looks anything up (a caller without rights learns nothing
 * about what exists). Bodies are not parsed by fastify: blob bodies stream to disk, manifest
 * bodies are read here with a 4 MiB cap.
 */
import { randomUUID } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { computeDigest, isVouchError, type Logger, type ParsedDigest } from '../../core/index.ts';
import { OCI_IMAGE_INDEX } from '../../formats/oci/index.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from '../http/index.ts';
import type { AccessAction, AccessController } from './access.ts';
import { sendBlobRange, type BlobStore } from './blobs.ts';
import { TtlCache } from './cache.ts';
import { errorBody, RegistryError } from './errors.ts';
import { MAX_MANIFEST_BYTES, parseManifest } from './manifest.ts';
import type { ManifestRecord, RegistryMetadata } from './metadata.ts';
import { checkDigest, checkName, matchRoute, parseReference, type Route } from './names.ts';

export interface RoutesOptions {
  readonly blobs: BlobStore;
  readonly meta: RegistryMetadata;
  readonly access: AccessController;
  readonly logger: Logger;
  readonly maxBlobBytes: number;
  readonly maxManifestBytes: number;
  readonly cacheTtlMs: number;
  /** Largest `n` a tag or catalog page returns. */
  readonly maxPage: number;
  /** Most upload sessions open at once (abandoned ones are reaped by GC after 24 h). */
  readonly maxOpenUploads: number;
}

const API_VERSION = { 'docker-distribution-api-version': 'registry/2.0' };

interface Ctx {
  readonly req: FastifyRequest;
  readonly reply: FastifyReply;
  readonly subject: string;
  readonly query: URLSearchParams;
}

export function registerRoutes(app: FastifyInstance, o: RoutesOptions): void {
  const manifests = new TtlCache<ManifestRecord>(o.cacheTtlMs, 4096);
  const tags = new TtlCache<string>(o.cacheTtlMs, 16384);

  // Bodies stay unread streams: blob routes pipe them to disk, manifest routes read them capped.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));

  app.setErrorHandler((err: unknown, req, reply) => {
    if (err instanceof RegistryError) {
      void reply.code(err.status).headers({ ...API_VERSION, ...err.headers }).send(errorBody(err.code, err.message, err.detail));
      return;
    }
    if (isVouchError(err) && err.code === 'DIGEST_MISMATCH') {
      void reply.code(400).headers(API_VERSION).send(errorBody('DIGEST_INVALID', err.message));
      return;
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      void reply.code(status).headers(API_VERSION).send(errorBody(status === 413 ? 'SIZE_INVALID' : 'UNSUPPORTED', (err as Error).message));
      return;
    }
    o.logger.warn(`registry: ${req.method} ${req.url.split('?')[0]}: ${(err as Error).stack ?? String(err)}`);
    void reply.code(500).headers(API_VERSION).send(errorBody('UNKNOWN', `internal error (request ${req.id})`));
  });

  const handler = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const [rawPath = '', rawQuery = ''] = req.url.split('?', 2);
    const route = matchRoute(rawPath);
    if (route === undefined) throw new RegistryError(404, 'UNSUPPORTED', 'unknown endpoint');
    const query = new URLSearchParams(rawQuery);
    const name = 'name' in route ? checkName(route.name) : undefined;
    const method = req.method;
    const actions = actionsFor(route, method);
    if (actions === undefined) throw new RegistryError(405, 'UNSUPPORTED', `${method} is not supported here`);
    const decision = await o.access.authorize(req, {
      ...(name === undefined ? {} : { repository: name }),
      actions,
      ...(route.kind === 'catalog' ? { catalog: true } : {}),
    });
    if (!decision.ok) {
      void reply.code(decision.status).headers({ ...API_VERSION, ...decision.headers }).send(errorBody(decision.error.code, decision.error.message));
      return;
    }
    void reply.headers(API_VERSION);
    const ctx: Ctx = { req, reply, subject: decision.subject, query };
    switch (route.kind) {
      case 'base':
        await drain(req);
        void reply.code(200).header('content-type', 'application/json').send('{}');
        return;
      case 'catalog':
        return catalog(ctx);
      case 'blob':
        return method === 'DELETE' ? deleteBlob(ctx, name!, route.digest) : getBlob(ctx, name!, route.digest, method === 'HEAD');
      case 'uploads':
        return startUpload(ctx, name!);
      case 'upload':
        return upload(ctx, name!, route.id);
      case 'manifest':
        if (method === 'PUT') return putManifest(ctx, name!, route.reference);
        if (method === 'DELETE') return deleteManifest(ctx, name!, route.reference);
        return getManifest(ctx, name!, route.reference, method === 'HEAD');
      case 'tags':
        return listTags(ctx, name!);
      case 'referrers':
        return referrers(ctx, name!, route.digest);
    }
  };
  app.route({ method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'], url: '/v2', exposeHeadRoute: false, handler });
  app.route({ method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'], url: '/v2/*', exposeHeadRoute: false, handler });

  function event(ctx: Ctx, action: 'push' | 'pull' | 'delete', repository: string, reference: string, digest: string): void {
    try {
      o.access.onEvent?.({ action, repository, reference, digest, subject: ctx.subject, address: ctx.req.ip });
    } catch (err) {
      o.logger.warn(`registry: access event hook failed: ${(err as Error).message}`);
    }
  }

  // --- catalog (end-8 in v1.0 listings; `_catalog` is an extension every registry serves) ---
  async function catalog(ctx: Ctx): Promise<void> {
    const page = pageOf(ctx.query, o.maxPage);
    let names = await o.meta.listRepositories({ n: page.n + 1, ...(page.last === undefined ? {} : { last: page.last }) });
    const more = names.length > page.n;
    names = names.slice(0, page.n);
    const visible = o.access.filterRepositories === undefined ? names : [...(await o.access.filterRepositories(ctx.subject, names))];
    if (more && names.length > 0) ctx.reply.header('link', `</v2/_catalog?n=${page.n}&last=${encodeURIComponent(names[names.length - 1]!)}>; rel="next"`);
    void ctx.reply.code(200).send({ repositories: visible });
  }

  // --- blobs: end-2 (GET/HEAD), end-10 (DELETE) ---
  async function getBlob(ctx: Ctx, name: string, digestText: string, head: boolean): Promise<void> {
    const digest = checkDigest(digestText);
    const info = (await o.meta.blobLinked(name, digest.digest)) ? await o.blobs.stat(digest) : undefined;
    if (info === undefined) throw new RegistryError(404, 'BLOB_UNKNOWN', 'blob unknown to registry', { digest: digest.digest });
    const reply = ctx.reply.headers({
      'docker-content-digest': digest.digest,
      'accept-ranges': 'bytes',
      etag: `"${digest.digest}"`,
      'cache-control': 'max-age=31536000',
    });
    const range = parseRange(ctx.req.headers.range, info.size);
    if (range === 'unsatisfiable') {
      throw new RegistryError(416, 'BLOB_UNKNOWN', 'requested range not satisfiable', undefined, { 'content-range': `bytes */${info.size}` });
    }
    void reply.header('content-type', 'application/octet-stream');
    if (range !== undefined) {
      void reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${info.size}`).header('content-length', range.end - range.start + 1);
      if (head) return reply.send();
      return streamBlob(reply, o.blobs, digest, range.start, range.end);
    }
    void reply.code(200).header('content-length', info.size);
    if (head || info.size === 0) return reply.send(head ? undefined : Buffer.alloc(0));
    return streamBlob(reply, o.blobs, digest, 0, info.size - 1);
  }

  async function deleteBlob(ctx: Ctx, name: string, digestText: string): Promise<void> {
    const digest = checkDigest(digestText);
    if (!(await o.meta.unlinkBlob(name, digest.digest))) throw new RegistryError(404, 'BLOB_UNKNOWN', 'blob unknown to registry', { digest: digest.digest });
    event(ctx, 'delete', name, digest.digest, digest.digest);
    void ctx.reply.code(202).header('content-length', 0).send();
  }

  // --- uploads: end-4a/4b (POST), end-5 (PATCH), end-6 (PUT), end-11 (mount), GET status, DELETE ---
  async function startUpload(ctx: Ctx, name: string): Promise<void> {
    const mount = ctx.query.get('mount');
    const from = ctx.query.get('from');
    if (mount !== null) {
      const digest = checkDigest(mount);
      if (from !== null && (await mountBlob(ctx, name, digest, from))) {
        await drain(ctx.req);
        void ctx.reply
          .code(201)
          .headers({ location: `/v2/${name}/blobs/${digest.digest}`, 'docker-content-digest': digest.digest, 'content-length': 0 })
          .send();
        return;
      }
      // Not allowed or not found: fall back to an ordinary upload session (spec: 202).
    }
    const single = ctx.query.get('digest');
    const id = randomUUID();
    await o.blobs.createUpload(id);
    if (single !== null && mount === null) {
      // end-4b: the whole blob in one POST.
      const digest = checkDigest(single);
      try {
        await o.blobs.append(id, ctx.req.raw, 0, o.maxBlobBytes);
        await o.blobs.commit(id, digest);
      } finally {
        await o.blobs.deleteUpload(id);
      }
      await o.meta.linkBlob(name, digest.digest);
      void ctx.reply
        .code(201)
        .headers({ location: `/v2/${name}/blobs/${digest.digest}`, 'docker-content-digest': digest.digest, 'content-length': 0 })
        .send();
      return;
    }
    await drain(ctx.req);
    if ((await o.meta.countUploads()) >= o.maxOpenUploads) {
      await o.blobs.deleteUpload(id);
      throw new RegistryError(429, 'TOOMANYREQUESTS', `more than ${o.maxOpenUploads} uploads are open; finish or cancel some`, undefined, { 'retry-after': '60' });
    }
    await o.meta.createUpload(id, name);
    void ctx.reply
      .code(202)
      .headers({ location: `/v2/${name}/blobs/uploads/${id}`, range: '0-0', 'docker-upload-uuid': id, 'blob-upload-session-id': id, 'content-length': 0 })
      .send();
  }

  async function mountBlob(ctx: Ctx, name: string, digest: ParsedDigest, from: string): Promise<boolean> {
    let source: string;
    try {
      source = checkName(from);
    } catch {
      return false;
    }
    const allowed = await o.access.authorize(ctx.req, { repository: source, actions: ['pull'] });
    if (!allowed.ok) return false;
    if (!(await o.meta.blobLinked(source, digest.digest)) || (await o.blobs.stat(digest)) === undefined) return false;
    await o.meta.linkBlob(name, digest.digest);
    return true;
  }

  async function upload(ctx: Ctx, name: string, id: string): Promise<void> {
    const path = o.blobs.uploadPath(id); // validates the id's form
    void path;
    const session = await o.meta.getUpload(id);
    if (session?.repository !== name) {
      await drain(ctx.req);
      throw new RegistryError(404, 'BLOB_UPLOAD_UNKNOWN', 'blob upload unknown to registry', { id });
    }
    const location = `/v2/${name}/blobs/uploads/${id}`;
    const method = ctx.req.method;
    if (method === 'DELETE') {
      await o.blobs.locked(id, async () => {
        await o.meta.deleteUpload(id);
        await o.blobs.deleteUpload(id);
      });
      void ctx.reply.code(204).send();
      return;
    }
    await o.blobs.locked(id, async () => {
      const size = await o.blobs.uploadSize(id);
      if (size === undefined) throw new RegistryError(404, 'BLOB_UPLOAD_UNKNOWN', 'blob upload unknown to registry', { id });
      const rangeHeader = (end: number): string => `0-${Math.max(0, end - 1)}`;
      if (method === 'GET' || method === 'HEAD') {
        void ctx.reply.code(204).headers({ location, range: rangeHeader(size), 'docker-upload-uuid': id, 'blob-upload-session-id': id }).send();
        return;
      }
      let offset = size;
      const contentRange = ctx.req.headers['content-range'];
      const lengthHeader = ctx.req.headers['content-length'];
      if (typeof contentRange === 'string') {
        const m = /^(?:bytes[ =])?(\d+)-(\d+)$/.exec(contentRange.trim());
        const start = m === null ? NaN : Number(m[1]);
        const end = m === null ? NaN : Number(m[2]);
        const length = lengthHeader === undefined ? undefined : Number(lengthHeader);
        // Chunks arrive in order (spec: "out-of-order" chunks get 416 Requested Range Not Satisfiable).
        if (m === null || start !== size || end < start || (length !== undefined && length !== end - start + 1)) {
          await drain(ctx.req);
          throw new RegistryError(416, 'BLOB_UPLOAD_INVALID', 'chunk out of order or Content-Range malformed', { expectedStart: size }, {
            location,
            range: rangeHeader(size),
            'docker-upload-uuid': id, 'blob-upload-session-id': id,
          });
        }
        offset = start;
      }
      if (method === 'PATCH') {
        const newSize = await o.blobs.append(id, ctx.req.raw, offset, o.maxBlobBytes);
        void ctx.reply.code(202).headers({ location, range: rangeHeader(newSize), 'docker-upload-uuid': id, 'blob-upload-session-id': id, 'content-length': 0 }).send();
        return;
      }
      if (method === 'PUT') {
        const digestText = ctx.query.get('digest');
        if (digestText === null) {
          await drain(ctx.req);
          throw new RegistryError(400, 'DIGEST_INVALID', 'the digest query parameter is required to close an upload');
        }
        const digest = checkDigest(digestText);
        await o.blobs.append(id, ctx.req.raw, offset, o.maxBlobBytes);
        try {
          await o.blobs.commit(id, digest);
        } finally {
          await o.meta.deleteUpload(id);
          await o.blobs.deleteUpload(id);
        }
        await o.meta.linkBlob(name, digest.digest);
        void ctx.reply
          .code(201)
          .headers({ location: `/v2/${name}/blobs/${digest.digest}`, 'docker-content-digest': digest.digest, 'content-length': 0 })
          .send();
        return;
      }
      throw new RegistryError(405, 'UNSUPPORTED', `${method} is not supported on an upload`);
    });
  }

  // --- manifests: end-3 (GET/HEAD), end-7 (PUT), end-9 (DELETE) ---
  async function lookupManifest(name: string, reference: string): Promise<ManifestRecord | undefined> {
    const ref = parseReference(reference);
    let digest: string | undefined;
    if (ref.kind === 'digest') {
      digest = ref.digest.digest;
    } else {
      const key = `${name}\n${ref.tag}`;
      digest = tags.get(key);
      if (digest === undefined) {
        digest = await o.meta.resolveTag(name, ref.tag);
        if (digest !== undefined) tags.set(key, digest);
      }
    }
    if (digest === undefined) return undefined;
    const key = `${name}\n${digest}`;
    let record = manifests.get(key);
    if (record === undefined) {
      record = await o.meta.getManifest(name, digest);
      if (record !== undefined) manifests.set(key, record);
    }
    return record;
  }

  async function getManifest(ctx: Ctx, name: string, reference: string, head: boolean): Promise<void> {
    const record = await lookupManifest(name, reference);
    if (record === undefined) {
      if (!(await o.meta.repositoryExists(name))) throw new RegistryError(404, 'NAME_UNKNOWN', 'repository name not known to registry', { name });
      throw new RegistryError(404, 'MANIFEST_UNKNOWN', 'manifest unknown to registry', { reference });
    }
    void ctx.reply.code(200).headers({
      'content-type': record.mediaType,
      'docker-content-digest': record.digest,
      etag: `"${record.digest}"`,
      'content-length': record.size,
    });
    if (!head) event(ctx, 'pull', name, reference, record.digest);
    return head ? ctx.reply.send() : ctx.reply.send(record.content);
  }

  async function putManifest(ctx: Ctx, name: string, reference: string): Promise<void> {
    const ref = parseReference(reference);
    const body = await readCapped(ctx.req, o.maxManifestBytes);
    const parsed = parseManifest(body, ctx.req.headers['content-type']);
    const digest = ref.kind === 'digest' ? computeDigest(body, ref.digest.algorithm) : computeDigest(body);
    if (ref.kind === 'digest' && digest !== ref.digest.digest) {
      throw new RegistryError(400, 'DIGEST_INVALID', 'manifest digest does not match its content', { expected: ref.digest.digest, actual: digest });
    }
    // Every blob and child manifest must already be in this repository (spec: MANIFEST_BLOB_UNKNOWN).
    const blobDigests = [...new Set(parsed.blobs.map((b) => b.digest))];
    const linked = await o.meta.linkedBlobs(name, blobDigests);
    for (const b of parsed.blobs) {
      const info = linked.has(b.digest) ? await o.blobs.stat(checkDigest(b.digest)) : undefined;
      if (info === undefined) throw new RegistryError(400, 'MANIFEST_BLOB_UNKNOWN', 'manifest references a blob unknown to the repository', { digest: b.digest });
      if (info.size !== b.size) {
        throw new RegistryError(400, 'MANIFEST_INVALID', 'descriptor size does not match the blob', { digest: b.digest, size: b.size, actual: info.size });
      }
    }
    const childDigests = [...new Set(parsed.manifests.map((m) => m.digest))];
    const present = await o.meta.existingManifests(name, childDigests);
    for (const c of childDigests) {
      if (!present.has(c)) throw new RegistryError(400, 'MANIFEST_BLOB_UNKNOWN', 'index references a manifest unknown to the repository', { digest: c });
    }
    await o.meta.putManifest({
      repository: name,
      digest,
      mediaType: parsed.mediaType,
      content: body,
      subject: parsed.subject?.digest,
      artifactType: parsed.artifactType,
      annotations: parsed.annotations,
      refs: [...blobDigests.map((child) => ({ child, kind: 'blob' as const })), ...childDigests.map((child) => ({ child, kind: 'manifest' as const }))],
      tag: ref.kind === 'tag' ? ref.tag : undefined,
    });
    if (ref.kind === 'tag') tags.delete(`${name}\n${ref.tag}`);
    manifests.delete(`${name}\n${digest}`);
    event(ctx, 'push', name, reference, digest);
    const headers: Record<string, string | number> = {
      location: `/v2/${name}/manifests/${digest}`,
      'docker-content-digest': digest,
      'content-length': 0,
    };
    if (parsed.subject !== undefined) headers['oci-subject'] = parsed.subject.digest;
    void ctx.reply.code(201).headers(headers).send();
  }

  async function deleteManifest(ctx: Ctx, name: string, reference: string): Promise<void> {
    const ref = parseReference(reference);
    if (ref.kind === 'tag') {
      const digest = await o.meta.resolveTag(name, ref.tag);
      if (digest === undefined || !(await o.meta.deleteTag(name, ref.tag))) {
        throw new RegistryError(404, 'MANIFEST_UNKNOWN', 'manifest unknown to registry', { reference });
      }
      tags.delete(`${name}\n${ref.tag}`);
      event(ctx, 'delete', name, reference, digest);
    } else {
      if (!(await o.meta.deleteManifest(name, ref.digest.digest))) {
        throw new RegistryError(404, 'MANIFEST_UNKNOWN', 'manifest unknown to registry', { reference });
      }
      manifests.delete(`${name}\n${ref.digest.digest}`);
      tags.deletePrefix(`${name}\n`);
      event(ctx, 'delete', name, reference, ref.digest.digest);
    }
    void ctx.reply.code(202).header('content-length', 0).send();
  }

  // --- tags: end-8a/8b ---
  async function listTags(ctx: Ctx, name: string): Promise<void> {
    const page = pageOf(ctx.query, o.maxPage);
    if (!(await o.meta.repositoryExists(name))) throw new RegistryError(404, 'NAME_UNKNOWN', 'repository name not known to registry', { name });
    let list = page.n === 0 ? [] : await o.meta.listTags(name, { n: page.n + 1, ...(page.last === undefined ? {} : { last: page.last }) });
    const more = list.length > page.n;
    list = list.slice(0, page.n);
    if (more) ctx.reply.header('link', `</v2/${name}/tags/list?n=${page.n}&last=${encodeURIComponent(list[list.length - 1]!)}>; rel="next"`);
    void ctx.reply.code(200).send({ name, tags: list });
  }

  // --- referrers: end-12a/12b ---
  async function referrers(ctx: Ctx, name: string, digestText: string): Promise<void> {
    const digest = checkDigest(digestText);
    const artifactType = ctx.query.get('artifactType') ?? undefined;
    const list = await o.meta.referrers(name, digest.digest, artifactType);
    const body = {
      schemaVersion: 2,
      mediaType: OCI_IMAGE_INDEX,
      manifests: list.map((r) => ({
        mediaType: r.mediaType,
        digest: r.digest,
        size: r.size,
        ...(r.artifactType === undefined ? {} : { artifactType: r.artifactType }),
        ...(r.annotations === undefined ? {} : { annotations: r.annotations }),
      })),
    };
    if (artifactType !== undefined) ctx.reply.header('oci-filters-applied', 'artifactType');
    void ctx.reply.code(200).header('content-type', OCI_IMAGE_INDEX).send(JSON.stringify(body));
  }
}

/**
 * Send a blob straight to the socket (the reply is hijacked: fastify's send path costs a
 * measurable share on large layers; blobs.ts `sendBlobRange` says how the bytes are copied).
 * The file is opened before any header goes out, so a blob removed since its stat is still a
 * clean 404; a read error after the headers can only cut the connection, which the client
 * sees as a short body.
 */
async function streamBlob(reply: FastifyReply, blobs: BlobStore, digest: ParsedDigest, start: number, end: number): Promise<void> {
  const handle = await blobs.openRead(digest);
  if (handle === undefined) throw new RegistryError(404, 'BLOB_UNKNOWN', 'blob unknown to registry', { digest: digest.digest });
  reply.hijack();
  const raw = reply.raw;
  try {
    raw.writeHead(reply.statusCode, reply.getHeaders() as OutgoingHttpHeaders);
    await sendBlobRange(handle, start, end, raw);
  } catch {
    raw.destroy();
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function actionsFor(route: Route, method: string): AccessAction[] | undefined {
  const read = method === 'GET' || method === 'HEAD';
  switch (route.kind) {
    case 'base':
      return read ? [] : undefined;
    case 'catalog':
    case 'tags':
    case 'referrers':
      return method === 'GET' ? ['pull'] : undefined;
    case 'blob':
      return read ? ['pull'] : method === 'DELETE' ? ['delete'] : undefined;
    case 'uploads':
      return method === 'POST' ? ['push'] : undefined;
    case 'upload':
      return ['GET', 'PATCH', 'PUT', 'DELETE'].includes(method) ? ['push'] : undefined;
    case 'manifest':
      return read ? ['pull'] : method === 'PUT' ? ['push'] : method === 'DELETE' ? ['delete'] : undefined;
  }
}

function pageOf(query: URLSearchParams, maxPage: number): { n: number; last: string | undefined } {
  const nText = query.get('n');
  let n = maxPage;
  if (nText !== null) {
    if (!/^\d{1,9}$/.test(nText)) throw new RegistryError(400, 'UNSUPPORTED', 'n must be a non-negative integer');
    n = Math.min(Number(nText), maxPage);
  }
  const last = query.get('last') ?? undefined;
  if (last !== undefined && last.length > 512) throw new RegistryError(400, 'UNSUPPORTED', 'last is too long');
  return { n, last };
}

/** RFC 9110 §14.1.2, one range only; undefined means "serve it all". */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (m === null || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

async function readCapped(req: FastifyRequest, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > max) {
    // Read (and drop) a moderately oversized body so the client sees the 413 rather than a reset.
    await drain(req, 16 * max);
    throw new RegistryError(413, 'SIZE_INVALID', `manifest is over the ${max}-byte limit`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req.raw as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > max) {
      req.raw.destroy();
      throw new RegistryError(413, 'SIZE_INVALID', `manifest is over the ${max}-byte limit`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Read and discard a body nobody needs, so the connection can be reused. */
async function drain(req: FastifyRequest, limit = 1024 * 1024): Promise<void> {
  const raw: Readable = req.raw;
  if (raw.readableEnded) return;
  let seen = 0;
  for await (const chunk of raw as AsyncIterable<Buffer>) {
    seen += chunk.length;
    if (seen > limit) {
      raw.destroy();
      return;
    }
  }
}

export { MAX_MANIFEST_BYTES };
