/** The Rekor client against real Vouch logs: it accepts only what verifies, and detects forks and rewrites. */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { RekorClient } from '../../../../src/clients/index.ts';
import { isVouchError } from '../../../../src/core/index.ts';
import { startServer, type RunningServer } from '../../../../src/servers/http/index.ts';
import { createLogService } from '../../../../src/servers/log/index.ts';

const work = mkdtempSync(join(tmpdir(), 'vouch-rekor-client-'));
const keyFile = join(work, 'shared-key.pem');
let a: RunningServer;
let b: RunningServer;

const signer = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pub = Buffer.from(signer.publicKey.export({ format: 'pem', type: 'spki' })).toString('base64');
function entry(text: string) {
  const data = Buffer.from(text);
  return {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: { data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(data).digest('hex') } }, signature: { content: cryptoSign('sha256', data, signer.privateKey).toString('base64'), publicKey: { content: pub } } },
  };
}

async function serve(dir: string): Promise<RunningServer> {
  let url = '';
  // The same key on two logs: what a log operator who forks its log would do.
  const service = await createLogService({ dir, keyFile, publicUrl: () => url, env: {}, synchronous: 'NORMAL', name: 'fork.test' });
  const server = await startServer({ host: '127.0.0.1', port: 0, services: [service] });
  url = server.url;
  return server;
}

before(async () => {
  writeFileSync(keyFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
  a = await serve(join(work, 'a'));
  b = await serve(join(work, 'b'));
});
after(async () => {
  await Promise.all([a.close(), b.close()]);
  rmSync(work, { recursive: true, force: true });
});

const code = (c: string) => (err: unknown) => isVouchError(err) && err.code === c;

test('upload, get and checkpoints verify; a duplicate returns the existing entry', async () => {
  const client = new RekorClient({ baseUrl: a.url });
  const e = entry('one');
  const first = await client.upload(e);
  assert.equal(first.duplicate, false);
  const again = await client.upload(e);
  assert.equal(again.duplicate, true);
  assert.equal(again.entry.uuid, first.entry.uuid);
  assert.equal((await client.getByIndex(first.entry.logIndex)).uuid, first.entry.uuid);
  const cp = await client.checkpoint();
  assert.equal(cp.name, 'fork.test');
  assert.ok(cp.size >= 1);
  await assert.rejects(() => client.upload({ kind: 'nope' }), code('LOG_ENTRY_REJECTED'));
  await assert.rejects(() => client.getByUuid('0'.repeat(64)), code('LOG_NOT_FOUND'));
});

test('a response altered in transit is refused (body, SET, proof hash, checkpoint)', async () => {
  const honest = new RekorClient({ baseUrl: a.url });
  const { entry: e } = await honest.upload(entry('two'));
  const tamper = (edit: (doc: Record<string, Record<string, unknown>>) => void): typeof fetch =>
    (async (input: string | URL | Request, init?: RequestInit) => {
      const r = await fetch(input, init);
      const text = await r.text();
      if (!(input instanceof Request ? input.url : input.toString()).includes('/api/v1/log/entries')) return new Response(text, { status: r.status, headers: r.headers });
      const doc = JSON.parse(text) as Record<string, Record<string, unknown>>;
      edit(doc);
      return new Response(JSON.stringify(doc), { status: r.status });
    });
  const first = (doc: Record<string, Record<string, unknown>>) => Object.values(doc)[0]!;
  const proofOf = (doc: Record<string, Record<string, unknown>>) => (first(doc).verification as { inclusionProof: { hashes: string[]; checkpoint: string; rootHash: string } }).inclusionProof;
  const edits: [string, (doc: Record<string, Record<string, unknown>>) => void][] = [
    ['time', (d) => void (first(d).integratedTime = Number(first(d).integratedTime) + 1)],
    ['proof', (d) => void (proofOf(d).hashes[0] = 'ff'.repeat(32))],
    ['checkpoint', (d) => void (proofOf(d).checkpoint = proofOf(d).checkpoint.replace(/\n\d+\n/, '\n999\n'))],
    ['root', (d) => void (proofOf(d).rootHash = 'ee'.repeat(32))],
  ];
  for (const [what, edit] of edits) {
    const client = new RekorClient({ baseUrl: a.url, fetch: tamper(edit) });
    await assert.rejects(() => client.getByUuid(e.uuid), code('LOG_PROOF_INVALID'), what);
  }
});

test('a forked log (same key, other history) and a rewritten one are LOG_FORK', async () => {
  const ca = new RekorClient({ baseUrl: a.url });
  const cb = new RekorClient({ baseUrl: b.url });
  await cb.upload(entry('b-only 1'));
  await cb.upload(entry('b-only 2'));
  await cb.upload(entry('b-only 3'));
  const seen = await ca.checkpoint();
  await ca.upload(entry('three'));
  await ca.proveConsistency(seen, await ca.checkpoint());
  // B signs with the same key but never had A's entries.
  const forked = await cb.checkpoint();
  assert.ok(forked.size >= seen.size);
  await assert.rejects(() => cb.proveConsistency(seen, forked), code('LOG_FORK'));
  await assert.rejects(() => ca.proveConsistency(seen, { size: seen.size, rootHash: Buffer.alloc(32, 1) }), code('LOG_FORK'));
  await assert.rejects(() => ca.proveConsistency(seen, { size: seen.size - 1, rootHash: seen.rootHash }), code('LOG_FORK'));
});
