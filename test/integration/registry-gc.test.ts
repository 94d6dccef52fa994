/**
 * `vouch serve registry` and `vouch registry gc` as a user runs them: a server process on a
 * data folder, images pushed by skopeo (or over HTTP), a tag deleted, then gc (dry run, then
 * --delete) from another process while the server keeps serving.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { http, pushImage } from '../conformance/distribution/client.ts';

const BIN = new URL('../../src/cli/bin.ts', import.meta.url).pathname;
const run = promisify(execFile);

async function vouch(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('vouch serve registry + vouch registry gc', () => {
  let work: string;
  let child: ChildProcess;
  let base: string;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'vouch-reg-gc-'));
    child = spawn(process.execPath, [BIN, 'serve', 'registry', '--registry-anonymous', '--listen', '127.0.0.1:0', '--json', '--data', join(work, 'data')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    base = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n')[0];
        if (out.includes('\n') && line !== undefined) resolve((JSON.parse(line) as { url: string }).url);
      });
      child.once('exit', (code) => reject(new Error(`serve exited ${code}`)));
    });
  });
  after(async () => {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    rmSync(work, { recursive: true, force: true });
  });

  test('gc: dry run lists, --delete deletes, the tagged image survives', async () => {
    const t = { base };
    const kept = await pushImage(t, 'team/app', 'stable');
    const old = await pushImage(t, 'team/app', 'old');
    assert.equal((await http(t, 'DELETE', '/v2/team/app/manifests/old')).status, 202);

    const young = await vouch(['registry', 'gc', '--data', join(work, 'data')]);
    assert.equal(young.code, 0, young.stderr);
    assert.match(young.stdout, /dry run: 0 manifests, 0 blob links, 0 blobs/);

    const dry = await vouch(['registry', 'gc', '--data', join(work, 'data'), '--window', '0s']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.ok(dry.stdout.includes(`would delete manifest team/app@${old.digest}`), dry.stdout);
    assert.ok(dry.stdout.includes(`would delete blob ${old.layer.digest}`), dry.stdout);
    assert.equal((await http(t, 'HEAD', `/v2/team/app/blobs/${old.layer.digest}`)).status, 200);

    const real = await vouch(['registry', 'gc', '--data', join(work, 'data'), '--window', '0s', '--delete', '--json']);
    assert.equal(real.code, 0, real.stderr);
    const report = JSON.parse(real.stdout) as { dryRun: boolean; manifests: { digest: string }[]; blobs: { digest: string }[] };
    assert.equal(report.dryRun, false);
    assert.deepEqual(report.manifests.map((m) => m.digest), [old.digest]);
    assert.deepEqual(report.blobs.map((b) => b.digest).sort(), [old.config.digest, old.layer.digest].sort());
    assert.equal((await http(t, 'HEAD', `/v2/team/app/blobs/${old.layer.digest}`)).status, 404);
    const pulled = await http(t, 'GET', '/v2/team/app/manifests/stable');
    assert.deepEqual(pulled.body, kept.manifest);
    assert.deepEqual((await http(t, 'GET', `/v2/team/app/blobs/${kept.layer.digest}`)).body, kept.layer.data);
  });

  test('usage errors exit 2 with one line', async () => {
    const bad = await vouch(['registry', 'gc', '--window', 'soon']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^error: bad duration "soon".*\[USAGE\]/m);
    const unknown = await vouch(['registry', 'frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown registry subcommand/);
  });
});

describe('vouch serve registry (accounts on by default)', () => {
  test('an anonymous push is refused with a token challenge and the UNAUTHORIZED body', async () => {
    const work = mkdtempSync(join(tmpdir(), 'vouch-reg-auth-'));
    const child = spawn(process.execPath, [BIN, 'serve', 'registry', '--listen', '127.0.0.1:0', '--json', '--data', join(work, 'data')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', VOUCH_ADMIN_PASSWORD: 'not-used-here-0123456789' },
    });
    try {
      const base = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve((JSON.parse(out.split('\n')[0]!) as { url: string }).url);
        });
        child.once('exit', (code) => reject(new Error(`serve exited ${code}`)));
      });
      const res = await http({ base }, 'POST', '/v2/team/app/blobs/uploads/');
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm="[^"]+\/service\/token"/);
      assert.equal((res.json() as { errors: { code: string }[] }).errors[0]!.code, 'UNAUTHORIZED');
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(work, { recursive: true, force: true });
    }
  });
});
