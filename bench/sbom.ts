/**
 * SBOM benchmark: `vouch sbom` against `npm sbom` and cdxgen on a real, pinned npm project of
 * more than 1,000 packages.
 *
 *   node_modules/.bin/node bench/sbom.ts [--runs 5] [--tools vouch,npm,cdxgen] [--profile]
 *
 * 1. Installs bench/fixtures/sbom-project (package.json + package-lock.json, pinned) with
 *    `npm ci --ignore-scripts` into bench/.work/sbom/project, and the peers pinned in
 *    bench/fixtures/sbom-peers into bench/.work/sbom/peers; both are reused while the fixture
 *    files are unchanged. Only this step needs the npm registry.
 * 2. Takes the truth from `npm ls --all --json --long`: every installed name@version (real
 *    names, not aliases; the root project left out).
 * 3. Runs each tool once to warm up, then N rounds (tools interleaved, so drift hits them all
 *    alike), each run inside `unshare -n` (no network at all) under GNU time for peak RSS.
 * 4. Compares each tool's CycloneDX components with npm ls and writes its section of
 *    BENCHMARKS.md.
 *
 * Targets (from the SBOM issue): Vouch ≥ 10× faster than cdxgen, faster than `npm sbom`, and
 * exactly the packages `npm ls --all` lists.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PackageURL } from 'packageurl-js';
import { summarizeProfile, type HotSpot } from './lib/cpuprofile.ts';
import {
  BenchError,
  benchEnv,
  canUnshareNet,
  firstLine,
  haveGnuTime,
  machine,
  machineLine,
  mdTable,
  median,
  NODE,
  ROOT,
  run,
  runOk,
  tail,
  pickList,
  runMain,
  runsAndTimeout,
  upsertSection,
  WORK,
} from './lib/harness.ts';

const HELP = `Usage: node_modules/.bin/node bench/sbom.ts [options]

  --runs N         timed runs per tool after one warm-up (default 5)
  --tools LIST     comma-separated subset of: vouch, npm, cdxgen (default all)
  --timeout SEC    limit for one run of one tool (default 600)
  --reinstall      reinstall the project and the peers even if present
  --no-build       do not rebuild dist/ before timing Vouch
  --no-write       print the results but leave BENCHMARKS.md alone
  --allow-network  do not wrap the tools in 'unshare -n'
  --profile        after timing, run Vouch once more under --cpu-prof and list hot spots
  -h, --help       this text
`;

const FIXTURES = join(ROOT, 'bench', 'fixtures');
const DIR = join(WORK, 'sbom');
const PROJECT = join(DIR, 'project');
const PEERS = join(DIR, 'peers');
const OUT = join(DIR, 'out');
const MIN_PACKAGES = 1000;
const INSTALL_TIMEOUT_MS = 15 * 60_000;
const TOOL_IDS = ['vouch', 'npm', 'cdxgen'] as const;
type ToolId = (typeof TOOL_IDS)[number];

/** npm's own settings that would otherwise reach the network or print noise. */
const NPM_QUIET = { npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false' };

interface Options {
  readonly runs: number;
  readonly tools: readonly ToolId[];
  readonly timeoutMs: number;
  readonly reinstall: boolean;
  readonly build: boolean;
  readonly write: boolean;
  readonly offline: boolean;
  readonly profile: boolean;
}

function parseOptions(argv: readonly string[]): Options | undefined {
  const { values } = parseArgs({
    args: [...argv],
    allowNegative: true,
    options: {
      runs: { type: 'string', default: '5' },
      tools: { type: 'string', default: TOOL_IDS.join(',') },
      timeout: { type: 'string', default: '600' },
      reinstall: { type: 'boolean', default: false },
      build: { type: 'boolean', default: true },
      write: { type: 'boolean', default: true },
      'allow-network': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return undefined;
  }
  const { runs, timeoutMs } = runsAndTimeout(values);
  const tools = pickList(values.tools, TOOL_IDS, 'tools', 'tool');
  return {
    runs,
    tools,
    timeoutMs,
    reinstall: values.reinstall,
    build: values.build,
    write: values.write,
    offline: !values['allow-network'],
    profile: values.profile,
  };
}

// ---------------------------------------------------------------------------------------------
// Installs

type InstallMode = 'ci' | 'install';

/** What was installed: the fixture files' bytes, hashed. */
function fixtureStamp(fixture: string, files: readonly string[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(f).update('\0').update(readFileSync(join(fixture, f))).update('\0');
  return h.digest('hex');
}

/**
 * Install a committed package.json + package-lock.json into `target` with install scripts off,
 * unless an earlier install of the very same files is there (bench/.work/.../.bench-stamp).
 * `ci` is exact; `install` also follows the lockfile but tolerates a lock that `npm ci` calls
 * out of sync (npm 11 does so for cdxgen's per-platform optional dependencies even on a lock
 * that `npm install` itself just wrote).
 */
async function ensureInstalled(what: string, fixture: string, target: string, mode: InstallMode, force: boolean): Promise<void> {
  const files = ['package.json', 'package-lock.json'];
  const stampFile = join(target, '.bench-stamp');
  const stamp = fixtureStamp(fixture, files);
  if (!force && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp && existsSync(join(target, 'node_modules'))) {
    log(`${what}: reusing ${rel(target)}`);
    return;
  }
  log(`${what}: installing ${rel(fixture)} into ${rel(target)} (npm ${mode} --ignore-scripts)…`);
  const ping = await run('npm', ['ping'], { timeoutMs: 30_000, env: benchEnv(NPM_QUIET), cwd: ROOT });
  if (ping.code !== 0) {
    throw new BenchError(
      `${what}: the npm registry does not answer (npm ping: ${ping.timedOut ? 'timed out' : `exit ${ping.code}`}). ` +
        `The first run needs it to install ${rel(fixture)}; later runs reuse ${rel(target)}.`,
    );
  }
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  for (const f of files) cpSync(join(fixture, f), join(target, f));
  await runOk(`${what}: npm ${mode}`, 'npm', [mode, '--ignore-scripts', '--include=dev', '--include=optional', '--no-audit', '--no-fund'], {
    cwd: target,
    env: benchEnv(NPM_QUIET),
    timeoutMs: INSTALL_TIMEOUT_MS,
  });
  writeFileSync(stampFile, stamp);
}

// ---------------------------------------------------------------------------------------------
// The truth: npm ls

interface Truth {
  readonly root: string;
  readonly keys: Set<string>;
  /** Tree nodes npm ls printed (a package reached by several paths counts each time). */
  readonly nodes: number;
  readonly problems: readonly string[];
  /** name@version of package-lock.json entries that are not on disk (optional dependencies for other platforms). */
  readonly lockedNotInstalled: ReadonlySet<string>;
}

interface LsNode {
  readonly name?: unknown;
  readonly version?: unknown;
  readonly dependencies?: unknown;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `--long` gives each node its real `name` (an alias such as `string-width-cjs` →
 * `string-width`); without it only the alias is known. Nodes without a version are optional
 * dependencies for other platforms that npm did not install: they are not on disk.
 */
async function npmLs(): Promise<Truth> {
  const r = await run('npm', ['ls', '--all', '--json', '--long'], { cwd: PROJECT, env: benchEnv(NPM_QUIET), timeoutMs: 300_000 });
  // npm ls exits 1 when it finds problems (ELSPROBLEMS) but still prints the tree.
  if (r.timedOut || (r.code !== 0 && r.code !== 1)) throw new BenchError(`npm ls failed: exit ${r.code ?? r.signal}\n${tail(r.stderr, 10)}`);
  let tree: unknown;
  try {
    tree = JSON.parse(r.stdout);
  } catch (err) {
    throw new BenchError(`npm ls printed no JSON: ${(err as Error).message}\n${tail(r.stderr, 10)}`);
  }
  if (!isRecord(tree)) throw new BenchError('npm ls printed JSON that is not an object');
  const keys = new Set<string>();
  let nodes = 0;
  const walk = (deps: unknown, depth: number): void => {
    if (!isRecord(deps) || depth > 500) return;
    for (const [alias, node] of Object.entries(deps)) {
      if (!isRecord(node)) continue;
      const n = node as LsNode;
      if (typeof n.version === 'string' && n.version !== '') {
        nodes++;
        keys.add(`${typeof n.name === 'string' ? n.name : alias}@${n.version}`);
      }
      walk(n.dependencies, depth + 1);
    }
  };
  walk(tree.dependencies, 0);
  const problems = Array.isArray(tree.problems) ? tree.problems.filter((p): p is string => typeof p === 'string') : [];
  return { root: `${String(tree.name)}@${String(tree.version)}`, keys, nodes, problems, lockedNotInstalled: lockedNotInstalled() };
}

/** Entries of the project's package-lock.json (v2+ `packages`, keyed by install path) with no folder on disk. */
function lockedNotInstalled(): Set<string> {
  const out = new Set<string>();
  const lock: unknown = JSON.parse(readFileSync(join(PROJECT, 'package-lock.json'), 'utf8'));
  if (!isRecord(lock) || !isRecord(lock.packages)) return out;
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || !isRecord(entry) || typeof entry.version !== 'string' || existsSync(join(PROJECT, path))) continue;
    const name = typeof entry.name === 'string' ? entry.name : path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    out.add(`${name}@${entry.version}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading the tools' CycloneDX

interface BomSummary {
  readonly components: number;
  readonly keys: Set<string>;
}

/**
 * The name@version of every component (nested ones too). npm components are keyed from the
 * purl (`pkg:npm/%40scope/name@1.0.0` → `@scope/name@1.0.0`) because the tools spell the scope
 * differently: cdxgen puts it in `group`, `npm sbom` in `name`. Anything else keeps its purl.
 */
function bomComponents(bom: unknown): BomSummary {
  if (!isRecord(bom) || bom.bomFormat !== 'CycloneDX') throw new BenchError('output is not a CycloneDX JSON document');
  const keys = new Set<string>();
  let components = 0;
  const walk = (list: unknown, depth: number): void => {
    if (!Array.isArray(list) || depth > 50) return;
    for (const c of list) {
      if (!isRecord(c)) continue;
      components++;
      keys.add(componentKey(c));
      walk(c.components, depth + 1);
    }
  };
  walk(bom.components, 0);
  return { components, keys };
}

function componentKey(c: Record<string, unknown>): string {
  const purl = typeof c.purl === 'string' ? c.purl : undefined;
  if (purl?.startsWith('pkg:npm/') === true) {
    try {
      const p = PackageURL.fromString(purl);
      return `${p.namespace ? `${p.namespace}/` : ''}${p.name}@${p.version ?? ''}`;
    } catch {
      return `bad-purl:${purl}`;
    }
  }
  if (purl !== undefined) return purl;
  const group = typeof c.group === 'string' && c.group !== '' ? `${c.group.startsWith('@') ? '' : '@'}${c.group}/` : '';
  return `${group}${String(c.name)}@${String(c.version)}`;
}

// ---------------------------------------------------------------------------------------------
// The tools

interface Invocation {
  readonly cmd: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** For tools that print the SBOM on stdout. */
  readonly stdoutFile?: string;
}

interface Tool {
  readonly id: ToolId;
  readonly label: string;
  readonly version: string;
  /** How a user types it (for the report). */
  readonly shown: string;
  readonly invocation: (out: string) => Invocation;
}

/** The `vouch` executable as package.json's `bin` names it (dist/cli/bin.js today). */
const VOUCH_MAIN = join(ROOT, vouchBin());

function vouchBin(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin?: unknown };
  const bin = pkg.bin;
  if (typeof bin === 'string') return bin;
  if (isRecord(bin) && typeof bin.vouch === 'string') return bin.vouch;
  return join('dist', 'cli', 'bin.js');
}
const CDXGEN = join(PEERS, 'node_modules', '.bin', 'cdxgen');

async function buildVouch(build: boolean): Promise<void> {
  if (build) {
    log('vouch: building dist/ (tsc -p tsconfig.build.json)…');
    const r = await run(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], { cwd: ROOT, timeoutMs: 600_000 });
    // tsc still emits when other files have type errors; what matters is that main.js exists.
    if (r.code !== 0) log(`vouch: tsc reported errors (emitting anyway):\n${tail(r.stdout + r.stderr, 8)}`);
  }
  if (!existsSync(VOUCH_MAIN)) {
    throw new BenchError(`vouch: ${rel(VOUCH_MAIN)} does not exist after the build (is its source in src/cli/ there?)`);
  }
}

function vouchVersion(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version?: string };
  const commit = firstLine('git', ['rev-parse', '--short', 'HEAD']) ?? 'unknown';
  const dirty = (firstLine('git', ['status', '--porcelain', '--', 'src']) ?? '') !== '' ? '+dirty' : '';
  return `${pkg.version ?? '?'} (${commit}${dirty})`;
}

function makeTools(wanted: readonly ToolId[]): Tool[] {
  const tools: Tool[] = [];
  for (const id of wanted) {
    if (id === 'vouch') {
      tools.push({
        id,
        label: 'Vouch',
        version: vouchVersion(),
        shown: `vouch sbom DIR -o cyclonedx-json=FILE`,
        invocation: (out) => ({
          cmd: NODE,
          args: [VOUCH_MAIN, 'sbom', PROJECT, '-o', `cyclonedx-json=${out}`],
          cwd: ROOT,
          env: benchEnv(),
        }),
      });
    } else if (id === 'npm') {
      // The system npm, run by Node 24 (its shebang is `#!/usr/bin/env node`). It includes
      // dev dependencies unless told to omit them.
      tools.push({
        id,
        label: 'npm sbom',
        version: `npm ${firstLine('npm', ['--version']) ?? '?'}`,
        shown: 'npm sbom --sbom-format cyclonedx > FILE',
        invocation: (out) => ({
          cmd: 'npm',
          args: ['sbom', '--sbom-format', 'cyclonedx'],
          cwd: PROJECT,
          env: benchEnv(NPM_QUIET),
          stdoutFile: out,
        }),
      });
    } else {
      // cdxgen's defaults, except --no-install-deps (it must never run `npm install` here).
      // FETCH_LICENSE / CDXGEN_FETCH_PKG_METADATA default to off; set anyway so a user's
      // environment cannot turn on registry look-ups. Under `unshare -n` it has no network.
      // The installed version, or the pinned one when it could not be installed.
      const installed = join(PEERS, 'node_modules', '@cyclonedx', 'cdxgen', 'package.json');
      const pinned = JSON.parse(readFileSync(join(FIXTURES, 'sbom-peers', 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
      const json = (existsSync(installed) ? JSON.parse(readFileSync(installed, 'utf8')) : { version: pinned.dependencies?.['@cyclonedx/cdxgen'] }) as {
        version?: string;
      };
      tools.push({
        id,
        label: 'cdxgen',
        version: `cdxgen ${json.version ?? '?'}`,
        shown: 'cdxgen -t js --no-install-deps -o FILE DIR',
        invocation: (out) => ({
          cmd: CDXGEN,
          args: ['-t', 'js', '--no-install-deps', '-o', out, PROJECT],
          cwd: DIR,
          env: benchEnv({ FETCH_LICENSE: 'false', CDXGEN_FETCH_PKG_METADATA: 'false', NODE_NO_WARNINGS: '1' }),
        }),
      });
    }
  }
  return tools;
}

// ---------------------------------------------------------------------------------------------
// Timing

interface Timing {
  readonly wallMs: number[];
  readonly rssKiB: number[];
  readonly cpuSec: number[];
  failure?: string;
}

/** One run of one tool; records its numbers in `timing`, or returns why it failed. */
async function runTool(t: Tool, opts: Options, timing: Timing): Promise<string | undefined> {
  const out = join(OUT, `${t.id}.cdx.json`);
  rmSync(out, { force: true });
  const inv = t.invocation(out);
  const r = await run(inv.cmd, inv.args, {
    cwd: inv.cwd,
    env: inv.env,
    timeoutMs: opts.timeoutMs,
    measure: true,
    offline: opts.offline,
    ...(inv.stdoutFile !== undefined ? { stdoutFile: inv.stdoutFile } : {}),
  });
  if (r.timedOut) return `timed out after ${opts.timeoutMs / 1000} s`;
  if (r.code !== 0) return `exit ${r.code ?? r.signal}: ${tail(r.stderr || r.stdout, 6).replace(/\s+/g, ' ').slice(0, 400)}`;
  if (!existsSync(out)) return `exit 0 but no ${rel(out)}`;
  timing.wallMs.push(r.wallMs);
  if (r.maxRssKiB !== undefined) timing.rssKiB.push(r.maxRssKiB);
  if (r.cpuSec !== undefined) timing.cpuSec.push(r.cpuSec);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Report

interface ToolResult {
  readonly tool: Tool;
  readonly timing: Timing;
  readonly bom?: BomSummary;
  readonly missing: string[];
  /** Components npm ls does not list, the root project aside. */
  readonly extra: string[];
  /** Whether the tool lists the root project itself among the components (npm ls does not). */
  readonly rootListed: boolean;
}

const secs = (ms: number) => (ms / 1000).toFixed(2);
const mib = (kib: number) => (kib / 1024).toFixed(0);
const ok = (t: Timing) => t.failure === undefined && t.wallMs.length > 0;

function examples(list: readonly string[], n = 5): string {
  if (list.length === 0) return '';
  return list.slice(0, n).map((k) => `\`${k}\``).join(', ') + (list.length > n ? ', …' : '');
}

function compare(tool: Tool, timing: Timing, truth: Truth): ToolResult {
  const file = join(OUT, `${tool.id}.cdx.json`);
  const none = { tool, timing, missing: [], extra: [], rootListed: false };
  if (!ok(timing) || !existsSync(file)) return none;
  let bom: BomSummary;
  try {
    bom = bomComponents(JSON.parse(readFileSync(file, 'utf8')));
  } catch (err) {
    timing.failure = `unreadable output: ${(err as Error).message}`;
    return none;
  }
  const missing = [...truth.keys].filter((k) => !bom.keys.has(k)).sort();
  const extra = [...bom.keys].filter((k) => !truth.keys.has(k) && k !== truth.root).sort();
  writeFileSync(join(OUT, `${tool.id}.missing.txt`), missing.join('\n') + '\n');
  writeFileSync(join(OUT, `${tool.id}.extra.txt`), extra.join('\n') + '\n');
  return { tool, timing, bom, missing, extra, rootListed: bom.keys.has(truth.root) };
}

function verdicts(results: readonly ToolResult[], truth: Truth): string[] {
  const by = (id: ToolId) => results.find((r) => r.tool.id === id && ok(r.timing));
  const v = by('vouch');
  if (v === undefined) return ['- Vouch was not measured: no verdict.'];
  const vWall = median(v.timing.wallMs);
  const vCpu = median(v.timing.cpuSec);
  const out: string[] = [];
  const ratio = (r: ToolResult) =>
    `wall ${(median(r.timing.wallMs) / vWall).toFixed(2)}×, CPU ${(median(r.timing.cpuSec) / vCpu).toFixed(2)}×`;
  const c = by('cdxgen');
  if (c) {
    const x = median(c.timing.wallMs) / vWall;
    out.push(`- Vouch vs cdxgen: ${ratio(c)} faster (target ≥ 10× wall): ${x >= 10 ? 'met' : '**missed**'}.`);
  }
  const n = by('npm');
  if (n) {
    const x = median(n.timing.wallMs) / vWall;
    out.push(`- Vouch vs npm sbom: ${ratio(n)} faster (target > 1× wall): ${x > 1 ? 'met' : '**missed**'}.`);
  }
  const exact = v.missing.length === 0 && v.extra.length === 0;
  out.push(
    `- Vouch vs npm ls (${truth.keys.size} name@version): ${v.missing.length} missing, ${v.extra.length} extra ` +
      `(target 0 and 0): ${exact ? 'met' : '**missed**'}${v.rootListed ? '; it also lists the root project as a component' : ''}.`,
  );
  return out;
}

function report(results: readonly ToolResult[], truth: Truth, opts: Options, offline: boolean, load: string): string {
  const m = machine();
  const rows = results.map((r) => {
    const t = r.timing;
    const good = ok(t);
    return [
      r.tool.label,
      r.tool.version,
      good ? `**${secs(median(t.wallMs))}**` : `failed: ${(t.failure ?? 'no runs').replace(/\|/g, '/')}`,
      good ? `${secs(Math.min(...t.wallMs))}–${secs(Math.max(...t.wallMs))}` : '',
      good && t.cpuSec.length > 0 ? median(t.cpuSec).toFixed(2) : '',
      good && t.rssKiB.length > 0 ? `${mib(median(t.rssKiB))} (max ${mib(Math.max(...t.rssKiB))})` : '',
      r.bom ? String(r.bom.components) : '',
      r.bom ? String(r.missing.length) : '',
      r.bom ? String(r.extra.length) : '',
      r.bom ? (r.rootListed ? 'yes' : 'no') : '',
    ];
  });
  const diffs = results
    .filter((r) => r.bom && (r.missing.length > 0 || r.extra.length > 0))
    .map((r) => {
      const parts = [];
      if (r.missing.length > 0) parts.push(`missing ${examples(r.missing)}`);
      if (r.extra.length > 0) {
        const locked = r.extra.filter((k) => truth.lockedNotInstalled.has(k)).length;
        const foreign = r.extra.filter((k) => k.startsWith('pkg:')).length;
        const why = [
          locked > 0 ? `${locked} locked in package-lock.json but not installed: optional dependencies for other platforms` : '',
          foreign > 0 ? `${foreign} not from npm` : '',
        ].filter((x) => x !== '');
        parts.push(`extra ${examples(r.extra)}${why.length > 0 ? ` — ${why.join('; ')}` : ''}`);
      }
      return `- ${r.tool.label}: ${parts.join('; ')}`;
    });
  return `## SBOM of an npm project (bench/sbom.ts)

Project: [bench/fixtures/sbom-project](bench/fixtures/sbom-project/package.json), a pinned
package.json + package-lock.json installed with \`npm ci --ignore-scripts\`: **${truth.keys.size}**
distinct name@version in \`npm ls --all\` (${truth.nodes} tree nodes), dev dependencies included;
${truth.problems.length === 0 ? 'npm ls reports no problems' : `npm ls reports ${truth.problems.length} problems`}.

Machine: ${machineLine(m)}; load average before the runs ${load}. Date: ${m.date}.
Median of ${opts.runs} runs after one warm-up per tool, tools interleaved. Wall and CPU (user + system)
time in seconds; peak RSS in MiB, median and largest over the runs (GNU time \`%M\`: the
biggest single process). ${offline ? 'Every run was inside `unshare -n` (no network).' : '**The network was not blocked.**'}

${mdTable(['Tool', 'Version', 'Median wall (s)', 'Wall range (s)', 'Median CPU (s)', 'Peak RSS (MiB)', 'Components', 'Missing vs npm ls', 'Extra vs npm ls', 'Root as component'], rows)}

${verdicts(results, truth).join('\n')}
${diffs.length > 0 ? `\nDifferences from npm ls (first examples; full lists in bench/.work/sbom/out/):\n\n${diffs.join('\n')}\n` : ''}
Commands (DIR = bench/.work/sbom/project): ${results.map((r) => `\`${r.tool.shown}\``).join('; ')}.
cdxgen runs with \`FETCH_LICENSE=false CDXGEN_FETCH_PKG_METADATA=false\` and \`--no-install-deps\` so
it stays offline; \`npm sbom\` is the system npm run by Node ${m.node}. Components are compared as
name@version (npm scope included, taken from the purl); other package types keep their purl.
"Root as component": the tool lists the project itself among the components (not counted as
extra; npm sbom and cdxgen put it only in \`metadata.component\`).

Reproduce: \`node_modules/.bin/node bench/sbom.ts --runs ${opts.runs}\`
`;
}

// ---------------------------------------------------------------------------------------------

function rel(p: string): string {
  return p.startsWith(`${ROOT}/`) ? p.slice(ROOT.length + 1) : p;
}

function log(msg: string): void {
  process.stderr.write(`[sbom] ${msg}\n`);
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  if (opts === undefined) return 0;
  if (!haveGnuTime()) throw new BenchError('/usr/bin/time (GNU time) is needed for peak memory: apt-get install time');
  const offline = opts.offline && canUnshareNet();
  if (opts.offline && !offline) log('warning: `unshare -n` is not available here; the tools run with the network reachable');

  // 1–2. Project, peers, truth.
  await ensureInstalled('project', join(FIXTURES, 'sbom-project'), PROJECT, 'ci', opts.reinstall);
  // A peer or Vouch that cannot be set up is reported as failed; the others are still measured.
  const unavailable = new Map<ToolId, string>();
  const setUp = async (id: ToolId, step: () => Promise<void>) => {
    if (!opts.tools.includes(id)) return;
    try {
      await step();
    } catch (err) {
      if (!(err instanceof BenchError)) throw err;
      log(`${id}: not measured: ${err.message}`);
      unavailable.set(id, err.message.split('\n')[0]!);
    }
  };
  await setUp('cdxgen', () => ensureInstalled('peers', join(FIXTURES, 'sbom-peers'), PEERS, 'install', opts.reinstall));
  const truth = await npmLs();
  log(`npm ls --all: ${truth.keys.size} distinct name@version (${truth.nodes} nodes)`);
  if (truth.keys.size < MIN_PACKAGES) throw new BenchError(`the project has only ${truth.keys.size} packages; the benchmark needs ≥ ${MIN_PACKAGES}`);
  await setUp('vouch', () => buildVouch(opts.build));

  // 3. Timing.
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  mkdirSync(OUT, { recursive: true });
  const tools = makeTools(opts.tools);
  const timings = new Map<ToolId, Timing>(tools.map((t) => [t.id, { wallMs: [], rssKiB: [], cpuSec: [], failure: unavailable.get(t.id) }]));
  for (const t of tools) {
    const timing = timings.get(t.id)!;
    if (timing.failure !== undefined) continue;
    log(`${t.label}: warm-up`);
    timing.failure = await runTool(t, opts, timing);
    timing.wallMs.length = 0;
    timing.rssKiB.length = 0;
    timing.cpuSec.length = 0;
    if (timing.failure !== undefined) log(`${t.label}: FAILED ${timing.failure}`);
  }
  for (let i = 1; i <= opts.runs; i++) {
    for (const t of tools) {
      const timing = timings.get(t.id)!;
      if (timing.failure !== undefined) continue;
      timing.failure = await runTool(t, opts, timing);
      const last = timing.wallMs.at(-1);
      log(`${t.label}: run ${i}/${opts.runs} ${timing.failure ?? `${secs(last ?? NaN)} s wall, ${(timing.cpuSec.at(-1) ?? NaN).toFixed(2)} s CPU, ${mib(timing.rssKiB.at(-1) ?? NaN)} MiB`}`);
    }
  }

  // 4. Compare.
  const results = tools.map((tool) => compare(tool, timings.get(tool.id)!, truth));

  const md = report(results, truth, opts, offline, load);
  process.stdout.write(`\n${md}\n`);
  // A partial or failed run never replaces the published table.
  const failed = results.filter((r) => !ok(r.timing)).map((r) => r.tool.label);
  if (!opts.write) {
    log('--no-write: BENCHMARKS.md left alone');
  } else if (failed.length > 0 || tools.length < TOOL_IDS.length) {
    log(`BENCHMARKS.md left alone: ${failed.length > 0 ? `${failed.join(', ')} failed` : 'not every tool was run'}`);
  } else {
    upsertSection('sbom', md);
    log('wrote the sbom section of BENCHMARKS.md');
  }

  if (opts.profile && tools.some((t) => t.id === 'vouch')) await profileVouch(opts);
  return results.some((r) => r.timing.failure !== undefined) ? 1 : 0;
}

/** One more Vouch run under `node --cpu-prof`; prints the functions with the most self time. */
async function profileVouch(opts: Options): Promise<void> {
  const dir = join(DIR, 'profile');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const out = join(OUT, 'vouch.profile.cdx.json');
  await runOk('vouch --cpu-prof', NODE, ['--cpu-prof', '--cpu-prof-dir', dir, VOUCH_MAIN, 'sbom', PROJECT, '-o', `cyclonedx-json=${out}`], {
    cwd: ROOT,
    timeoutMs: opts.timeoutMs,
  });
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) throw new BenchError('node --cpu-prof wrote no profile');
  const p = summarizeProfile(join(dir, file), 25);
  const print = (title: string, spots: readonly HotSpot[]) => {
    process.stdout.write(`\n${title}:\n`);
    for (const s of spots) process.stdout.write(`  ${s.ms.toFixed(1).padStart(8)} ms ${(s.share * 100).toFixed(1).padStart(5)}%  ${s.where}\n`);
  };
  process.stdout.write(`\nVouch CPU profile: ${rel(join(dir, file))}, ${p.totalMs.toFixed(0)} ms sampled\n`);
  print('Self time', p.self);
  print('Inclusive time (the function and what it calls)', p.inclusive);
}

runMain('sbom', main);
