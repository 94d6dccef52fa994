/** `vouch serve` as an operator runs it: listens, answers /healthz, stops cleanly on SIGTERM. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';

const BIN = new URL('../../src/cli/bin.ts', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'vouch-cli-serve-'));
after(() => rmSync(work, { recursive: true, force: true }));

function vouch(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('serve listens, reports its URL as JSON, answers /healthz and exits 0 on SIGTERM', async () => {
  const child = spawn(process.execPath, [BIN, 'serve', '--listen', '127.0.0.1:0', '--json', '--data', join(work, 'data')], {
    env: { ...process.env, NO_COLOR: '1', VOUCH_ADMIN_PASSWORD: 'test-admin-password-1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', () => reject(new Error(`serve exited early: ${stderr}`)));
  });
  const { url, services } = JSON.parse(first) as { url: string; services: string[] };
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const health = await fetch(`${url}/healthz`);
  const body = (await health.json()) as { status: string; services: Record<string, { ok: boolean }> };
  assert.equal(health.status, 200, JSON.stringify(body));
  assert.equal(body.status, 'ok');
  assert.deepEqual(Object.keys(body.services).sort(), [...services].sort());
  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
  assert.match(stderr, /SIGTERM, stopping/);
});

test('usage errors are one line and exit 2; a bad config file exits 3', () => {
  const unknown = vouch(['serve', 'no-such-service']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown service "no-such-service" \[USAGE\]/);
  const listen = vouch(['serve', '--listen', 'nowhere']);
  assert.equal(listen.code, 2);
  assert.match(listen.stderr, /--listen nowhere: expected HOST:PORT/);
  const config = join(work, 'bad.yaml');
  writeFileSync(config, '- just\n- a list\n');
  const bad = vouch(['serve', '--config', config]);
  assert.equal(bad.code, 3);
  assert.match(bad.stderr, /expected a mapping at the top level \[PARSE_ERROR\]/);
  const help = vouch(['serve', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Examples:/);
});
