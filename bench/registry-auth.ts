/**
 * Registry accounts: what authentication costs. One in-process server on 127.0.0.1:0 with the
 * real image from the shared data pushed once; autocannon (16 connections, 5 s, 3 runs, median)
 * against:
 *   - manifest GET on a registry without accounts (baseline),
 *   - manifest GET of a public project, anonymous, with accounts,
 *   - manifest GET with a bearer token, and with Basic credentials (cached check),
 *   - the token endpoint with Basic credentials,
 * plus the Argon2id password check on its own (median of 10).
 *
 *   node_modules/.bin/node bench/registry-auth.ts [--out bench/results/registry-auth.md]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { startServer, type RunningServer } from '../src/servers/http/index.ts';
import { createRegistryService } from '../src/servers/registry/index.ts';
import { createRegistryAuth, hashPassword, verifyPassword } from '../src/servers/registry/auth/index.ts';

const LAYOUT = join(process.env.VOUCH_SHARED_DATA ?? '/work/shared/data', 'oci', 'stereoscope', 'oci-layouts', 'valid_oci_dir');
const PASSWORD = 'Bench-admin-passw0rd';
const ADMIN = `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`;
const ACCEPT = 'application/vnd.oci.image.manifest.v1+json';
const RUNS = 3;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function push(base: string, repo: string, auth: string | undefined): Promise<void> {
  const index = JSON.parse(readFileSync(join(LAYOUT, 'index.json'), 'utf8')) as { manifests: { digest: string; mediaType: string }[] };
  const blob = (d: string): Buffer => readFileSync(join(LAYOUT, 'blobs', ...d.split(':')));
  const desc = index.manifests[0]!;
  const manifest = JSON.parse(blob(desc.digest).toString('utf8')) as { config: { digest: string }; layers: { digest: string }[] };
  const headers = auth === undefined ? {} : { authorization: auth };
  for (const d of [manifest.config.digest, ...manifest.layers.map((l) => l.digest)]) {
    const res = await fetch(`${base}/v2/${repo}/blobs/uploads/?digest=${d}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/octet-stream' }, body: blob(d) });
    if (res.status !== 201) throw new Error(`blob push: ${res.status}`);
  }
  const res = await fetch(`${base}/v2/${repo}/manifests/1`, { method: 'PUT', headers: { ...headers, 'content-type': desc.mediaType }, body: blob(desc.digest) });
  if (res.status !== 201) throw new Error(`manifest push: ${res.status}`);
}

async function rate(url: string, headers: Record<string, string>): Promise<{ rps: number; p99: number }> {
  const rps: number[] = [];
  const p99: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await autocannon({ url, connections: 16, duration: 5, headers: { accept: ACCEPT, ...headers } });
    if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    rps.push(r.requests.average);
    p99.push(r.latency.p99);
  }
  return { rps: Math.round(median(rps)), p99: median(p99) };
}

const dir = mkdtempSync(join(tmpdir(), 'vouch-bench-auth-'));
const servers: RunningServer[] = [];
try {
  const hash = await hashPassword('x-password-1');
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    await verifyPassword('x-password-1', hash);
    times.push(performance.now() - t);
  }

  const open = await createRegistryService({ dataDir: join(dir, 'open') });
  servers.push(await startServer({ host: '127.0.0.1', port: 0, services: [open] }));
  const openUrl = servers[0]!.url;
  await push(openUrl, 'pub/app', undefined);

  let url = '';
  const auth = await createRegistryAuth({ dataDir: join(dir, 'auth'), publicUrl: () => url, env: { VOUCH_ADMIN_PASSWORD: PASSWORD } });
  const reg = await createRegistryService({ dataDir: join(dir, 'auth'), access: auth.access, extraRoutes: auth.extraRoutes });
  servers.push(await startServer({ host: '127.0.0.1', port: 0, services: [{ ...reg, close: async () => (await reg.close(), await auth.close()) }] }));
  url = servers[1]!.url;
  await fetch(`${url}/api/v2.0/projects`, { method: 'POST', headers: { authorization: ADMIN, 'content-type': 'application/json' }, body: JSON.stringify({ project_name: 'pub', public: true }) });
  await push(url, 'pub/app', ADMIN);
  const token = ((await (await fetch(`${url}/service/token?service=vouch-registry&scope=repository:pub/app:pull`, { headers: { authorization: ADMIN } })).json()) as { token: string }).token;

  const rows: [string, { rps: number; p99: number }][] = [
    ['manifest GET, registry without accounts (baseline)', await rate(`${openUrl}/v2/pub/app/manifests/1`, {})],
    ['manifest GET, public project, anonymous', await rate(`${url}/v2/pub/app/manifests/1`, {})],
    ['manifest GET, bearer token', await rate(`${url}/v2/pub/app/manifests/1`, { authorization: `Bearer ${token}` })],
    ['manifest GET, Basic (cached check)', await rate(`${url}/v2/pub/app/manifests/1`, { authorization: ADMIN })],
    ['token endpoint, Basic (cached check)', await rate(`${url}/service/token?service=vouch-registry&scope=repository:pub/app:pull`, { authorization: ADMIN })],
  ];
  const md = [
    '## Registry accounts (`node_modules/.bin/node bench/registry-auth.ts`)',
    '',
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}; autocannon 16 connections × 5 s, median of ${RUNS} runs; every pull is audited.`,
    '',
    '| request | req/s | p99 ms |',
    '|---|---:|---:|',
    ...rows.map(([name, r]) => `| ${name} | ${r.rps} | ${r.p99} |`),
    `| Argon2id password check (m=19 MiB, t=2), alone | ${(1000 / median(times)).toFixed(1)} | ${median(times).toFixed(1)} (median ms) |`,
    '',
  ].join('\n');
  process.stdout.write(md);
  const outIdx = process.argv.indexOf('--out');
  if (outIdx > 0 && process.argv[outIdx + 1] !== undefined) writeFileSync(process.argv[outIdx + 1]!, md);
} finally {
  for (const s of servers) await s.close();
  rmSync(dir, { recursive: true, force: true });
}
