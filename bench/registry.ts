/**
 * Registry benchmark: Vouch's registry (`vouch serve registry`, SQLite) against CNCF distribution
 * (Debian's `docker-registry` 2.8, filesystem storage) on the same machine, in one run.
 *
 *   node_modules/.bin/node bench/registry.ts [--runs 3] [--duration 10] [--out bench/results/registry.md]
 *
 * Each round starts both registries fresh (empty storage, a new port, so skopeo's blob-info
 * cache cannot turn a push into a mount) and measures, for each:
 * 1. push: `skopeo copy oci:<debian layout> docker://HOST/bench/debian:1` (~91 MB, real image
 *    built by scripts/build-test-images.sh);
 * 2. re-push: the same image under tag 2 (every blob exists: HEADs and one manifest PUT);
 * 3. pull: `skopeo copy docker://HOST/bench/debian:1 oci:<empty dir>`;
 *    then layer GET: `curl -o /dev/null` of the ~91 MB layer alone, 2 warm-up + LAYER_GETS timed
 *    fetches, their median (what the pull spends most of its server time on);
 * 4. manifest GET and HEAD by tag: autocannon (programmatic) with 16 connections for
 *    --duration seconds each: requests per second and p99 latency.
 * Rounds alternate which registry goes first. The table reports the median of the rounds. Servers run in their own processes; autocannon
 * and skopeo share the machine with them, alike for both.
 *
 * Targets (issue 8): push and pull no slower than distribution; manifest GET throughput ≥ 5×
 * distribution's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startDockerRegistry } from '../test/conformance/distribution/docker-registry.ts';
import { BenchError, machine, machineLine, mdTable, median, NODE, ROOT, runMain, runOk, writeText } from './lib/harness.ts';

interface AutocannonResult {
  readonly requests: { readonly average: number; readonly total: number };
  readonly latency: { readonly p99: number; readonly average: number };
  readonly non2xx: number;
  readonly errors: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const DEBIAN = join(ROOT, '.cache', 'test-images', 'debian-bookworm', 'layout');
const LAYER_GETS = 7;
const ACCEPT = 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json';

interface Sample {
  pushMs: number;
  repushMs: number;
  pullMs: number;
  layerMs: number;
  getRps: number;
  getP99: number;
  headRps: number;
  headP99: number;
}

interface Server {
  readonly url: string;
  stop(): Promise<void>;
}

async function startVouch(): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-bench-reg-'));
  const child: ChildProcess = spawn(NODE, [join(ROOT, 'src', 'cli', 'bin.ts'), 'serve', 'registry', '--registry-anonymous', '--listen', '127.0.0.1:0', '--json', '-q', '--data', dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve((JSON.parse(out.split('\n')[0]!) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new BenchError(`vouch serve exited ${code}`)));
  });
  return {
    url,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function timed(what: string, args: string[]): Promise<number> {
  const r = await runOk(what, 'skopeo', args, { timeoutMs: 300_000 });
  return r.wallMs;
}

/** The digest of the image's largest layer (read from the OCI layout). */
function largestLayer(): string {
  const blob = (digest: string): unknown => JSON.parse(readFileSync(join(DEBIAN, 'blobs', ...digest.split(':')), 'utf8'));
  const index = JSON.parse(readFileSync(join(DEBIAN, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  const manifest = blob(index.manifests[0]!.digest) as { layers: { digest: string; size: number }[] };
  const layer = [...manifest.layers].sort((a, b) => b.size - a.size)[0];
  if (layer === undefined) throw new BenchError(`${DEBIAN} has no layers`);
  return layer.digest;
}

/** Median `curl` time_total of the big layer, in milliseconds. */
async function layerGet(url: string): Promise<number> {
  const layer = largestLayer();
  const once = async (): Promise<number> => {
    const r = await runOk('layer GET', 'curl', ['-sf', '-o', '/dev/null', '-w', '%{time_total}', `${url}/v2/bench/debian/blobs/${layer}`], { timeoutMs: 60_000 });
    return Number(r.stdout) * 1000;
  };
  await once();
  await once();
  const times: number[] = [];
  for (let i = 0; i < LAYER_GETS; i++) times.push(await once());
  return median(times);
}

async function load(url: string, method: 'GET' | 'HEAD', duration: number): Promise<{ rps: number; p99: number }> {
  if (method === 'HEAD') return loadHead(url, duration);
  const r = await autocannon({ url, method, connections: 16, duration, headers: { accept: ACCEPT } });
  if (r.non2xx > 0 || r.errors > 0) throw new BenchError(`${method} ${url}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
  return { rps: r.requests.total / duration, p99: r.latency.p99 };
}

/**
 * HEAD under load. autocannon waits for a body of Content-Length bytes after a HEAD answer and
 * stalls, so HEAD uses this small closed loop instead: 16 keep-alive connections, each sending
 * its next request when the previous answer arrives (what autocannon does for GET).
 */
async function loadHead(url: string, duration: number): Promise<{ rps: number; p99: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const latencies: number[] = [];
  const end = performance.now() + duration * 1000;
  let failures = 0;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const t = performance.now();
      const req = httpRequest(url, { method: 'HEAD', agent, headers: { accept: ACCEPT } }, (res) => {
        if (res.statusCode !== 200) failures++;
        res.resume();
        res.on('end', () => {
          latencies.push(performance.now() - t);
          resolve();
        });
      });
      req.on('error', () => {
        failures++;
        resolve();
      });
      req.end();
    });
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (performance.now() < end) await one();
    }),
  );
  agent.destroy();
  if (failures > 0) throw new BenchError(`HEAD ${url}: ${failures} failures`);
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / duration, p99: Math.round(latencies[Math.floor(latencies.length * 0.99)] ?? NaN) };
}

async function measure(server: Server, duration: number): Promise<Sample> {
  const host = server.url.replace(/^http:\/\//, '');
  const pushMs = await timed('push', ['copy', '-q', '--dest-tls-verify=false', `oci:${DEBIAN}`, `docker://${host}/bench/debian:1`]);
  const repushMs = await timed('re-push', ['copy', '-q', '--dest-tls-verify=false', `oci:${DEBIAN}`, `docker://${host}/bench/debian:2`]);
  const out = mkdtempSync(join(tmpdir(), 'vouch-bench-pull-'));
  let pullMs: number;
  try {
    pullMs = await timed('pull', ['copy', '-q', '--src-tls-verify=false', `docker://${host}/bench/debian:1`, `oci:${out}:pulled`]);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  const layerMs = await layerGet(server.url);
  const manifest = `${server.url}/v2/bench/debian/manifests/1`;
  await load(manifest, 'GET', 1); // warm-up
  const get = await load(manifest, 'GET', duration);
  const head = await load(manifest, 'HEAD', duration);
  return { pushMs, repushMs, pullMs, layerMs, getRps: get.rps, getP99: get.p99, headRps: head.rps, headP99: head.p99 };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '3' }, duration: { type: 'string', default: '10' }, out: { type: 'string', default: join(ROOT, 'bench', 'results', 'registry.md') }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help === true) {
    process.stdout.write('Usage: node_modules/.bin/node bench/registry.ts [--runs 3] [--duration 10] [--out FILE]\n');
    return 0;
  }
  const runs = Number(values.runs);
  const duration = Number(values.duration);
  if (!Number.isInteger(runs) || runs < 1 || !(duration > 0)) throw new BenchError('--runs must be a positive integer and --duration a positive number');
  if (!existsSync(DEBIAN)) throw new BenchError(`missing ${DEBIAN}: run bash scripts/build-test-images.sh`);
  const samples: Record<'vouch' | 'distribution', Sample[]> = { vouch: [], distribution: [] };
  const loadBefore = loadavg()[0]!;
  let distributionVersion = '';
  for (let i = 0; i < runs; i++) {
    // Alternate who goes first, so neither always runs right after the other's teardown.
    for (const name of i % 2 === 0 ? (['vouch', 'distribution'] as const) : (['distribution', 'vouch'] as const)) {
      let server: Server;
      if (name === 'vouch') {
        server = await startVouch();
      } else {
        const d = await startDockerRegistry();
        if (d === undefined) throw new BenchError('docker-registry is not installed');
        distributionVersion = d.version;
        server = d;
      }
      try {
        const s = await measure(server, duration);
        samples[name].push(s);
        process.stderr.write(
          `round ${i + 1} ${name}: push ${s.pushMs.toFixed(0)} ms, re-push ${s.repushMs.toFixed(0)} ms, pull ${s.pullMs.toFixed(0)} ms, layer GET ${s.layerMs.toFixed(1)} ms, GET ${s.getRps.toFixed(0)}/s p99 ${s.getP99} ms, HEAD ${s.headRps.toFixed(0)}/s p99 ${s.headP99} ms\n`,
        );
      } finally {
        await server.stop();
      }
    }
  }
  const med = (name: 'vouch' | 'distribution', key: keyof Sample): number => median(samples[name].map((s) => s[key]));
  const row = (label: string, key: keyof Sample, unit: string, digits = 0, better: 'lower' | 'higher' = 'lower'): string[] => {
    const v = med('vouch', key);
    const d = med('distribution', key);
    // autocannon reports whole milliseconds: a p99 of 0 means under 1 ms.
    if (unit === 'ms' && v === 0) return [label, '< 1 ms', `${d.toFixed(digits)} ${unit}`, `> ${d.toFixed(0)}×`];
    const ratio = better === 'lower' ? d / v : v / d;
    return [label, `${v.toFixed(digits)} ${unit}`, `${d.toFixed(digits)} ${unit}`, `${ratio.toFixed(2)}×`];
  };
  const loadAfter = loadavg()[0]!;
  const rounds = mdTable(
    ['round', 'registry', 'push ms', 're-push ms', 'pull ms', 'layer GET ms', 'GET req/s', 'GET p99 ms', 'HEAD req/s', 'HEAD p99 ms'],
    samples.vouch.flatMap((v, i) =>
      (
        [
          ['Vouch', v],
          ['distribution', samples.distribution[i]!],
        ] as const
      ).map(([name, s]) => [
        String(i + 1),
        name,
        s.pushMs.toFixed(0),
        s.repushMs.toFixed(0),
        s.pullMs.toFixed(0),
        s.layerMs.toFixed(1),
        s.getRps.toFixed(0),
        String(s.getP99),
        s.headRps.toFixed(0),
        String(s.headP99),
      ]),
    ),
  );
  const md = `## Registry: Vouch vs CNCF distribution

\`node_modules/.bin/node bench/registry.ts --runs ${runs} --duration ${duration}\` — ${machineLine(machine())}; ${distributionVersion}.
Image: Debian bookworm minbase (${DEBIAN.replace(`${ROOT}/`, '')}, ~91 MB, one layer), pushed and pulled with skopeo
(oci layout ↔ docker://). Manifest GET: autocannon, 16 connections, ${duration} s, by tag; HEAD: a 16-connection
keep-alive closed loop in bench/registry.ts (autocannon stalls on HEAD answers).
Median of ${runs} rounds; each round starts both registries fresh, rounds alternate which goes first. "Vouch advantage" > 1 means Vouch is faster.

${mdTable(
  ['measure', 'Vouch (SQLite)', 'distribution', 'Vouch advantage'],
  [
    row('push (skopeo copy, empty registry)', 'pushMs', 'ms'),
    row('re-push (every blob exists)', 'repushMs', 'ms'),
    row('pull (skopeo copy to an OCI layout)', 'pullMs', 'ms'),
    row(`layer GET (curl, 91 MB, median of ${LAYER_GETS})`, 'layerMs', 'ms', 1),
    row('manifest GET throughput', 'getRps', 'req/s', 0, 'higher'),
    row('manifest GET p99 latency', 'getP99', 'ms', 1),
    row('manifest HEAD throughput', 'headRps', 'req/s', 0, 'higher'),
    row('manifest HEAD p99 latency', 'headP99', 'ms', 1),
  ],
)}

Targets: push and pull no slower than distribution; manifest GET ≥ 5× distribution's throughput.
Load average (1 min) was ${loadBefore.toFixed(1)} before and ${loadAfter.toFixed(1)} after (2 cores shared with other work):
push and pull vary a lot from round to round, so ratios near 1× are ties. Every round:

${rounds}

Vouch serves hot manifests and tags from memory (2 s TTL, invalidated by its own writes), so a
manifest GET does no database or file work while hot.
`;
  writeText(values.out, md);
  process.stdout.write(md);
  return 0;
}

runMain('registry', main);
