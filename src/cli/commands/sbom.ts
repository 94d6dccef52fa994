/** `vouch sbom <target>`: inventory a source tree or file and write SBOMs. */
import { VouchError } from '../../core/index.ts';
import { loadSbomWriter, SBOM_FORMAT_NAMES } from '../../formats/sbom-writers/index.ts';
import { inventoryTable } from '../../formats/table/index.ts';
import { buildInventory } from '../../sbom/index.ts';
import { parseCommandArgs, parseOutputs } from '../args.ts';
import type { Command } from '../command.ts';
import { writeResult } from '../output.ts';
import { createUi } from '../ui.ts';

const FORMATS = ['table', ...SBOM_FORMAT_NAMES];

export const sbomCommand: Command = {
  name: 'sbom',
  summary: 'Generate an SBOM (CycloneDX, SPDX, JSON) of a directory or file',
  help: `Usage: vouch sbom <target> [flags]

Catalog every package of a source tree or a single file — npm, yarn and pnpm lockfiles,
node_modules, Python lockfiles and site-packages, go.mod, Cargo.lock, Gemfile.lock,
composer.lock, pom.xml, Gradle lockfiles, JAR/WAR/EAR, .NET lockfiles — and write SBOMs.

Targets:
  dir:PATH | PATH        a directory (a bare path that is a directory)
  file:PATH | PATH       a single file (a bare path that is a file)

Flags:
  -o, --output FORMAT[=FILE]   output format, repeatable; FILE or stdout (default: table)
                               formats: ${FORMATS.join(', ')}
      --exclude NAME           directory name to skip while walking (repeatable)
      --no-dev                 leave out dev-only dependencies (syft and cdxgen do by default)
      --deterministic          byte-identical output for the same input (timestamp from
                               SOURCE_DATE_EPOCH, else 1970-01-01; ids from content)
  -q, --quiet                  no warnings or progress on stderr
      --debug                  details and stack traces on stderr
  -h, --help                   this help

Dev dependencies are included by default (as \`npm sbom\` does) and marked as such.
SOURCE_DATE_EPOCH in the environment also makes the output deterministic.

Examples:
  vouch sbom .                                   table of the packages under .
  vouch sbom dir:app -o cyclonedx-json=app.cdx.json -o spdx-json=app.spdx.json
  vouch sbom file:package-lock.json -o cyclonedx-xml
  vouch sbom . -o cyclonedx-json@1.5 --no-dev
  SOURCE_DATE_EPOCH=1700000000 vouch sbom . -o json > inventory.json
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      output: { type: 'string', short: 'o', multiple: true },
      exclude: { type: 'string', multiple: true },
      'no-dev': { type: 'boolean' },
      deterministic: { type: 'boolean' },
    });
    if (values.help === true) {
      await writeResult(undefined, this.help, io.stdout);
      return 0;
    }
    if (positionals.length !== 1) {
      throw new VouchError('USAGE', positionals.length === 0 ? 'missing <target>' : `one target expected, got ${positionals.length}`, {
        hint: 'vouch sbom --help',
      });
    }
    const outputs = parseOutputs(values.output, 'table', FORMATS);
    const ui = createUi({ quiet: values.quiet === true, debug: values.debug === true, stderr: io.stderr, env: io.env });
    const sourceDateEpoch = parseEpoch(io.env.SOURCE_DATE_EPOCH, values.deterministic === true);

    const inventory = await buildInventory(positionals[0]!, {
      logger: ui.logger,
      progress: ui.progress,
      includeDev: values['no-dev'] !== true,
      exclude: values.exclude ?? [],
      ...(sourceDateEpoch === undefined ? {} : { sourceDateEpoch }),
    });
    for (const w of inventory.warnings) {
      ui.warn(`${w.location.path}${w.location.line === undefined ? '' : `:${w.location.line}`}: ${w.message}`);
    }
    for (const o of outputs) {
      const content = o.format === 'table' ? inventoryTable(inventory) : (await loadSbomWriter(o.format))!(inventory);
      await writeResult(o.file, content, io.stdout);
    }
    return 0;
  },
};

function parseEpoch(env: string | undefined, flag: boolean): number | undefined {
  if (env !== undefined && env !== '') {
    if (!/^\d{1,12}$/.test(env)) throw new VouchError('USAGE', `SOURCE_DATE_EPOCH must be whole seconds since 1970, got "${env}"`);
    return Number(env);
  }
  return flag ? 0 : undefined;
}
