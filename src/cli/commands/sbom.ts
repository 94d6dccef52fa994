/** `vouch sbom <target>`: inventory a source tree or file and write SBOMs. */
import { VouchError } from '../../core/index.ts';
import { loadSbomWriter, SBOM_FORMAT_NAMES } from '../../formats/sbom-writers/index.ts';
import { inventoryTable } from '../../formats/table/index.ts';
import { buildInventory } from '../../sbom/index.ts';
import { parseCommandArgs, parseOutputs } from '../args.ts';
import type { Command } from '../command.ts';
import { writeResult } from '../output.ts';
import { TARGET_FLAGS, targetOptions } from '../target-flags.ts';
import { createUi } from '../ui.ts';

const FORMATS = ['table', ...SBOM_FORMAT_NAMES];

export const sbomCommand: Command = {
  name: 'sbom',
  summary: 'Generate an SBOM (CycloneDX, SPDX, JSON) of a directory, file or container image',
  help: `Usage: vouch sbom <target> [flags]

Catalog every package of a source tree, a single file or a container image — npm, yarn and
pnpm lockfiles, node_modules, Python lockfiles and site-packages, go.mod, Cargo.lock,
Gemfile.lock, composer.lock, pom.xml, Gradle lockfiles, JAR/WAR/EAR, .NET lockfiles; in
images also dpkg, apk and rpm packages, Go and Rust binaries — and write SBOMs.

Targets:
  dir:PATH | PATH             a directory (a bare path that is a directory)
  file:PATH | PATH            a single file (a bare path that is a file)
  oci-dir:PATH                an OCI image layout
  oci-archive:FILE            a tar of an OCI image layout
  docker-archive:FILE         \`docker save\` output
  registry:REF | REF          an image in a registry (a bare argument that is no path)

Flags:
  -o, --output FORMAT[=FILE]   output format, repeatable; FILE or stdout (default: table)
                               formats: ${FORMATS.join(', ')}
      --exclude NAME           directory name to skip while walking (repeatable)
      --no-dev                 leave out dev-only dependencies (syft and cdxgen do by default)
      --deterministic          byte-identical output for the same input (timestamp from
                               SOURCE_DATE_EPOCH, else 1970-01-01; ids from content)
      --platform OS/ARCH[/VAR] image platform to use from a multi-platform image (default: host)
      --scope SCOPE            image filesystem: squashed (what the container sees; default)
                               or all-layers (also files deleted or replaced by upper layers)
      --insecure               registry: allow plain HTTP or unverified TLS (always allowed
                               for localhost)
      --creds USER:PASSWORD    registry credentials (default: REGISTRY_AUTH_FILE,
                               ~/.docker/config.json, containers auth.json)
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
  vouch sbom oci-dir:./layout -o spdx-json=image.spdx.json
  vouch sbom registry:localhost:5000/app:1.0 --platform linux/arm64 -o cyclonedx-json
  SOURCE_DATE_EPOCH=1700000000 vouch sbom . -o json > inventory.json
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      output: { type: 'string', short: 'o', multiple: true },
      deterministic: { type: 'boolean' },
      ...TARGET_FLAGS,
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
      ...targetOptions(values, io.env),
      logger: ui.logger,
      progress: ui.progress,
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
