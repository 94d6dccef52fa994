/**
 * Shared pieces for the benchmark scripts in bench/: running a command with a time limit,
 * measuring wall time and peak memory, describing the machine, and writing one section of
 * BENCHMARKS.md. The benchmarks are never run by the test suite or CI: they are slow and some
 * need the npm registry.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, availableParallelism, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** The repository root (bench/lib/ → ../..). */
export const ROOT = resolve(import.meta.dirname, '..', '..');
/** Node 24 from the dev dependency `node`; the system node may be older. */
export const NODE = join(ROOT, 'node_modules', '.bin', 'node');
/** Scratch space for installs and outputs; git-ignored. */
export const WORK = join(ROOT, 'bench', '.work');
export const BENCHMARKS_MD = join(ROOT, 'BENCHMARKS.md');
const GNU_TIME = '/usr/bin/time';

/** An error the benchmark explains to the user without a stack trace. */
export class BenchError extends Error {
  override name = 'BenchError';
}

/** PATH with our node_modules/.bin first, so `node` and `#!/usr/bin/env node` scripts get Node 24. */
export function benchEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`, ...extra };
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Kill the whole process group after this many milliseconds. */
  readonly timeoutMs: number;
  /** Send stdout to this file instead of capturing it. */
  readonly stdoutFile?: string;
  /** Measure peak RSS with GNU time. */
  readonly measure?: boolean;
  /** Run inside a new, empty network namespace (`unshare -n`): the command cannot reach any host. */
  readonly offline?: boolean;
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time from spawn to exit, milliseconds. */
  readonly wallMs: number;
  /** Peak resident set size in KiB of the largest single process in the tree (GNU time %M), when measured. */
  readonly maxRssKiB: number | undefined;
  /** User + system CPU seconds of the command and its waited-for children (GNU time %U + %S), when measured. */
  readonly cpuSec: number | undefined;
}

const MAX_CAPTURE = 4 * 1024 * 1024;

/**
 * Spawn a command in its own process group and wait for it, killing the group at the deadline.
 * With `measure`, GNU time wraps it: `%M` is ru_maxrss from wait4(), the peak of the biggest
 * process among the command and the children it waited for (not a sum over the tree).
 * `unshare -n` exec()s the command in place, so it adds no process and ~3 ms.
 */
export async function run(cmd: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  let argv = [cmd, ...args];
  if (options.offline === true) argv = ['unshare', '-n', '--', ...argv];
  let timeFile: string | undefined;
  let tmp: string | undefined;
  if (options.measure === true) {
    tmp = mkdtempSync(join(tmpdir(), 'vouch-bench-'));
    timeFile = join(tmp, 'time');
    argv = [GNU_TIME, '-f', '%e %M %U %S', '-o', timeFile, ...argv];
  }
  const outFd = options.stdoutFile !== undefined ? openSync(options.stdoutFile, 'w') : undefined;
  try {
    const start = process.hrtime.bigint();
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: options.cwd ?? ROOT,
      env: options.env ?? benchEnv(),
      stdio: ['ignore', outFd ?? 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      if (stdout.length < MAX_CAPTURE) stdout += d;
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < MAX_CAPTURE) stderr += d;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, options.timeoutMs);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((res, rej) => {
      child.on('error', rej);
      child.on('close', (c, s) => res([c, s]));
    });
    clearTimeout(timer);
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    let maxRssKiB: number | undefined;
    let cpuSec: number | undefined;
    if (timeFile !== undefined && existsSync(timeFile)) {
      // GNU time writes "Command exited with non-zero status N" before the format line on failure.
      const [, rss, user, sys] = (readFileSync(timeFile, 'utf8').trim().split('\n').at(-1) ?? '').split(' ').map(Number);
      if (rss !== undefined && Number.isFinite(rss)) maxRssKiB = rss;
      if (user !== undefined && sys !== undefined && Number.isFinite(user + sys)) cpuSec = user + sys;
    }
    return { code, signal, timedOut, stdout, stderr, wallMs, maxRssKiB, cpuSec };
  } finally {
    if (outFd !== undefined) closeSync(outFd);
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
  }
}

/** Run and demand exit 0; the error names the command and shows the end of its stderr. */
export async function runOk(what: string, cmd: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const r = await run(cmd, args, options);
  if (r.timedOut) throw new BenchError(`${what}: timed out after ${Math.round(options.timeoutMs / 1000)} s (${[cmd, ...args].join(' ')})`);
  if (r.code !== 0) {
    throw new BenchError(`${what}: exit ${r.code ?? r.signal} (${[cmd, ...args].join(' ')})\n${excerpt(r.stderr || r.stdout)}`);
  }
  return r;
}

/** The last `n` lines, without npm's noise about unknown user config. */
export function tail(text: string, n: number): string {
  return text
    .split('\n')
    .filter((l) => !/Unknown user config/.test(l))
    .slice(-n)
    .join('\n');
}

/** The first and last lines of a long output (npm puts the cause first, most tools last). */
export function excerpt(text: string, head = 8, last = 6): string {
  const lines = text.split('\n').filter((l) => !/Unknown user config/.test(l) && l.trim() !== '' && l.trim() !== 'npm error');
  return lines.length <= head + last ? lines.join('\n') : [...lines.slice(0, head), '…', ...lines.slice(-last)].join('\n');
}

/** First line of a command's stdout, or undefined when it cannot run. */
export function firstLine(cmd: string, args: readonly string[], cwd = ROOT): string | undefined {
  const r = spawnSync(cmd, args, { cwd, env: benchEnv(), encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) return undefined;
  return r.stdout.trim().split('\n')[0];
}

/** Whether GNU time is installed (needed for peak memory). */
export function haveGnuTime(): boolean {
  return existsSync(GNU_TIME);
}

/** Whether this machine lets us run a command with no network (`unshare -n`; needs root or user namespaces). */
export function canUnshareNet(): boolean {
  return spawnSync('unshare', ['-n', '--', 'true'], { timeout: 10_000 }).status === 0;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly date: string;
}

export function machine(): Machine {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpuModel = m[1]!.trim();
  } catch {
    // not Linux: keep os.cpus()
  }
  let os = `Linux ${release()}`;
  try {
    const m = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (m) os = `${m[1]!} (kernel ${release()})`;
  } catch {
    // keep the kernel release
  }
  return {
    cpus: availableParallelism(),
    cpuModel,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os,
    node: firstLine(NODE, ['--version']) ?? process.version,
    date: new Date().toISOString().slice(0, 10),
  };
}

export function machineLine(m: Machine): string {
  return `${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB RAM, ${m.os}, Node ${m.node}`;
}

/** A Markdown table; cells must not contain `|`. */
export function mdTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

const PREAMBLE = `# Benchmarks

Measured by the scripts in [bench/](bench/), one section per benchmark; each script rewrites
only its own section. Run them all with \`npm run bench\` (slow; needs the npm registry for the
first install), or one with the command shown in its section. Numbers are from one machine on
one day: compare rows within a section, not across machines.
`;

/**
 * Replace (or append) the section between `<!-- bench:ID:start -->` and `<!-- bench:ID:end -->`
 * in BENCHMARKS.md, leaving every other section as it is.
 */
export function upsertSection(id: string, markdown: string, file = BENCHMARKS_MD): void {
  const start = `<!-- bench:${id}:start -->`;
  const end = `<!-- bench:${id}:end -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const text = existsSync(file) ? readFileSync(file, 'utf8') : PREAMBLE;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  const next = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
}

/** Write a file, creating its folder. */
export function writeText(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

/** `--runs` and `--timeout` as every bench script takes them. */
export function runsAndTimeout(values: { readonly runs: string; readonly timeout: string }): { runs: number; timeoutMs: number } {
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 100) throw new BenchError(`--runs must be an integer from 1 to 100, not "${values.runs}"`);
  const timeout = Number(values.timeout);
  if (!(timeout > 0)) throw new BenchError(`--timeout must be a positive number of seconds, not "${values.timeout}"`);
  return { runs, timeoutMs: timeout * 1000 };
}

/** A comma-separated `--FLAG a,b` list, each item one of `known`. */
export function pickList<T extends string>(raw: string, known: readonly T[], flag: string, noun: string): T[] {
  const items = raw.split(',').map((c) => c.trim());
  for (const c of items) {
    if (!(known as readonly string[]).includes(c)) throw new BenchError(`--${flag}: unknown ${noun} "${c}" (known: ${known.join(', ')})`);
  }
  return items as T[];
}

/** Run a bench script's main(): BenchError → one line and exit 2; anything else → stack and exit 3. */
export function runMain(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      if (err instanceof BenchError) {
        process.stderr.write(`[${name}] error: ${err.message}\n`);
        process.exitCode = 2;
      } else {
        process.stderr.write(`[${name}] unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exitCode = 3;
      }
    },
  );
}
