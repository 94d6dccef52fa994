/** `vouch log` as a user runs it against a Vouch log: upload, get, verify-inclusion, verify-consistency, monitor (a fork exits 1). */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startServer, type RunningServer } from '../../src/servers/http/index.ts';
import { createLogService } from '../../src/servers/log/index.ts';

const BIN = new URL('../../src/cli/bin.ts', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'vouch-log-cli-'));
const logKey = join(work, 'log-key.pem');
let a: RunningServer;
let b: RunningServer;

function vouch(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 99, stdout, stderr });
    });
  });
}

async function serve(dir: string): Promise<RunningServer> {
  let url = '';
  const service = await createLogService({ dir, keyFile: logKey, publicUrl: () => url, env: {}, synchronous: 'NORMAL', name: 'cli.test' });
  const server = await startServer({ host: '127.0.0.1', port: 0, services: [service] });
  url = server.url;
  return server;
}

const signer = generateKeyPairSync('ec', { namedCurve: 'P-256' });
function signFile(name: string, content: string): { artifact: string; sig: string } {
  const artifact = join(work, name);
  writeFileSync(artifact, content);
  const sig = join(work, `${name}.sig`);
  writeFileSync(sig, cryptoSign('sha256', Buffer.from(content), signer.privateKey).toString('base64'));
  return { artifact, sig };
}

before(async () => {
  writeFileSync(logKey, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
  writeFileSync(join(work, 'signer.pub'), signer.publicKey.export({ format: 'pem', type: 'spki' }).toString());
  a = await serve(join(work, 'a'));
  b = await serve(join(work, 'b'));
});
after(async () => {
  await Promise.all([a.close(), b.close()]);
  rmSync(work, { recursive: true, force: true });
});

test('upload, get, verify-inclusion and verify-consistency; a bad signature is refused', async () => {
  const { artifact, sig } = signFile('app.txt', 'release 1');
  const up = await vouch(['log', 'upload', '--url', a.url, '--artifact', artifact, '--signature', sig, '--public-key', join(work, 'signer.pub'), '--json']);
  assert.equal(up.code, 0, up.stderr);
  const uploaded = JSON.parse(up.stdout) as { uuid: string; logIndex: number; verified: boolean; duplicate: boolean };
  assert.equal(uploaded.verified, true);
  assert.equal(uploaded.duplicate, false);
  const dup = await vouch(['log', 'upload', '--url', a.url, '--artifact', artifact, '--signature', sig, '--public-key', join(work, 'signer.pub'), '--json']);
  assert.equal((JSON.parse(dup.stdout) as { duplicate: boolean; uuid: string }).uuid, uploaded.uuid);
  const got = await vouch(['log', 'get', '--url', a.url, '--uuid', uploaded.uuid]);
  assert.equal(got.code, 0, got.stderr);
  assert.ok(got.stdout.includes(uploaded.uuid));
  const inc = await vouch(['log', 'verify-inclusion', '--url', a.url, '--index', String(uploaded.logIndex)]);
  assert.equal(inc.code, 0, inc.stderr);
  assert.match(inc.stdout, /^ok: entry/);
  const info = (await (await fetch(`${a.url}/api/v1/log`)).json()) as { signedTreeHead: string };
  writeFileSync(join(work, 'cp.txt'), info.signedTreeHead);
  const other = signFile('other.txt', 'release 2');
  assert.equal((await vouch(['log', 'upload', '--url', a.url, '--artifact', other.artifact, '--signature', other.sig, '--public-key', join(work, 'signer.pub')])).code, 0);
  const cons = await vouch(['log', 'verify-consistency', '--url', a.url, '--checkpoint', join(work, 'cp.txt')]);
  assert.equal(cons.code, 0, cons.stderr);
  const bad = await vouch(['log', 'upload', '--url', a.url, '--artifact', other.artifact, '--signature', sig, '--public-key', join(work, 'signer.pub')]);
  assert.equal(bad.code, 3);
  assert.match(bad.stderr, /\[LOG_ENTRY_REJECTED\]/);
  assert.equal((await vouch(['log', 'get', '--url', a.url])).code, 2);
});

test('monitor stores the checkpoint, proves each new one consistent, and fails loudly on a fork', async () => {
  const state = join(work, 'monitor.json');
  const first = await vouch(['log', 'monitor', '--url', a.url, '--state', state, '--once', '--json']);
  assert.equal(first.code, 0, first.stderr);
  const stored = JSON.parse(readFileSync(state, 'utf8')) as { size: number };
  const next = signFile('third.txt', 'release 3');
  assert.equal((await vouch(['log', 'upload', '--url', a.url, '--artifact', next.artifact, '--signature', next.sig, '--public-key', join(work, 'signer.pub')])).code, 0);
  const second = await vouch(['log', 'monitor', '--url', a.url, '--state', state, '--once', '--json']);
  assert.equal(second.code, 0, second.stderr);
  assert.equal((JSON.parse(second.stdout) as { previousSize: number; size: number }).previousSize, stored.size);
  // Log B: the same key, another history with more entries.
  for (let i = 0; i < 5; i++) {
    const f = signFile(`b${i}.txt`, `b ${i}`);
    assert.equal((await vouch(['log', 'upload', '--url', b.url, '--artifact', f.artifact, '--signature', f.sig, '--public-key', join(work, 'signer.pub')])).code, 0);
  }
  const before = readFileSync(state, 'utf8');
  const forked = await vouch(['log', 'monitor', '--url', b.url, '--state', state, '--once']);
  assert.equal(forked.code, 1);
  assert.match(forked.stderr, /\[LOG_FORK\]/);
  assert.equal(readFileSync(state, 'utf8'), before, 'the state keeps the last good checkpoint');
});
