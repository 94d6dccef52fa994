/**
 * `vouch scan` benchmark: a ~2,700-component CycloneDX SBOM made from the real lockfiles in
 * ../shared/data/lockfiles, scanned against a warm advisory database built from the real OSV data
 * (Go, PyPI, crates.io all.zip + the GHSA sample: 8,328 advisories).
 *
 *   node_modules/.bin/node bench/scan-cli.ts [--runs 5] [--timeout 300]
 *
 * 1. Builds dist/ into bench/.work/scan-cli/dist (tsc -p tsconfig.build.json --outDir ...), so the
 *    CLI runs as users run it (compiled JavaScript), without touching the repository's dist/
 *    (bench/.work/scan-cli/pkg/{package.json,dist}).
 * 2. `vouch db import` of the four OSV sources into bench/.work/scan-cli/advisories.sqlite.
 * 3. `vouch sbom <lockfiles> -o cyclonedx-json=sbom.cdx.json` (the input; its component count is reported).
 * 4. One warm-up scan, then N timed runs of `vouch scan sbom.cdx.json -o json=...` and of the same
 *    lockfile tree scanned directly (inventory + match), under GNU time for peak RSS.
 * Results go to bench/results/scan-cli.md (median of the N runs).
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BenchError, haveGnuTime, machine, machineLine, mdTable, median, NODE, ROOT, run, runMain, runOk, runsAndTimeout, WORK, writeText } from './lib/harness.ts';

const DATA = join(ROOT, '..', 'shared', 'data');
const HERE = join(WORK, 'scan-cli');

function log(m: string): void {
  process.stderr.write(`[scan-cli] ${m}\n`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, timeout: { type: 'string', default: '300' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help === true) {
    process.stdout.write('Usage: node_modules/.bin/node bench/scan-cli.ts [--runs 5] [--timeout 300]\n');
    return 0;
  }
  const { runs, timeoutMs } = runsAndTimeout(values);
  rmSync(HERE, { recursive: true, force: true });
  mkdirSync(HERE, { recursive: true });
  // dist/ beside a copy of package.json, as in the package (core/version.ts reads ../../package.json).
  mkdirSync(join(HERE, 'pkg'), { recursive: true });
  copyFileSync(join(ROOT, 'package.json'), join(HERE, 'pkg', 'package.json'));
  const dist = join(HERE, 'pkg', 'dist');
  log('building dist…');
  await run(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json', '--outDir', dist], { timeoutMs: 600_000 });
  const bin = join(dist, 'cli', 'bin.js');
  const vouch = (args: string[], measure = false) => run(NODE, [bin, ...args], { timeoutMs, measure: measure && haveGnuTime() });
  const db = join(HERE, 'advisories.sqlite');
  log('importing the OSV data…');
  const osv = join(DATA, 'osv');
  await runOk('db import', NODE, [bin, 'db', 'import', join(osv, 'Go-all.zip'), join(osv, 'PyPI-all.zip'), join(osv, 'crates.io-all.zip'), join(osv, 'ghsa-sample'), '--db', db, '-q'], { timeoutMs });
  const sbom = join(HERE, 'sbom.cdx.json');
  const lockfiles = join(DATA, 'lockfiles');
  await runOk('sbom', NODE, [bin, 'sbom', lockfiles, '-q', '-o', `cyclonedx-json=${sbom}`], { timeoutMs });
  const components = (JSON.parse(readFileSync(sbom, 'utf8')) as { components?: unknown[] }).components?.length ?? 0;
  log(`SBOM: ${components} components`);

  const cases = [
    { name: `scan of the CycloneDX SBOM (${components} components)`, args: ['scan', sbom, '--db', db, '-q', '-o', `json=${join(HERE, 'out-sbom.json')}`] },
    { name: 'scan of the lockfile tree (inventory + match)', args: ['scan', lockfiles, '--db', db, '-q', '-o', `json=${join(HERE, 'out-dir.json')}`] },
  ];
  const load = loadavg().map((l) => l.toFixed(2)).join(', ');
  const rows: string[][] = [];
  for (const c of cases) {
    const warm = await vouch(c.args);
    if (warm.code !== 0) throw new BenchError(`${c.name}: exit ${warm.code}\n${warm.stderr}`);
    const walls: number[] = [];
    const rss: number[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await vouch(c.args, true);
      if (r.code !== 0) throw new BenchError(`${c.name}: exit ${r.code}\n${r.stderr}`);
      walls.push(r.wallMs / 1000);
      if (r.maxRssKiB !== undefined) rss.push(r.maxRssKiB / 1024);
      log(`${c.name}: ${(r.wallMs / 1000).toFixed(2)} s`);
    }
    const out = JSON.parse(readFileSync(c.args[c.args.length - 1]!.slice(5), 'utf8')) as { matches: unknown[]; packages: { total: number } };
    rows.push([c.name, median(walls).toFixed(2), `${Math.min(...walls).toFixed(2)}–${Math.max(...walls).toFixed(2)}`, rss.length > 0 ? median(rss).toFixed(0) : 'n/a', String(out.packages.total), String(out.matches.length)]);
  }
  const m = machine();
  const md = `# vouch scan (CLI, warm database)

\`node_modules/.bin/node bench/scan-cli.ts --runs ${runs}\`: median of ${runs} runs after one warm-up, compiled CLI (\`dist/\`).
Database: Go, PyPI and crates.io \`all.zip\` plus the npm/Maven GHSA sample from ../shared/data/osv (8,328 advisories).
Input: the CycloneDX 1.6 SBOM that \`vouch sbom\` makes of ../shared/data/lockfiles, and that tree itself.

Machine: ${machineLine(m)}; load average before the runs ${load} (other work on the machine inflates wall time). Date: ${m.date}.

${mdTable(['Case', 'Median wall (s)', 'Range (s)', 'Peak RSS (MiB)', 'Packages', 'Findings'], rows)}
`;
  writeText(join(ROOT, 'bench', 'results', 'scan-cli.md'), md);
  process.stdout.write(md);
  return 0;
}

runMain('scan-cli', main);
