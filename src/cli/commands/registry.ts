/**
 * `vouch registry gc | <admin subcommand>`: offline maintenance of a registry's storage (gc) and
 * the management subcommands of registry-admin.ts (users, projects, robots, audit), which talk
 * to a running server.
 */
import { join, resolve } from 'node:path';
import { homedir } from 'node:os';
import { VouchError } from '../../core/index.ts';
import { BlobStore, collectGarbage, DEFAULT_GC_SAFETY_WINDOW_MS, openRegistryMetadata, registryDbUrl } from '../../servers/registry/index.ts';
import { parseCommandArgs } from '../args.ts';
import type { Command, CommandIo } from '../command.ts';
import { writeResult } from '../output.ts';
import { ADMIN_SUBCOMMANDS } from './registry-admin.ts';

const GC_HELP = `Usage: vouch registry gc [--data DIR] [--db URL] [--delete] [flags]

Garbage-collect a registry's storage while it runs: untagged manifests that no tag, index or
subject keeps, blob links no manifest uses, and blob files nothing names. Anything younger
than the safety window is kept (a push in flight). Dry run by default: prints what would go.

Flags:
      --data DIR          the serve data folder (default $VOUCH_DATA_DIR, else ~/.local/share/vouch);
                          the registry's files are under DIR/registry
      --db URL            the PostgreSQL metadata database the servers use (default: SQLite in DIR/registry)
      --delete            delete (default: dry run)
      --window DURATION   safety window: keep what is younger (default 1h; e.g. 30m, 2h, 0s)
      --json              the report as JSON on stdout
  -q, --quiet             no summary on stderr
  -h, --help              this help
`;

function help(): string {
  const admin = Object.entries(ADMIN_SUBCOMMANDS)
    .map(([name, s]) => `  ${name.padEnd(9)} ${s.summary}`)
    .join('\n');
  return `Usage: vouch registry <SUBCOMMAND> [flags]

Subcommands:
  gc        garbage-collect unreferenced blobs and untagged manifests (dry run by default)
${admin}
Run \`vouch registry <SUBCOMMAND> --help\` for a subcommand's flags.

${GC_HELP.split('\n').slice(6).join('\n')}
Examples:
  vouch registry gc --data /srv/vouch
  vouch registry gc --data /srv/vouch --delete --window 2h
  vouch registry gc --data /srv/vouch --db postgres://vouch@db.internal/vouch --json
`;
}

export const registryCommand: Command = {
  name: 'registry',
  summary: 'Maintain and administer a Vouch registry (gc, users, projects, robots, audit)',
  get help() {
    return help();
  },
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === '-h' || sub === '--help') {
      await writeResult(undefined, help(), io.stdout);
      return sub === undefined ? 2 : 0;
    }
    if (sub === 'gc') return gc(rest, io);
    const admin = ADMIN_SUBCOMMANDS[sub];
    if (admin !== undefined) {
      if (rest.includes('-h') || rest.includes('--help')) {
        await writeResult(undefined, admin.help, io.stdout);
        return 0;
      }
      return admin.run(rest, io);
    }
    throw new VouchError('USAGE', `unknown registry subcommand "${sub}"`, { hint: `subcommands: ${['gc', ...Object.keys(ADMIN_SUBCOMMANDS)].join(', ')}` });
  },
};

export function parseDuration(text: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  if (m === null) throw new VouchError('USAGE', `bad duration "${text}" (want e.g. 30s, 10m, 2h, 1d)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

async function gc(argv: readonly string[], io: CommandIo): Promise<0 | 2> {
  const { values, positionals } = parseCommandArgs(argv, {
    data: { type: 'string' },
    db: { type: 'string' },
    delete: { type: 'boolean' },
    window: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help === true) {
    await writeResult(undefined, GC_HELP, io.stdout);
    return 0;
  }
  if (positionals.length > 0) throw new VouchError('USAGE', `registry gc takes no arguments (got ${positionals[0]})`, { hint: 'vouch registry gc --help' });
  const dataDir = join(resolve(values.data ?? io.env.VOUCH_DATA_DIR ?? join(homedir(), '.local', 'share', 'vouch')), 'registry');
  const dbUrl = values.db ?? io.env.VOUCH_DB_URL;
  const window = values.window === undefined ? DEFAULT_GC_SAFETY_WINDOW_MS : parseDuration(values.window);
  const blobs = new BlobStore(dataDir);
  await blobs.init();
  const meta = await openRegistryMetadata(registryDbUrl(dataDir, dbUrl));
  try {
    const report = await collectGarbage(meta, blobs, { delete: values.delete === true, safetyWindowMs: window });
    if (values.json === true) {
      await writeResult(undefined, `${JSON.stringify(report, null, 2)}\n`, io.stdout);
    } else {
      const verb = report.dryRun ? 'would delete' : 'deleted';
      const lines = [
        ...report.manifests.map((m) => `${verb} manifest ${m.repository}@${m.digest}`),
        ...report.blobLinks.map((l) => `${verb} blob link ${l.repository}@${l.digest}`),
        ...report.blobs.map((b) => `${verb} blob ${b.digest} (${b.size} bytes)`),
        ...report.uploads.map((u) => `${verb} upload ${u}`),
        `${report.dryRun ? 'dry run: ' : ''}${report.manifests.length} manifests, ${report.blobLinks.length} blob links, ${report.blobs.length} blobs (${report.bytes} bytes), ${report.uploads.length} uploads${report.dryRun ? ' (run with --delete to delete)' : ''}`,
      ];
      await writeResult(undefined, `${lines.join('\n')}\n`, io.stdout);
    }
  } finally {
    await meta.close();
  }
  return 0;
}
