/**
 * Rekor v1 REST paths and JSON shapes (../shared/data/sigstore/rekor/openapi.yaml). Errors are
 * Rekor's `Error` model `{code, message}`; an unexpected error is a 500 with a request id, its
 * detail only in the server log.
 */
import { canonicalizeProposedEntry, EntryError, keyIndexKey, leafHash, parsePemKey } from '../../formats/tlog/index.ts';
import type { Logger } from '../../core/index.ts';
import type { FastifyInstance, FastifyReply } from '../http/index.ts';
import { SequencerUnavailable } from './sequencer.ts';
import { HttpError, type TransparencyLog } from './service.ts';

const MAX_RETRIEVE = 10;
const MAX_SEARCH_RESULTS = 1000;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseIndex(v: unknown, what: string, min = 0): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= min) return v;
  if (typeof v !== 'string' || !/^[0-9]{1,15}$/.test(v) || Number(v) < min) throw new HttpError(400, `${what} must be an integer ≥ ${min}`);
  return Number(v);
}

export function registerRoutes(app: FastifyInstance, log: TransparencyLog, logger: Logger, bodyLimit: number): void {
  app.setErrorHandler((err: unknown, request, reply) => {
    if (err instanceof HttpError) {
      for (const [k, v] of Object.entries(err.headers)) void reply.header(k, v);
      return reply.code(err.status).send({ code: err.status, message: err.message });
    }
    if (err instanceof SequencerUnavailable) return reply.code(503).send({ code: 503, message: err.message });
    const status = (err as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return reply.code(status).send({ code: status, message: (err as Error).message });
    }
    logger.warn(`log: request ${request.id} failed: ${err instanceof Error ? err.message : String(err)}`);
    return reply.code(500).send({ code: 500, message: `internal error (request ${request.id})` });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ code: 404, message: 'not found' }));

  const sendEntry = async (reply: FastifyReply, uuid: string | undefined, found: Awaited<ReturnType<TransparencyLog['getByUuid']>>) => {
    if (found === undefined) throw new HttpError(404, uuid === undefined ? 'no entry at that index' : `no entry with UUID ${uuid}`);
    return reply.send({ [log.uuid(found.leafHash)]: await log.render(found) });
  };

  app.post('/api/v1/log/entries', { bodyLimit }, async (request, reply) => {
    const { uuid, entry } = await log.add(request.body);
    return reply.code(201).header('location', `/api/v1/log/entries/${uuid}`).header('etag', uuid).send({ [uuid]: entry });
  });

  app.get('/api/v1/log/entries/:uuid', async (request, reply) => {
    const { uuid } = request.params as { uuid: string };
    return sendEntry(reply, uuid, await log.getByUuid(uuid));
  });

  app.get('/api/v1/log/entries', async (request, reply) => {
    const q = request.query as Record<string, unknown>;
    if (q.logIndex === undefined) throw new HttpError(400, 'logIndex is required');
    return sendEntry(reply, undefined, await log.store.byIndex(parseIndex(q.logIndex, 'logIndex')));
  });

  app.post('/api/v1/log/entries/retrieve', { bodyLimit }, async (request, reply) => {
    const body = request.body;
    if (!isRecord(body)) throw new HttpError(400, 'expected a JSON object');
    const uuids = body.entryUUIDs ?? [];
    const indexes = body.logIndexes ?? [];
    const entries = body.entries ?? [];
    if (!Array.isArray(uuids) || !Array.isArray(indexes) || !Array.isArray(entries)) throw new HttpError(422, 'entryUUIDs, logIndexes and entries must be arrays');
    if (uuids.length > MAX_RETRIEVE || indexes.length > MAX_RETRIEVE || entries.length > MAX_RETRIEVE) throw new HttpError(422, `at most ${MAX_RETRIEVE} of each`);
    const head = await log.head();
    const out: Record<string, unknown>[] = [];
    for (const u of uuids) {
      if (typeof u !== 'string') throw new HttpError(422, 'entryUUIDs must be strings');
      const found = await log.getByUuid(u);
      if (found !== undefined) out.push({ [log.uuid(found.leafHash)]: await log.render(found, head) });
    }
    for (const i of indexes) {
      const found = await log.store.byIndex(parseIndex(i, 'logIndexes[]'));
      if (found !== undefined) out.push({ [log.uuid(found.leafHash)]: await log.render(found, head) });
    }
    for (const e of entries) {
      let leaf: string;
      try {
        leaf = leafHash(canonicalizeProposedEntry(e).body).toString('hex');
      } catch (err) {
        if (err instanceof EntryError) throw new HttpError(422, err.message);
        throw err;
      }
      const found = await log.store.byLeafHash(leaf);
      if (found !== undefined) out.push({ [log.uuid(found.leafHash)]: await log.render(found, head) });
    }
    return reply.send(out);
  });

  app.get('/api/v1/log', async (_request, reply) => reply.send(await log.info()));

  app.get('/api/v1/log/publicKey', async (_request, reply) => reply.type('application/x-pem-file').send(log.signer.publicKeyPem()));

  app.get('/api/v1/log/proof', async (request, reply) => {
    const q = request.query as Record<string, unknown>;
    if (q.lastSize === undefined) throw new HttpError(400, 'lastSize is required');
    const first = q.firstSize === undefined ? 1 : parseIndex(q.firstSize, 'firstSize', 1);
    const last = parseIndex(q.lastSize, 'lastSize', 1);
    if (q.treeID !== undefined && q.treeID !== log.treeId.toString()) throw new HttpError(400, `unknown treeID ${JSON.stringify(q.treeID).slice(0, 40)}`);
    return reply.send(await log.consistency(first, last));
  });

  app.post('/api/v1/index/retrieve', { bodyLimit: 256 * 1024 }, async (request, reply) => {
    const body = request.body;
    if (!isRecord(body)) throw new HttpError(400, 'expected a JSON object');
    const keys: string[] = [];
    if (body.hash !== undefined) {
      const m = typeof body.hash === 'string' ? /^(?:(sha256|sha384|sha512):)?([0-9a-fA-F]{64}|[0-9a-fA-F]{96}|[0-9a-fA-F]{128})$/.exec(body.hash) : null;
      if (m === null) throw new HttpError(400, 'hash must be [sha256:]<hex>');
      const algo = m[1] ?? ({ 64: 'sha256', 96: 'sha384', 128: 'sha512' } as Record<number, string>)[m[2]!.length]!;
      keys.push(`${algo}:${m[2]!.toLowerCase()}`);
    }
    if (body.publicKey !== undefined) {
      const pk = body.publicKey;
      if (!isRecord(pk) || typeof pk.content !== 'string') throw new HttpError(400, 'publicKey.content (base64 PEM) is required');
      if (pk.format !== undefined && pk.format !== 'x509') throw new HttpError(400, `publicKey.format ${JSON.stringify(pk.format).slice(0, 40)} is not supported (x509)`);
      try {
        keys.push(keyIndexKey(parsePemKey(Buffer.from(pk.content, 'base64'), 'publicKey.content').canonicalPem));
      } catch (err) {
        if (err instanceof EntryError) throw new HttpError(400, err.message);
        throw err;
      }
    }
    if (body.email !== undefined) {
      if (typeof body.email !== 'string' || body.email.length > 320 || !body.email.includes('@')) throw new HttpError(400, 'email must be an e-mail address');
      keys.push(body.email.toLowerCase());
    }
    if (keys.length === 0) throw new HttpError(400, 'give at least one of hash, publicKey, email');
    const operator = body.operator ?? 'or';
    if (operator !== 'and' && operator !== 'or') throw new HttpError(400, 'operator must be "and" or "or"');
    const sets = await Promise.all(keys.map((k) => log.store.search(k, MAX_SEARCH_RESULTS)));
    let result: string[];
    if (operator === 'and') result = sets.reduce((acc, s) => acc.filter((x) => s.includes(x)));
    else result = [...new Set(sets.flat())];
    return reply.send(result.slice(0, MAX_SEARCH_RESULTS).map((leaf) => log.uuid(leaf)));
  });
}
