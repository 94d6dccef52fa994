/**
 * Transparency-log benchmark: acknowledged appends from many concurrent clients, then proof
 * latency and storage at 1 million entries.
 *
 *   node_modules/.bin/node bench/log.ts [--runs 3] [--duration 10] [--connections 64] [--million 1000000] [--skip-fill]
 *     [--appends-only] [--kinds hashedrekord,dsse] [--verify-threads N] [--batch-wait MS] [--server-args='--cpu-prof --cpu-prof-dir=/tmp/prof']
 *
 * 1. Appends: `vouch serve log` (SQLite, defaults: synchronous FULL, 2 ms batch wait) in its own
 *    process; autocannon (programmatic, 127.0.0.1) posts distinct, pre-signed entries — each is
 *    signature-checked by the log, committed, then answered with its inclusion proof, checkpoint
 *    and SET. Two entry kinds: hashedrekord (ECDSA P-256 over a digest: prehashed verification in
 *    JS) and dsse (ECDSA P-256 through node:crypto). Entries/s of 201 answers and the p50/p99
 *    latency of an acknowledged write; median of --runs.
 * 2. 1M entries: fills a SQLite log directly through the store (batches of 10,000, the same
 *    `integrate` the sequencer runs), then measures inclusion-proof building from the store
 *    (library) and `GET /api/v1/log/entries?logIndex=random` over HTTP (autocannon), and the bytes
 *    on disk per entry.
 */
import { spawn } from 'node:child_process';
import { createHash, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { CompactRange, inclusionProof, leafHash } from '../src/formats/tlog/index.ts';
import { migrate, openDb } from '../src/servers/db/index.ts';
import { startServer } from '../src/servers/http/index.ts';
import { createLogService, LogStore, type LogTables } from '../src/servers/log/index.ts';
import { logMigrations } from '../src/servers/log/store.ts';
import { machine, machineLine, mdTable, median, NODE, ROOT, runMain, WORK } from './lib/harness.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '64' },
    million: { type: 'string', default: '1000000' },
    'skip-fill': { type: 'boolean' },
    'appends-only': { type: 'boolean' },
    kinds: { type: 'string', default: 'hashedrekord,dsse' },
    'server-args': { type: 'string', default: '' },
    'verify-threads': { type: 'string' },
    'batch-wait': { type: 'string' },
  },
});
const RUNS = Number(values.runs);
const DURATION = Number(values.duration);
const CONNECTIONS = Number(values.connections);
const MILLION = Number(values.million);

const signer = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pubB64 = Buffer.from(signer.publicKey.export({ format: 'pem', type: 'spki' })).toString('base64');

function hashedrekord(i: number, run: number): string {
  const data = Buffer.from(`bench artifact ${run} ${i}`);
  return JSON.stringify({
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: { data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(data).digest('hex') } }, signature: { content: cryptoSign('sha256', data, signer.privateKey).toString('base64'), publicKey: { content: pubB64 } } },
  });
}

function dsse(i: number, run: number): string {
  const payload = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: `a${i}`, digest: { sha256: createHash('sha256').update(`${run} ${i}`).digest('hex') } }], predicateType: 'https://example.com/bench', predicate: {} }));
  const type = 'application/vnd.in-toto+json';
  const pae = Buffer.concat([Buffer.from(`DSSEv1 ${type.length} ${type} ${payload.length} `), payload]);
  const envelope = JSON.stringify({ payloadType: type, payload: payload.toString('base64'), signatures: [{ keyid: '', sig: cryptoSign('sha256', pae, signer.privateKey).toString('base64') }] });
  return JSON.stringify({ apiVersion: '0.0.1', kind: 'dsse', spec: { proposedContent: { envelope, verifiers: [pubB64] } } });
}

async function serveLog(dataDir: string): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  // Always the sources (Node 24 strips types): a stale dist/ would measure old code.
  const bin = join(ROOT, 'src', 'cli', 'bin.ts');
  const extra = values['server-args'] === '' ? [] : values['server-args'].split(' ');
  const config: string[] = [];
  if (values['verify-threads'] !== undefined) {
    writeFileSync(join(dataDir, 'vouch.json'), JSON.stringify({ log: { verifyThreads: Number(values['verify-threads']) } }));
    config.push('--config', join(dataDir, 'vouch.json'));
  }
  if (values['batch-wait'] !== undefined) config.push('--log-batch-wait', values['batch-wait']);
  const child = spawn(NODE, [...extra, bin, 'serve', 'log', '--listen', '127.0.0.1:0', '--data', dataDir, ...config, '--json', '-q'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (l) => resolve((JSON.parse(l) as { url: string }).url));
    child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
  return {
    url,
    pid: child.pid!,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** User + system CPU seconds of a process and its threads so far (/proc/PID/stat fields 14 and 15, in clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface AppendResult {
  /** Server CPU milliseconds per acknowledged entry (all its threads): the load-independent cost. */
  cpuMsPerEntry: number;
  /** CPU of the load generator (autocannon, this process) per acknowledged entry: it shares the 2 cores. */
  clientCpuMsPerEntry: number;
  perSec: number;
  p50: number;
  p99: number;
  errors: number;
}

async function appends(kind: 'hashedrekord' | 'dsse', run: number): Promise<AppendResult> {
  const dir = join(WORK, 'log', `append-${kind}-${run}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // More entries than the run can take at 10k/s, signed up front (client cost is not the log's).
  const count = Math.min(200_000, DURATION * 8000);
  const make = kind === 'hashedrekord' ? hashedrekord : dsse;
  const bodies = Array.from({ length: count }, (_, i) => make(i, run));
  const server = await serveLog(dir);
  let next = 0;
  try {
    const cpu0 = cpuSeconds(server.pid);
    const client0 = process.cpuUsage();
    const result = await autocannon({
      url: server.url,
      connections: CONNECTIONS,
      duration: DURATION,
      requests: [
        {
          method: 'POST',
          path: '/api/v1/log/entries',
          headers: { 'content-type': 'application/json' },
          setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }),
        },
      ],
    });
    const ok = result['2xx'];
    const cpuMsPerEntry = ((cpuSeconds(server.pid) - cpu0) * 1000) / Math.max(1, ok);
    const client = process.cpuUsage(client0);
    const clientCpuMsPerEntry = (client.user + client.system) / 1000 / Math.max(1, ok);
    return { cpuMsPerEntry, clientCpuMsPerEntry, perSec: ok / DURATION, p50: result.latency.p50, p99: result.latency.p99, errors: result.non2xx + result.errors };
  } finally {
    await server.stop();
  }
}

async function fillMillion(dir: string): Promise<{ fillSec: number }> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // The service creates the key, schema and tree head; then the store is filled directly.
  const service = await createLogService({ dir, publicUrl: () => 'http://bench.local', env: {} });
  await service.close();
  const db = openDb<LogTables>(join(dir, 'log.sqlite'), { synchronous: 'NORMAL' });
  await migrate(db, logMigrations('sqlite'));
  const store = new LogStore(db.kysely);
  const range = new CompactRange();
  const t0 = performance.now();
  const template = JSON.parse(hashedrekord(0, 0)) as { spec: { data: { hash: { value: string } } } };
  const BATCH = 10_000;
  const now = Math.floor(Date.now() / 1000);
  for (let start = 0; start < MILLION; start += BATCH) {
    const oldSize = range.size;
    const rows = [];
    const nodes = [];
    for (let i = start; i < Math.min(MILLION, start + BATCH); i++) {
      // Realistic bodies (a hashedrekord with a certificate-less key): distinct digests, same shape.
      template.spec.data.hash.value = createHash('sha256').update(`fill ${i}`).digest('hex');
      const body = Buffer.from(JSON.stringify(template));
      const leaf = leafHash(body);
      rows.push({ leafHash: leaf.toString('hex'), body, kind: 'hashedrekord', indexKeys: [`sha256:${template.spec.data.hash.value}`], logIndex: i, integratedTime: now });
      nodes.push(...range.append(leaf));
    }
    await store.integrate(oldSize, rows, nodes, { size: range.size, rootHash: range.root() });
    if (start % 100_000 === 0) process.stderr.write(`  filled ${start + rows.length}\n`);
  }
  await db.close();
  return { fillSec: (performance.now() - t0) / 1000 };
}

async function proofLatency(dir: string): Promise<{ cpuMsPerProof: number; libP50: number; libP99: number; httpP50: number; httpP99: number; httpPerSec: number; bytesPerEntry: number }> {
  const db = openDb<LogTables>(join(dir, 'log.sqlite'));
  const store = new LogStore(db.kysely);
  const head = (await store.head())!;
  // Warm-up (not measured): a serving log has its upper tree levels in memory and the database
  // pages it reads in the OS cache; the first proofs after opening the file pay for disk reads.
  for (let i = 0; i < 1000; i++) await inclusionProof(Math.floor(Math.random() * head.size), head.size, store.readNodes);
  const samples: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < 5000; i++) {
    const idx = Math.floor(Math.random() * head.size);
    const t = performance.now();
    await inclusionProof(idx, head.size, store.readNodes);
    samples.push(performance.now() - t);
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuMsPerProof = (cpu.user + cpu.system) / 1000 / 5000;
  samples.sort((a, b) => a - b);
  await db.close();
  const file = join(dir, 'log.sqlite');
  const bytes = statSync(file).size + (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0);
  // Over HTTP: the whole entry answer (entry read, proof, checkpoint, SET).
  const service = await createLogService({ dir, publicUrl: () => 'http://bench.local', env: {} });
  const server = await startServer({ host: '127.0.0.1', port: 0, services: [service] });
  try {
    const result = await autocannon({
      url: server.url,
      connections: 16,
      duration: Math.max(5, Math.floor(DURATION / 2)),
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/api/v1/log/entries?logIndex=${Math.floor(Math.random() * head.size)}` }) }],
    });
    return {
      cpuMsPerProof,
      libP50: samples[Math.floor(samples.length * 0.5)]!,
      libP99: samples[Math.floor(samples.length * 0.99)]!,
      httpP50: result.latency.p50,
      httpP99: result.latency.p99,
      httpPerSec: result['2xx'] / Math.max(5, Math.floor(DURATION / 2)),
      bytesPerEntry: bytes / head.size,
    };
  } finally {
    await server.close();
  }
}

runMain('log', async () => {
  const m = machine();
  process.stderr.write(`${machineLine(m)}\n`);
  const rows: string[][] = [];
  for (const kind of values.kinds.split(',') as ('hashedrekord' | 'dsse')[]) {
    const results: AppendResult[] = [];
    for (let r = 0; r < RUNS; r++) {
      const res = await appends(kind, r);
      process.stderr.write(`  ${kind} run ${r + 1}: ${res.perSec.toFixed(0)} entries/s, p50 ${res.p50} ms, p99 ${res.p99} ms, errors ${res.errors}, server CPU ${res.cpuMsPerEntry.toFixed(2)} ms/entry, client CPU ${res.clientCpuMsPerEntry.toFixed(2)} ms/entry\n`);
      results.push(res);
    }
    rows.push([
      kind,
      median(results.map((x) => x.perSec)).toFixed(0),
      median(results.map((x) => x.p50)).toFixed(0),
      median(results.map((x) => x.p99)).toFixed(0),
      String(results.reduce((s, x) => s + x.errors, 0)),
      median(results.map((x) => x.cpuMsPerEntry)).toFixed(2),
      median(results.map((x) => x.clientCpuMsPerEntry)).toFixed(2),
    ]);
  }
  process.stdout.write(`## Appends (SQLite, ${CONNECTIONS} connections, ${DURATION} s, median of ${RUNS}; load average ${loadavg()[0]!.toFixed(1)} at the end)\n\n`);
  process.stdout.write(`${mdTable(['entry kind', 'acknowledged entries/s', 'p50 ms', 'p99 ms', 'errors', 'server CPU ms/entry', 'load generator CPU ms/entry'], rows)}\n\n`);
  if (values['appends-only'] === true) return 0;
  const dir = join(WORK, 'log', 'million');
  if (values['skip-fill'] !== true || !existsSync(join(dir, 'log.sqlite'))) {
    const { fillSec } = await fillMillion(dir);
    process.stderr.write(`  filled ${MILLION} entries in ${fillSec.toFixed(0)} s\n`);
  }
  const p = await proofLatency(dir);
  process.stdout.write(`## ${MILLION.toLocaleString('en')} entries (SQLite; load average ${loadavg()[0]!.toFixed(1)})\n\n`);
  process.stdout.write(
    `${mdTable(
      ['measure', 'value'],
      [
        ['inclusion proof from the store after 1,000 warm-up proofs, p50 / p99 (wall)', `${p.libP50.toFixed(3)} / ${p.libP99.toFixed(3)} ms`],
        ['inclusion proof from the store, CPU per proof', `${p.cpuMsPerProof.toFixed(3)} ms`],
        ['GET entry by index over HTTP (proof + checkpoint + SET), p50 / p99', `${p.httpP50} / ${p.httpP99} ms (${p.httpPerSec.toFixed(0)} req/s, 16 connections)`],
        ['storage per entry (database file, after checkpoint)', `${p.bytesPerEntry.toFixed(0)} bytes`],
      ],
    )}\n`,
  );
  return 0;
});
