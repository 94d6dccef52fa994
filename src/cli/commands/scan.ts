/** `vouch scan <target>`: match a directory, file, image or existing SBOM against the local advisory database. */
import { VouchError } from '../../core/index.ts';
import {
  DEFAULT_MAX_DB_AGE_DAYS,
  matchesAtOrAbove,
  parseSeverityLevel,
  scan,
  SCAN_REPORT_FORMATS,
  SEVERITY_LEVELS,
  writeScanReport,
  type ScanReportFormat,
  type SeverityLevel,
  type SeverityPainter,
} from '../../scan/index.ts';
import { parseCommandArgs, parseOutputs } from '../args.ts';
import type { Command } from '../command.ts';
import { writeResult } from '../output.ts';
import { TARGET_FLAGS, targetOptions } from '../target-flags.ts';
import { colorsFor, createUi } from '../ui.ts';
import { defaultDbPath } from './db.ts';

const FORMATS: readonly string[] = SCAN_REPORT_FORMATS;

export const scanCommand: Command = {
  name: 'scan',
  summary: 'Find known vulnerabilities in a directory, file, image or SBOM (offline)',
  help: `Usage: vouch scan <target> [flags]

Inventory the target as \`vouch sbom\` does (or read an existing CycloneDX or SPDX JSON SBOM,
e.g. from syft, trivy or cdxgen), match every package against the local OSV advisory
database (\`vouch db import\`), drop what VEX documents and .vouchignore suppress, and report.

Targets:
  dir:PATH | PATH             a directory
  file:PATH | PATH            a lockfile, or an SBOM (CycloneDX/SPDX JSON, detected by content)
  sbom:FILE                   an SBOM, explicitly
  oci-dir:PATH, oci-archive:FILE, docker-archive:FILE, registry:REF | REF   an image

Flags:
  -o, --output FORMAT[=FILE]   report format, repeatable; FILE or stdout (default: table)
                               formats: ${FORMATS.join(', ')}
      --fail-on SEVERITY       exit 1 when a finding at or above SEVERITY remains after
                               suppression (${SEVERITY_LEVELS.join(', ')}; unknown ranks lowest)
      --only-fixed             report only findings that have a fixed version
      --ignore-file FILE       suppression rules (default: .vouchignore in the target directory)
      --vex FILE               OpenVEX, CycloneDX VEX or CSAF VEX document (repeatable): not_affected
                               with a justification, and fixed, suppress
      --db FILE                the advisory database (default: $VOUCH_CACHE_DIR/db/advisories.sqlite,
                               else ~/.cache/vouch/db/advisories.sqlite)
      --max-db-age DAYS        warn when the database is older (default ${DEFAULT_MAX_DB_AGE_DAYS}; VOUCH_DB_MAX_AGE);
                               never fails the scan
      --exclude NAME           directory name to skip while walking (repeatable)
      --no-dev                 leave out dev-only dependencies
      --platform OS/ARCH[/VAR] image platform (multi-platform images)
      --scope SCOPE            image filesystem: squashed (default) or all-layers
      --insecure               registry: allow plain HTTP or unverified TLS
      --creds USER:PASSWORD    registry credentials
  -q, --quiet                  no warnings or progress on stderr
      --debug                  details on stderr (packages that could not be matched)
  -h, --help                   this help

.vouchignore (YAML):
  - id: CVE-2022-24785          # or ids: [...]; matches the id or any alias
    package: pkg:npm/moment     # optional: purl (version optional) or package name
    expires: 2026-12-31         # optional; an expired entry stops suppressing (and is reported)
    reason: not reachable from our code

Exit codes: 0 ok (or no finding at/above --fail-on); 1 --fail-on matched; 2 usage; 3 error
(no database, unreadable target, SBOM or VEX).

Examples:
  vouch db import Go-all.zip PyPI-all.zip && vouch scan .
  vouch scan . --fail-on high -o sarif=vouch.sarif
  vouch scan sbom.cdx.json -o json=scan.json -o table
  vouch scan file:poetry.lock --only-fixed --fail-on medium
  vouch scan oci-archive:app.tar --vex app.openvex.json -o cyclonedx-json=app.vex.cdx.json
  vouch scan registry:localhost:5000/app:1.0 -o openvex
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      output: { type: 'string', short: 'o', multiple: true },
      'fail-on': { type: 'string' },
      'only-fixed': { type: 'boolean' },
      'ignore-file': { type: 'string' },
      vex: { type: 'string', multiple: true },
      db: { type: 'string' },
      'max-db-age': { type: 'string' },
      ...TARGET_FLAGS,
    });
    if (values.help === true) {
      await writeResult(undefined, this.help, io.stdout);
      return 0;
    }
    if (positionals.length !== 1) {
      throw new VouchError('USAGE', positionals.length === 0 ? 'missing <target>' : `one target expected, got ${positionals.length}`, { hint: 'vouch scan --help' });
    }
    const outputs = parseOutputs(values.output, 'table', FORMATS);
    let failOn: SeverityLevel | undefined;
    if (values['fail-on'] !== undefined) {
      failOn = parseSeverityLevel(values['fail-on']);
      if (failOn === undefined) throw new VouchError('USAGE', `--fail-on must be one of ${SEVERITY_LEVELS.join(', ')}, got "${values['fail-on']}"`);
    }
    const maxAgeRaw = values['max-db-age'] ?? io.env.VOUCH_DB_MAX_AGE;
    let maxDbAgeDays = DEFAULT_MAX_DB_AGE_DAYS;
    if (maxAgeRaw !== undefined && maxAgeRaw !== '') {
      if (!/^\d+(?:\.\d+)?$/.test(maxAgeRaw)) throw new VouchError('USAGE', `--max-db-age (or VOUCH_DB_MAX_AGE) must be a number of days, got "${maxAgeRaw}"`);
      maxDbAgeDays = Number(maxAgeRaw);
    }
    const ui = createUi({ quiet: values.quiet === true, debug: values.debug === true, stderr: io.stderr, env: io.env });

    const result = await scan(positionals[0]!, {
      db: values.db ?? defaultDbPath(io.env),
      logger: ui.logger,
      maxDbAgeDays,
      onlyFixed: values['only-fixed'] === true,
      vex: values.vex ?? [],
      ...(values['ignore-file'] === undefined ? {} : { ignoreFile: values['ignore-file'] }),
      inventory: { ...targetOptions(values, io.env), progress: ui.progress },
    });
    ui.progress.done();
    for (const w of result.warnings) ui.warn(`${w.location.path}${w.location.line === undefined ? '' : `:${w.location.line}`}: ${w.message}`);
    if (result.problems.length > 0) {
      ui.warn(`${result.problems.length} package(s) could not be matched${values.debug === true ? ':' : ' (--debug lists them)'}`);
      for (const p of result.problems.slice(0, values.debug === true ? result.problems.length : 0)) ui.logger.debug(`${p.purl}: ${p.error}`);
    }
    for (const n of result.vexNotApplied) ui.logger.debug(`${n.document}: ${n.id} in ${n.purl} is "${n.status}": not suppressed`);

    for (const o of outputs) {
      const stream = o.file === undefined ? io.stdout : undefined;
      const paint = stream !== undefined ? painter(stream as NodeJS.WriteStream, io.env) : undefined;
      await writeResult(o.file, await writeScanReport(o.format as ScanReportFormat, result, paint), io.stdout);
    }
    if (failOn !== undefined) {
      const over = matchesAtOrAbove(result, failOn);
      if (over.length > 0) {
        ui.error(`${over.length} vulnerabilit${over.length === 1 ? 'y' : 'ies'} at or above ${failOn} (${[...new Set(over.map((m) => m.id))].slice(0, 5).join(', ')}${over.length > 5 ? ', ...' : ''}) [VULNERABILITIES_FOUND]`);
        return 1;
      }
    }
    return 0;
  },
};

/** Severity colours on a TTY (NO_COLOR / FORCE_COLOR respected through colorsFor). */
function painter(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): SeverityPainter {
  const c = colorsFor(stream, env);
  return (level, text) => (level === 'critical' ? c.bold(c.red(text)) : level === 'high' ? c.red(text) : level === 'medium' ? c.yellow(text) : level === 'low' ? text : c.dim(text));
}
