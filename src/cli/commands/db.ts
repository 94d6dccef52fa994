/** `vouch db import | status`: the local OSV advisory index that `vouch scan` will match against. */
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { VouchError } from '../../core/index.ts';
import { renderTable } from '../../formats/table/index.ts';
import { dbStatus, importOsv } from '../../scan/index.ts';
import { parseCommandArgs } from '../args.ts';
import type { Command, CommandIo } from '../command.ts';
import { writeResult } from '../output.ts';
import { createUi } from '../ui.ts';

/** `--db`, else `$VOUCH_CACHE_DIR/db/advisories.sqlite`, else under `$XDG_CACHE_HOME` or `~/.cache`. */
export function defaultDbPath(env: NodeJS.ProcessEnv): string {
  const cache = env.VOUCH_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'vouch');
  return join(cache, 'db', 'advisories.sqlite');
}

const MAX_PROBLEMS_SHOWN = 20;

export const dbCommand: Command = {
  name: 'db',
  summary: 'Build and inspect the local OSV advisory database (offline)',
  help: `Usage: vouch db import <SOURCE>... [flags]
       vouch db status [flags]

import   Read advisories into the local index. A SOURCE is a path or a URL:
           - OSV JSON files, folders of them, OSV's per-ecosystem all.zip archives
             (GitHub advisory JSON is OSV; so are osv.dev's Debian/Alpine/Ubuntu exports)
           - the Debian security tracker export (security-tracker.debian.org/tracker/data/json),
             streamed; stored per release as ecosystems Debian:12, Debian:11, ...
           - https://… URLs of any of these (http only to localhost), downloaded with a size
             cap; append #sha256=HEX to pin the digest
         The index is built aside and swapped in only when complete; a source whose digest
         is unchanged since the last import is not read again. A malformed advisory is
         reported and skipped. Severities (CVSS v4 > v3 > v2, else the advisory's rating)
         are computed at import.
status   Advisory counts per ecosystem (distro releases included), the sources, and the
         index's age.

Flags:
      --db FILE     the index (default: $VOUCH_CACHE_DIR/db/advisories.sqlite, else
                    ~/.cache/vouch/db/advisories.sqlite)
      --force       import: read every source again even when unchanged
      --json        machine-readable output on stdout
  -q, --quiet       no warnings or progress on stderr
      --debug       details on stderr
  -h, --help        this help

Exit codes: 0 ok; 3 a source could not be read or downloaded (the others are imported),
or no index, or an index of another schema version (import again to rebuild it).

Examples:
  vouch db import Go-all.zip PyPI-all.zip crates.io-all.zip
  vouch db import https://security-tracker.debian.org/tracker/data/json
  vouch db import https://osv-vulnerabilities.storage.googleapis.com/Go/all.zip#sha256=<hex>
  vouch db import ./advisory-database/advisories/github-reviewed --db ./advisories.sqlite
  vouch db status
  vouch db status --json | jq '.ecosystems'
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      db: { type: 'string' },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (values.help === true || positionals.length === 0) {
      await writeResult(undefined, this.help, io.stdout);
      return values.help === true ? 0 : 2;
    }
    const [sub, ...rest] = positionals as [string, ...string[]];
    const dbPath = values.db ?? defaultDbPath(io.env);
    const json = values.json === true;
    const ui = createUi({ quiet: values.quiet === true, debug: values.debug === true, stderr: io.stderr, env: io.env });
    if (sub === 'status') {
      if (rest.length > 0) throw new VouchError('USAGE', 'db status takes no arguments', { hint: 'vouch db --help' });
      return status(dbPath, json, io);
    }
    if (sub !== 'import') throw new VouchError('USAGE', `unknown db subcommand "${sub}"`, { hint: 'vouch db import | status' });
    if (rest.length === 0) throw new VouchError('USAGE', 'db import needs at least one SOURCE', { hint: 'vouch db --help' });
    await mkdir(dirname(dbPath), { recursive: true });
    let count = 0;
    const report = await importOsv(rest, dbPath, {
      // Problems come back in the report and are printed once below; the library's own warnings go to --debug.
      logger: { ...ui.logger, warn: (m: string) => ui.logger.debug(m) },
      force: values.force === true,
      onAdvisory: () => {
        if (++count % 500 === 0) ui.progress.update(`${count} advisories imported`);
      },
    });
    ui.progress.done();
    let failed = 0;
    for (const s of report.sources) {
      if (s.status === 'failed') failed++;
      s.problems.slice(0, MAX_PROBLEMS_SHOWN).forEach((p) => ui.warn(`${p.location}: ${p.error}`));
      if (s.problems.length > MAX_PROBLEMS_SHOWN) ui.warn(`${s.source}: ${s.problems.length - MAX_PROBLEMS_SHOWN} more problems`);
    }
    if (json) {
      await writeResult(undefined, `${JSON.stringify(report, null, 2)}\n`, io.stdout);
    } else {
      const rows = report.sources.map((s) => [s.source, s.status, String(s.advisories), String(s.skipped)]);
      await writeResult(undefined, renderTable(['SOURCE', 'STATUS', 'ADVISORIES', 'SKIPPED'], rows), io.stdout);
      if (!report.written) ui.logger.info(`${dbPath}: unchanged`);
    }
    if (failed > 0) {
      const download = report.sources.some((s) => s.status === 'failed' && s.problems.some((p) => /^https?:/.test(p.location)));
      ui.error(`${failed} source(s) could not be read; the others were imported [${download ? 'ADVISORY_DOWNLOAD' : 'IO_ERROR'}]`);
      return 3;
    }
    return 0;
  },
};

async function status(dbPath: string, json: boolean, io: CommandIo): Promise<0> {
  const s = dbStatus(dbPath);
  if (json) {
    await writeResult(undefined, `${JSON.stringify({ db: dbPath, ...s }, null, 2)}\n`, io.stdout);
    return 0;
  }
  const age = s.ageMs === undefined ? 'unknown' : formatAge(s.ageMs);
  const head = `${dbPath}\nschema ${s.schemaVersion}, built ${s.builtAt ?? 'unknown'} (${age} ago), ${s.advisories} advisories (${s.withdrawn} withdrawn)\n\n`;
  const rows = s.ecosystems.map((e) => [e.ecosystem, String(e.advisories), String(e.withdrawn)]);
  const sources = s.sources.map((x) => [x.source, x.kind, String(x.advisories), x.importedAt]);
  await writeResult(
    undefined,
    `${head}${renderTable(['ECOSYSTEM', 'ADVISORIES', 'WITHDRAWN'], rows)}\n${renderTable(['SOURCE', 'KIND', 'ADVISORIES', 'IMPORTED'], sources)}`,
    io.stdout,
  );
  return 0;
}

/** 90 s → "1 minute", 3 h → "3 hours", 50 h → "2.1 days". */
function formatAge(ms: number): string {
  const minutes = Math.max(0, ms) / 60_000;
  if (minutes < 120) return `${Math.round(minutes)} minute${Math.round(minutes) === 1 ? '' : 's'}`;
  const hours = minutes / 60;
  if (hours < 48) return `${Math.round(hours)} hours`;
  return `${(hours / 24).toFixed(1)} days`;
}
