/** The log service in-process over a real socket (SQLite): Rekor v1 shapes, proofs, SETs, duplicates, errors, restarts. */
import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isVouchError } from '../../../../src/core/index.ts';
import { leafHash, parseCheckpoint, parseSignedNote, verifyConsistency, verifyInclusion, verifyNoteSignature, verifySet } from '../../../../src/formats/tlog/index.ts';
import { startServer, type RunningServer } from '../../../../src/servers/http/index.ts';
import { createLogService } from '../../../../src/servers/log/index.ts';

const work = mkdtempSync(join(tmpdir(), 'vouch-log-unit-'));
after(() => rmSync(work, { recursive: true, force: true }));

const signerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pubB64 = Buffer.from(signerKey.publicKey.export({ format: 'pem', type: 'spki' })).toString('base64');

const made = new Map<string, ReturnType<typeof makeHashedrekord>>();
/** ECDSA signatures are randomized: the same text gives the same proposed entry only through this memo. */
function hashedrekord(text: string) {
  let e = made.get(text);
  if (e === undefined) {
    e = makeHashedrekord(text);
    made.set(text, e);
  }
  return structuredClone(e);
}

function makeHashedrekord(text: string) {
  const artifact = Buffer.from(text);
  return {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(artifact).digest('hex') } },
      signature: { content: cryptoSign('sha256', artifact, signerKey.privateKey).toString('base64'), publicKey: { content: pubB64 } },
    },
  };
}

async function start(dir: string): Promise<RunningServer> {
  let url = 'http://127.0.0.1:0';
  const service = await createLogService({ dir, publicUrl: () => url, env: {}, batchWaitMs: 5 });
  const server = await startServer({ host: '127.0.0.1', port: 0, services: [service] });
  url = server.url;
  return server;
}

interface EntryJson {
  body: string;
  integratedTime: number;
  logID: string;
  logIndex: number;
  verification: { signedEntryTimestamp: string; inclusionProof: { checkpoint: string; hashes: string[]; logIndex: number; rootHash: string; treeSize: number } };
}

test('entries are accepted with Rekor shapes; proofs, checkpoints and SETs verify; duplicates get 409 with the UUID', async () => {
  const dir = join(work, 'a');
  const server = await start(dir);
  try {
    const key = createPublicKey(await (await fetch(`${server.url}/api/v1/log/publicKey`)).text());
    const host = new URL(server.url).host;
    const responses = await Promise.all(
      Array.from({ length: 25 }, (_, i) => fetch(`${server.url}/api/v1/log/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(hashedrekord(`artifact ${i}`)) })),
    );
    const indexes = new Set<number>();
    for (const r of responses) {
      assert.equal(r.status, 201);
      const doc = (await r.json()) as Record<string, EntryJson>;
      const [uuid, e] = Object.entries(doc)[0]!;
      assert.equal(r.headers.get('location'), `/api/v1/log/entries/${uuid}`);
      const leaf = leafHash(Buffer.from(e.body, 'base64'));
      assert.equal(uuid.slice(16), leaf.toString('hex'));
      indexes.add(e.logIndex);
      const p = e.verification.inclusionProof;
      assert.ok(verifyInclusion(p.logIndex, p.treeSize, leaf, p.hashes.map((h) => Buffer.from(h, 'hex')), Buffer.from(p.rootHash, 'hex')));
      const note = parseSignedNote(p.checkpoint);
      assert.ok(verifyNoteSignature(note, host, key));
      const cp = parseCheckpoint(note.text);
      assert.equal(cp.size, p.treeSize);
      assert.equal(cp.rootHash.toString('hex'), p.rootHash);
      assert.ok(verifySet(key, { body: e.body, integratedTime: e.integratedTime, logID: e.logID, logIndex: e.logIndex }, Buffer.from(e.verification.signedEntryTimestamp, 'base64')));
    }
    assert.equal(indexes.size, 25);
    assert.deepEqual([...indexes].sort((a, b) => a - b), Array.from({ length: 25 }, (_, i) => i));

    const dup = await fetch(`${server.url}/api/v1/log/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(hashedrekord('artifact 3')) });
    assert.equal(dup.status, 409);
    const dupBody = (await dup.json()) as { code: number; message: string };
    assert.equal(dupBody.code, 409);
    const location = dup.headers.get('location')!;
    const existing = (await (await fetch(`${server.url}${location}`)).json()) as Record<string, EntryJson>;
    assert.ok(dupBody.message.includes(Object.keys(existing)[0]!));

    const byIndex = (await (await fetch(`${server.url}/api/v1/log/entries?logIndex=7`)).json()) as Record<string, EntryJson>;
    assert.equal(Object.values(byIndex)[0]!.logIndex, 7);
    const info = (await (await fetch(`${server.url}/api/v1/log`)).json()) as { treeSize: number; rootHash: string; signedTreeHead: string; treeID: string };
    assert.equal(info.treeSize, 25);
    assert.match(parseSignedNote(info.signedTreeHead).text, new RegExp(`^${host.replace(/\./g, '\\.')} - ${info.treeID}\n25\n`));

    const firstRoot = Object.values(byIndex)[0]!.verification.inclusionProof;
    const proof = (await (await fetch(`${server.url}/api/v1/log/proof?firstSize=10&lastSize=25`)).json()) as { rootHash: string; hashes: string[] };
    assert.equal(proof.rootHash, info.rootHash);
    const root10 = (await (await fetch(`${server.url}/api/v1/log/proof?firstSize=1&lastSize=10`)).json()) as { rootHash: string };
    assert.ok(verifyConsistency(10, 25, Buffer.from(root10.rootHash, 'hex'), Buffer.from(proof.rootHash, 'hex'), proof.hashes.map((h) => Buffer.from(h, 'hex'))));
    assert.equal(firstRoot.treeSize, 25);

    const retrieved = (await (
      await fetch(`${server.url}/api/v1/log/entries/retrieve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ logIndexes: [0, 1], entries: [hashedrekord('artifact 4')] }) })
    ).json()) as Record<string, EntryJson>[];
    assert.deepEqual(
      retrieved.map((r) => Object.values(r)[0]!.logIndex).slice(0, 2),
      [0, 1],
    );
    assert.equal(retrieved.length, 3);
    const search = async (q: unknown) => (await (await fetch(`${server.url}/api/v1/index/retrieve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(q) })).json()) as string[];
    assert.equal((await search({ hash: `sha256:${createHash('sha256').update('artifact 4').digest('hex')}` })).length, 1);
    assert.equal((await search({ publicKey: { format: 'x509', content: pubB64 } })).length, 25);
    assert.equal((await search({ hash: createHash('sha256').update('nope').digest('hex') })).length, 0);
  } finally {
    await server.close();
  }
});

test('bad input gets Rekor error bodies and changes nothing', async () => {
  const server = await start(join(work, 'b'));
  try {
    const post = (body: string) => fetch(`${server.url}/api/v1/log/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const forged = hashedrekord('x');
    forged.spec.data.hash.value = createHash('sha256').update('y').digest('hex');
    for (const [body, status] of [
      ['{', 400],
      ['[]', 400],
      [JSON.stringify({ kind: 'rekord', apiVersion: '0.0.1', spec: {} }), 400],
      [JSON.stringify(forged), 400],
      [JSON.stringify({ kind: 'hashedrekord', apiVersion: '0.0.1', spec: { signature: { content: 'x'.repeat(5_000_000) } } }), 413],
    ] as const) {
      const r = await post(body);
      assert.equal(r.status, status, body.slice(0, 60));
      const doc = (await r.json()) as { code: number; message: string };
      assert.equal(doc.code, status);
      assert.equal(typeof doc.message, 'string');
    }
    for (const path of ['/api/v1/log/entries/zz', '/api/v1/log/entries?logIndex=-1', '/api/v1/log/proof?firstSize=3&lastSize=1', '/api/v1/log/proof?lastSize=99']) {
      const r = await fetch(`${server.url}${path}`);
      assert.equal(r.status, 400, path);
    }
    assert.equal((await fetch(`${server.url}/api/v1/log/entries/${'a'.repeat(64)}`)).status, 404);
    assert.equal((await fetch(`${server.url}/api/v1/log/entries?logIndex=0`)).status, 404);
    const info = (await (await fetch(`${server.url}/api/v1/log`)).json()) as { treeSize: number };
    assert.equal(info.treeSize, 0);
  } finally {
    await server.close();
  }
});

test('the generated key is stored encrypted (0600, password beside it) and reused; another key on the same log is refused', async () => {
  const dir = join(work, 'c');
  const s1 = await start(dir);
  const pem1 = await (await fetch(`${s1.url}/api/v1/log/publicKey`)).text();
  await s1.close();
  assert.equal(statSync(join(dir, 'log-key.pem')).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'log-key.password')).mode & 0o777, 0o600);
  const s2 = await start(dir);
  assert.equal(await (await fetch(`${s2.url}/api/v1/log/publicKey`)).text(), pem1);
  await s2.close();
  rmSync(join(dir, 'log-key.pem'));
  rmSync(join(dir, 'log-key.password'));
  await assert.rejects(
    () => createLogService({ dir, publicUrl: () => 'http://x', env: {} }),
    (err: unknown) => isVouchError(err) && err.code === 'LOG_CONFIG',
  );
  await assert.rejects(
    () => createLogService({ dir: join(work, 'd'), publicUrl: () => 'http://x', env: {}, batchWaitMs: -1 }),
    (err: unknown) => isVouchError(err) && err.code === 'LOG_CONFIG',
  );
});

test('vouch serve context: flags win over the log: section; unknown keys and bad values are refused at start-up', async () => {
  const { createLogServiceFromContext } = await import('../../../../src/servers/log/index.ts');
  const base = { dataDir: join(work, 'ctx'), dbUrl: undefined, publicUrl: () => 'http://log.ctx', env: {}, logger: { debug() {}, info() {}, warn() {} }, announce() {} };
  for (const [config, flags] of [
    [{ nope: 1 }, {}],
    [{ batchWaitMs: 'soon' }, {}],
    [{ batchWaitMs: 5000 }, {}],
    [{}, { 'log-key-algorithm': 'rsa' }],
    [{ key: 5 }, {}],
  ] as const) {
    await assert.rejects(
      () => createLogServiceFromContext({ ...base, config, flags }),
      (err: unknown) => isVouchError(err) && err.code === 'LOG_CONFIG',
      JSON.stringify(config),
    );
  }
  const service = await createLogServiceFromContext({ ...base, config: { batchWaitMs: 20, name: 'from-config' }, flags: { 'log-name': 'from-flag', 'log-key-algorithm': 'ed25519' } });
  try {
    assert.equal(service.log.signer.algorithm, 'ed25519');
    assert.match(service.log.checkpoint(await service.log.head()), /^from-flag - \d+\n0\n/);
  } finally {
    await service.close();
  }
});
