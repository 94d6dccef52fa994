/**
 * Image SBOM benchmark: median wall time and peak RSS of `vouch sbom` on three images.
 *
 *   node_modules/.bin/node bench/image.ts [--runs 5] [--cases layout,registry,big] [--no-build] [--no-write]
 *
 * 1. (a) `layout`: the Debian bookworm minbase image the image tests build
 *    (scripts/build-test-images.sh: debootstrap + umoci, cached in .cache/test-images; built
 *    here when missing, which needs Debian's mirror once).
 *    (b) `registry`: the same image pushed with skopeo to Debian's docker-registry started on
 *    127.0.0.1 (a free port, storage in bench/.work/image/registry), read through `registry:`;
 *    every run pulls the layer again over loopback HTTP.
 *    (c) `big`: a generated image of about 500 MB in 21 layers: the Debian layer, then 20 layers
 *    added with `umoci raw add-layer`, each with incompressible (AES-CTR keystream) and
 *    compressible (text) files, copies of real ELF executables, and a few real packages (npm
 *    package.json files from this repository's node_modules, a Python dist-info, a Go binary),
 *    plus whiteouts of earlier files. Built once into bench/.work/image/big and reused while
 *    BIG_STAMP is unchanged; deterministic (fixed keys), so its digests are the same each build.
 * 2. Runs each case once to warm up, then N rounds (cases interleaved), each under GNU time for
 *    peak RSS; `vouch sbom TARGET -q -o cyclonedx-json=FILE`.
 * 3. Writes its section of BENCHMARKS.md.
 *
 * Targets (from the images issue): the Debian minbase image in under 1 s; peak RSS under
 * 256 MiB for any image size. No peer tool (syft, trivy) is installable on the bench machine
 * (neither is in Debian's archive), so there is no comparison row.
 */
import { createCipheriv } from 'node:crypto';
import { cpSync, createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { parseArgs } from 'node:util';
import { pack } from 'tar-stream';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  BenchError,
  NODE,
  ROOT,
  WORK,
  firstLine,
  haveGnuTime,
  machine,
  machineLine,
  mdTable,
  median,
  run,
  runOk,
  tail,
  pickList,
  runMain,
  runsAndTimeout,
  upsertSection,
} from './lib/harness.ts';

const CASE_IDS = ['layout', 'registry', 'big'] as const;
type CaseId = (typeof CASE_IDS)[number];

const HELP = `Usage: node_modules/.bin/node bench/image.ts [options]

  --runs N         timed runs per case after one warm-up (default 5)
  --cases LIST     comma-separated: ${CASE_IDS.join(',')} (default all)
  --timeout S      seconds allowed per vouch run (default 300)
  --no-build       use dist/ as it is (default: build it first)
  --no-write       print the results; leave BENCHMARKS.md alone
  -h, --help       this help
`;

/** The targets of the images issue. */
const TARGET_DEBIAN_S = 1;
const TARGET_RSS_MIB = 256;

const DIR = join(WORK, 'image');
const OUT = join(DIR, 'out');
const TEST_IMAGES = process.env.VOUCH_TEST_IMAGES ?? join(ROOT, '.cache', 'test-images');
const DEBIAN = join(TEST_IMAGES, 'debian-bookworm', 'layout');
const DEBIAN_TAG = 'minbase';
const BIG = join(DIR, 'big');
const BIG_LAYOUT = join(BIG, 'layout');
const BIG_TAG = 'big';
/** Change when the generated image changes, so that it is built again. */
const BIG_STAMP = 'big-v1: debian minbase + 20 layers × (8 MiB random, 7 MiB text, ELF copies, packages)';
const BIG_LAYERS = 20;
const RANDOM_PER_LAYER = 8 * 1024 * 1024;
const TEXT_PER_LAYER = 7 * 1024 * 1024;
const VOUCH_MAIN = join(ROOT, 'dist', 'cli', 'bin.js');

interface Options {
  readonly runs: number;
  readonly cases: readonly CaseId[];
  readonly timeoutMs: number;
  readonly build: boolean;
  readonly write: boolean;
}

interface Case {
  readonly id: CaseId;
  readonly label: string;
  readonly target: string;
  /** The OCI layout the image's blobs are in (the registry's was pushed from it). */
  readonly layout: string;
  readonly describe: string;
}

interface Timing {
  readonly wallMs: number[];
  readonly rssKiB: number[];
  readonly cpuSec: number[];
  components: number | undefined;
}

const log = (msg: string): void => {
  process.stderr.write(`[image] ${msg}\n`);
};
const rel = (p: string): string => relative(ROOT, p) || '.';
const secs = (ms: number): string => (ms / 1000).toFixed(2);
const mib = (kib: number): string => String(Math.round(kib / 1024));

function parseOptions(argv: readonly string[]): Options | undefined {
  const { values } = parseArgs({
    args: [...argv],
    allowNegative: true,
    options: {
      runs: { type: 'string', default: '5' },
      cases: { type: 'string', default: CASE_IDS.join(',') },
      timeout: { type: 'string', default: '300' },
      build: { type: 'boolean', default: true },
      write: { type: 'boolean', default: true },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return undefined;
  }
  const { runs, timeoutMs } = runsAndTimeout(values);
  const cases = pickList(values.cases, CASE_IDS, 'cases', 'case');
  return { runs, cases, timeoutMs, build: values.build, write: values.write };
}

function need(cmd: string, why: string): void {
  if (firstLine('sh', ['-c', `command -v ${cmd}`]) === undefined) throw new BenchError(`${cmd} is not installed (${why}); on Debian: apt-get install ${cmd}`);
}

async function buildVouch(build: boolean): Promise<void> {
  if (build) {
    log('vouch: building dist/ (tsc -p tsconfig.build.json)…');
    const r = await run(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], { cwd: ROOT, timeoutMs: 600_000 });
    if (r.code !== 0) log(`vouch: tsc reported errors (emitting anyway):\n${tail(r.stdout + r.stderr, 8)}`);
  }
  if (!existsSync(VOUCH_MAIN)) throw new BenchError(`vouch: ${rel(VOUCH_MAIN)} does not exist after the build`);
}

function vouchVersion(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version?: string };
  const commit = firstLine('git', ['rev-parse', '--short', 'HEAD']) ?? 'unknown';
  const dirty = (firstLine('git', ['status', '--porcelain', '--', 'src']) ?? '') !== '' ? '+dirty' : '';
  return `${pkg.version ?? '?'} (${commit}${dirty})`;
}

// ---------------------------------------------------------------------------------------------
// Images

async function debianLayout(): Promise<void> {
  if (existsSync(join(DEBIAN, 'index.json'))) return;
  need('debootstrap', 'builds the Debian test image');
  need('umoci', 'packs the Debian test image');
  log(`building the Debian test image into ${rel(TEST_IMAGES)} (scripts/build-test-images.sh; needs Debian's mirror)…`);
  await runOk('build-test-images.sh', 'bash', [join(ROOT, 'scripts', 'build-test-images.sh')], {
    cwd: ROOT,
    timeoutMs: 1_200_000,
    env: { ...process.env, VOUCH_TEST_IMAGES: TEST_IMAGES },
  });
  if (!existsSync(join(DEBIAN, 'index.json'))) throw new BenchError(`no OCI layout at ${rel(DEBIAN)} after scripts/build-test-images.sh`);
}

/** A deterministic incompressible stream: the AES-128-CTR keystream of a fixed key and IV. */
function keystream(seed: number): (n: number) => Buffer {
  const key = Buffer.alloc(16, seed & 0xff);
  key.writeUInt32BE(seed, 0);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  return (n) => cipher.update(Buffer.alloc(n));
}

/** Compressible text: numbered log-like lines. */
function text(layer: number, file: number, bytes: number): Buffer {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = `${layer}.${file}.${i} INFO request handled path=/api/v1/items/${(i * 7919) % 10007} status=200 duration_ms=${(i * 31) % 997}\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join('').slice(0, bytes));
}

/** Real ELF executables of this machine copied into the image, as an application layer has them. */
const ELF_SOURCES = ['/usr/bin/ls', '/usr/bin/cat', '/usr/bin/grep', '/usr/bin/tar', '/usr/bin/gzip', '/usr/bin/find', '/usr/bin/sort', '/usr/bin/du'];
/** A Go binary with build info (Debian's umoci or skopeo). */
const GO_SOURCES = ['/usr/bin/umoci', '/usr/bin/skopeo'];
/** Real npm packages from this repository's install. */
const NPM_PACKAGES = ['yaml', 'picomatch', 'smol-toml', 'fast-xml-parser', 'packageurl-js', 'yauzl', 'ajv', 'tar-stream'];

interface LayerFile {
  readonly name: string;
  readonly body: Buffer;
  readonly mode?: number;
}

function layerFiles(layer: number): LayerFile[] {
  const files: LayerFile[] = [];
  const random = keystream(layer + 1);
  for (let i = 0; i < 4; i++) files.push({ name: `srv/data-${layer}/blob-${i}.bin`, body: random(RANDOM_PER_LAYER / 4) });
  for (let i = 0; i < 70; i++) files.push({ name: `var/log/app-${layer}/part-${i}.log`, body: text(layer, i, TEXT_PER_LAYER / 70) });
  for (const src of ELF_SOURCES) {
    if (existsSync(src)) files.push({ name: `opt/app-${layer}/bin/${src.slice(src.lastIndexOf('/') + 1)}`, body: readFileSync(src), mode: 0o755 });
  }
  if (layer % 5 === 0) {
    const go = GO_SOURCES.find((p) => existsSync(p));
    if (go) files.push({ name: `usr/local/bin/tool-${layer}`, body: readFileSync(go), mode: 0o755 });
  }
  const pkg = NPM_PACKAGES[layer % NPM_PACKAGES.length]!;
  const manifest = join(ROOT, 'node_modules', pkg, 'package.json');
  if (existsSync(manifest)) files.push({ name: `app/node_modules/${pkg}/package.json`, body: readFileSync(manifest) });
  if (layer === 3) {
    files.push({
      name: 'usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA',
      body: Buffer.from('Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nLicense: Apache 2.0\n\nBody\n'),
    });
  }
  return files;
}

/** One layer as an uncompressed tar (umoci raw add-layer compresses it). */
async function writeLayerTar(file: string, layer: number): Promise<void> {
  const p = pack();
  const done = pipeline(p, createWriteStream(file));
  const dirs = new Set<string>();
  const mtime = new Date(0);
  const dir = (name: string): void => {
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (dirs.has(d)) continue;
      dirs.add(d);
      p.entry({ name: `${d}/`, type: 'directory', mode: 0o755, mtime });
    }
  };
  for (const f of layerFiles(layer)) {
    dir(f.name);
    p.entry({ name: f.name, mode: f.mode ?? 0o644, mtime }, f.body);
  }
  // Whiteouts: each layer deletes one log file of the layer before it (OCI image spec, layer.md).
  if (layer > 0) {
    dir(`var/log/app-${layer - 1}/x`);
    p.entry({ name: `var/log/app-${layer - 1}/.wh.part-0.log`, mode: 0o644, mtime }, '');
  }
  p.finalize();
  await done;
}

async function bigImage(timeoutMs: number): Promise<void> {
  const stampFile = join(BIG, 'stamp');
  if (existsSync(join(BIG_LAYOUT, 'index.json')) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === BIG_STAMP) return;
  need('umoci', 'adds the generated layers');
  log(`generating the big image in ${rel(BIG)} (Debian + ${BIG_LAYERS} layers)…`);
  rmSync(BIG, { recursive: true, force: true });
  mkdirSync(BIG, { recursive: true });
  cpSync(DEBIAN, BIG_LAYOUT, { recursive: true });
  const tar = join(BIG, 'layer.tar');
  for (let i = 0; i < BIG_LAYERS; i++) {
    await writeLayerTar(tar, i);
    const image = i === 0 ? `${BIG_LAYOUT}:${DEBIAN_TAG}` : `${BIG_LAYOUT}:${BIG_TAG}`;
    await runOk('umoci raw add-layer', 'umoci', ['raw', 'add-layer', '--no-history', '--image', image, '--tag', BIG_TAG, tar], { cwd: ROOT, timeoutMs });
  }
  rmSync(tar, { force: true });
  // One image in the layout (oci-dir takes the layout's only manifest for the platform).
  await runOk('umoci rm', 'umoci', ['rm', '--image', `${BIG_LAYOUT}:${DEBIAN_TAG}`], { cwd: ROOT, timeoutMs });
  await runOk('umoci gc', 'umoci', ['gc', '--layout', BIG_LAYOUT], { cwd: ROOT, timeoutMs });
  writeFileSync(stampFile, BIG_STAMP);
}

interface ImageShape {
  readonly layers: number;
  readonly compressed: number;
  readonly uncompressed: number;
}

/** Layers and their sizes: the list from vouch's native JSON, the tar sizes by gunzipping the layout's blobs once. */
async function shapeOf(nativeJson: string, layout: string): Promise<ImageShape | undefined> {
  try {
    const doc = JSON.parse(readFileSync(nativeJson, 'utf8')) as { source?: { image?: { layers?: { digest: string; size: number }[] } } };
    const layers = doc.source?.image?.layers ?? [];
    let uncompressed = 0;
    for (const l of layers) {
      let n = 0;
      const blob = join(layout, 'blobs', ...l.digest.split(':'));
      await pipeline(
        createReadStream(blob),
        createGunzip({ chunkSize: 256 * 1024 }),
        new Writable({
          write(chunk: Buffer, _enc, cb) {
            n += chunk.length;
            cb();
          },
        }),
      );
      uncompressed += n;
    }
    return { layers: layers.length, compressed: layers.reduce((n, l) => n + l.size, 0), uncompressed };
  } catch (err) {
    log(`cannot measure the layers: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Registry

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function startRegistry(): Promise<{ child: ChildProcess; port: number }> {
  need('docker-registry', 'serves the image over HTTP');
  need('skopeo', 'pushes the image');
  const dir = join(DIR, 'registry');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  writeFileSync(
    join(dir, 'config.yml'),
    `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\nhttp:\n  addr: 127.0.0.1:${port}\n`,
  );
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/v2/`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) {
      await runOk('skopeo copy', 'skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci:${DEBIAN}:${DEBIAN_TAG}`, `docker://127.0.0.1:${port}/library/debian:minbase`], {
        cwd: ROOT,
        timeoutMs: 300_000,
      });
      return { child, port };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new BenchError(`docker-registry did not start on 127.0.0.1:${port}`);
}

// ---------------------------------------------------------------------------------------------
// Runs

async function runCase(c: Case, opts: Options, out: string): Promise<{ wallMs: number; rssKiB: number | undefined; cpuSec: number | undefined }> {
  const r = await run(NODE, [VOUCH_MAIN, 'sbom', c.target, '-q', '-o', `cyclonedx-json=${out}`], { cwd: ROOT, timeoutMs: opts.timeoutMs, measure: true });
  if (r.timedOut) throw new BenchError(`${c.label}: timed out after ${Math.round(opts.timeoutMs / 1000)} s`);
  if (r.code !== 0) throw new BenchError(`${c.label}: vouch exited with ${r.code ?? r.signal}\n${tail(r.stderr, 10)}`);
  return { wallMs: r.wallMs, rssKiB: r.maxRssKiB, cpuSec: r.cpuSec };
}

function components(cdxFile: string): number | undefined {
  try {
    const doc = JSON.parse(readFileSync(cdxFile, 'utf8')) as { components?: unknown[] };
    return doc.components?.length;
  } catch {
    return undefined;
  }
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  if (!opts) return 0;
  if (!haveGnuTime()) throw new BenchError('GNU time (/usr/bin/time) is needed for peak RSS: apt-get install time');
  await buildVouch(opts.build);
  await debianLayout();
  mkdirSync(OUT, { recursive: true });

  const cases: Case[] = [];
  let registry: { child: ChildProcess; port: number } | undefined;
  try {
    for (const id of opts.cases) {
      if (id === 'layout') {
        cases.push({ id, label: 'Debian bookworm minbase, OCI layout', target: `oci-dir:${DEBIAN}`, layout: DEBIAN, describe: `\`oci-dir:${rel(DEBIAN)}\`` });
      } else if (id === 'registry') {
        registry = await startRegistry();
        cases.push({
          id,
          label: 'Debian bookworm minbase, local registry',
          target: `registry:127.0.0.1:${registry.port}/library/debian:minbase`,
          layout: DEBIAN,
          describe: '`registry:127.0.0.1:PORT/library/debian:minbase` (docker-registry, plain HTTP on loopback)',
        });
      } else {
        await bigImage(opts.timeoutMs);
        cases.push({ id, label: `Generated, ${BIG_LAYERS + 1} layers`, target: `oci-dir:${BIG_LAYOUT}`, layout: BIG_LAYOUT, describe: `\`oci-dir:${rel(BIG_LAYOUT)}\`` });
      }
    }

    const shapes = new Map<CaseId, ImageShape | undefined>();
    for (const c of cases) {
      // The warm-up also records the image's layers (vouch's native JSON).
      const native = join(OUT, `${c.id}.vouch.json`);
      log(`${c.label}: warm-up`);
      await runOk(`${c.label}: warm-up`, NODE, [VOUCH_MAIN, 'sbom', c.target, '-q', '-o', `json=${native}`], { cwd: ROOT, timeoutMs: opts.timeoutMs });
      shapes.set(c.id, await shapeOf(native, c.layout));
    }
    const load = loadavg()
      .map((x) => x.toFixed(2))
      .join(' ');
    const timings = new Map<CaseId, Timing>(cases.map((c) => [c.id, { wallMs: [], rssKiB: [], cpuSec: [], components: undefined }]));
    for (let i = 0; i < opts.runs; i++) {
      for (const c of cases) {
        const out = join(OUT, `${c.id}.cdx.json`);
        const r = await runCase(c, opts, out);
        const t = timings.get(c.id)!;
        t.wallMs.push(r.wallMs);
        if (r.rssKiB !== undefined) t.rssKiB.push(r.rssKiB);
        if (r.cpuSec !== undefined) t.cpuSec.push(r.cpuSec);
        t.components = components(out);
        log(`${c.label}: run ${i + 1}/${opts.runs}: ${secs(r.wallMs)} s, ${r.rssKiB === undefined ? '?' : mib(r.rssKiB)} MiB`);
      }
    }
    const md = report(cases, timings, shapes, opts, load);
    process.stdout.write(`${md}\n`);
    if (opts.write) {
      upsertSection('image', md);
      log('wrote the image section of BENCHMARKS.md');
    }
    const debian = timings.get('layout');
    const rssOk = [...timings.values()].every((t) => t.rssKiB.length > 0 && Math.max(...t.rssKiB) / 1024 < TARGET_RSS_MIB);
    const timeOk = debian === undefined || median(debian.wallMs) / 1000 < TARGET_DEBIAN_S;
    return rssOk && timeOk ? 0 : 1;
  } finally {
    if (registry) registry.child.kill('SIGTERM');
  }
}

function report(cases: readonly Case[], timings: ReadonlyMap<CaseId, Timing>, shapes: ReadonlyMap<CaseId, ImageShape | undefined>, opts: Options, load: string): string {
  const m = machine();
  const mb = (b: number): string => (b / 1e6).toFixed(0);
  const rows = cases.map((c) => {
    const t = timings.get(c.id)!;
    const s = shapes.get(c.id);
    const [lo, hi] = [Math.min(...t.wallMs), Math.max(...t.wallMs)];
    return [
      c.label,
      s ? String(s.layers) : '?',
      s ? `${mb(s.compressed)} / ${mb(s.uncompressed)}` : '?',
      `**${secs(median(t.wallMs))}**`,
      `${secs(lo)}–${secs(hi)}`,
      t.cpuSec.length > 0 ? median(t.cpuSec).toFixed(2) : '',
      t.rssKiB.length > 0 ? `${mib(median(t.rssKiB))} (max ${mib(Math.max(...t.rssKiB))})` : '',
      t.components === undefined ? '?' : String(t.components),
    ];
  });
  const debian = timings.get('layout');
  const maxRss = Math.max(...[...timings.values()].flatMap((t) => t.rssKiB)) / 1024;
  const verdict = (ok: boolean): string => (ok ? 'met' : '**missed**');
  const targets = [
    debian
      ? `- Debian minbase from its OCI layout in under ${TARGET_DEBIAN_S} s: median ${secs(median(debian.wallMs))} s: ${verdict(median(debian.wallMs) / 1000 < TARGET_DEBIAN_S)}.`
      : '- Debian minbase from its OCI layout: not run.',
    `- Peak RSS under ${TARGET_RSS_MIB} MiB for any image: largest ${Math.round(maxRss)} MiB over every run of every case: ${verdict(maxRss < TARGET_RSS_MIB)}.`,
  ];
  return `## SBOM of container images (bench/image.ts)

Vouch ${vouchVersion()}: \`vouch sbom TARGET -q -o cyclonedx-json=FILE\`. Images:

${cases.map((c) => `- ${c.label}: ${c.describe}.`).join('\n')}
${opts.cases.includes('big') ? `
The generated image is the Debian layer plus ${BIG_LAYERS} layers added with \`umoci raw add-layer\`, each
with ${RANDOM_PER_LAYER / 2 ** 20} MiB of incompressible data (AES-CTR keystream), ${TEXT_PER_LAYER / 2 ** 20} MiB of text in 70 files,
copies of ${ELF_SOURCES.length} real ELF executables, one real npm package.json, a whiteout of a file of the layer below,
and every fifth layer a Go binary (Debian's umoci); layer 3 has a Python dist-info.
` : ''}
Machine: ${machineLine(m)}; load average before the runs ${load}. Date: ${m.date}.
Median of ${opts.runs} runs after one warm-up per case, cases interleaved. Wall and CPU (user +
system) time in seconds; peak RSS in MiB, median and largest over the runs (GNU time \`%M\`).
Layer sizes in MB as stored (gzip) / as tar.

${mdTable(['Image', 'Layers', 'Layers (MB)', 'Median wall (s)', 'Wall range (s)', 'Median CPU (s)', 'Peak RSS (MiB)', 'Components'], rows)}

${targets.join('\n')}

No peer tool row: neither syft nor trivy is installable on the bench machine (\`apt-cache policy
syft trivy\` finds neither in Debian's archive, where this machine's tools come from), so these
are Vouch's numbers alone.

Reproduce: \`node_modules/.bin/node bench/image.ts --runs ${opts.runs}${opts.cases.length < CASE_IDS.length ? ` --cases ${opts.cases.join(',')}` : ''}\``;
}

runMain('image', main);
