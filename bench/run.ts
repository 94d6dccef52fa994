/**
 * `npm run bench`: run every benchmark script in bench/ (each `*.ts` here except this one),
 * one after another, with the same Node and the same arguments (`npm run bench -- --runs 3`).
 * Each script rewrites its own section of BENCHMARKS.md or its bench/results/<name>.md, which
 * scripts/benchmarks-md.ts then copies into BENCHMARKS.md. Exit status: the worst of theirs.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const here = import.meta.dirname;
const scripts = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .sort();

let worst = 0;
for (const s of scripts) {
  process.stderr.write(`\n=== bench/${s} ===\n`);
  const r = spawnSync(process.execPath, [join(here, s), ...process.argv.slice(2)], { stdio: 'inherit' });
  const code = r.status ?? 1;
  if (code !== 0) process.stderr.write(`bench/${s} exited with ${code}${r.signal ? ` (${r.signal})` : ''}\n`);
  worst = Math.max(worst, code);
}
spawnSync(process.execPath, [join(here, '..', 'scripts', 'benchmarks-md.ts')], { stdio: 'inherit' });
process.exitCode = worst;
