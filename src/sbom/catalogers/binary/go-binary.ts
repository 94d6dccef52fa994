/**
 * Go binaries: the modules and the Go toolchain a binary was built from, from its build info
 * (go-buildinfo.ts). Purls and spellings are those of the go.mod cataloger
 * (catalogers/golang/parse.ts), so that a binary and the source tree it was built from merge:
 *
 * - the main module (`mod` line) is the root; its version is '' when Go recorded `(devel)`
 *   (a build from a source checkout: `go build`, not `go install module@version`), which is
 *   also how the go.mod cataloger versions the module it describes. syft turns `(devel)` into
 *   a pseudo-version from `vcs.revision` and `vcs.time`; we keep those two in metadata
 *   instead of making up a version Go did not record.
 * - a binary built outside module mode (GOPATH, as Debian builds its Go packages) has no `mod`
 *   line: as syft does, its main package path (`path` line) stands for the root, with no
 *   version and `mainModule: "from path"` in metadata. `command-line-arguments` (`go build
 *   file.go`) names no package and gives no root.
 * - every `dep`, after its `=>` replacement: a module replacement takes the new path and
 *   version, a local directory replacement keeps the module path with no version and records
 *   the directory (as the go.mod cataloger does); the `h1:` sum is metadata, never a Package
 *   hash (it hashes a module zip's file list, not a file).
 * - the toolchain as `stdlib` at the version without `go` (`go1.19.8` → `1.19.8`;
 *   `go1.22.0 X:boringcrypto` → `1.22.0`; `go1.21.3-corp` → `1.21.3`), as syft, osv-scalibr and
 *   the go.mod cataloger spell it; not reported for development toolchains (`devel go1.23-…`).
 * - relationships: root → every dep (the binary does not say which are direct), root → stdlib.
 */
import { VouchError } from '../../../core/index.ts';
import type { Relationship, Warning } from '../../../formats/model/index.ts';
import { buildPurl } from '../../../formats/purl/index.ts';
import type { PackageInput, ParseContext, ParseResult } from '../../generic/index.ts';
import { ElfFormatError } from './elf.ts';
import { parseBuildInfo, readRawBuildInfo, type BuildInfo, type GoModule, type RawBuildInfo } from './go-buildinfo.ts';
import { probeElf } from './probe.ts';

const DEVEL = '(devel)';
/** Most build settings copied into the root's metadata. */
const MAX_SETTINGS = 64;

/** purl-spec golang: namespace and name split at the last `/` of the module path (as catalogers/golang golangPurl). */
export function goPurl(path: string, version: string): string {
  const i = path.lastIndexOf('/');
  return buildPurl({
    type: 'golang',
    namespace: i < 0 ? undefined : path.slice(0, i),
    name: i < 0 ? path : path.slice(i + 1),
    version,
  });
}

/** `go1.19.8` → `1.19.8`; undefined for a toolchain that is not a release (`devel ...`). */
export function stdlibVersion(goVersion: string): string | undefined {
  return /^go(\d+(?:\.\d+)*(?:(?:rc|beta)\d+)?)(?:[ -]|$)/.exec(goVersion)?.[1];
}

/** golang.org/x/mod/modfile.IsDirectoryPath: a replacement that names a local directory. */
function isDirectoryPath(p: string): boolean {
  return /^(\.\.?($|[/\\])|\/|\\\\|[A-Za-z]:[/\\])/.test(p);
}

/** Parser for any file: packages from the Go build info of an ELF binary; nothing for other files. */
export async function parseGoBinary(path: string, ctx: ParseContext): Promise<ParseResult> {
  const probed = await probeElf(path, ctx);
  if (!probed) return { packages: [] };
  let raw: RawBuildInfo | undefined;
  try {
    raw = await readRawBuildInfo(probed.src, probed.elf);
  } catch (err) {
    if (err instanceof ElfFormatError || err instanceof VouchError || err instanceof RangeError) {
      ctx.logger.debug(`go binary: ${path}: ${err.message}`);
      return { packages: [] };
    }
    throw err;
  }
  if (!raw) return { packages: [] };
  return goPackages(parseBuildInfo(raw.modinfo), raw.goVersion, path);
}

/** The packages and graph of one binary's build info. */
export function goPackages(bi: BuildInfo, goVersion: string, path: string): ParseResult {
  const packages: PackageInput[] = [];
  const relationships: Relationship[] = [];
  const warnings: Warning[] = [];
  const seen = new Set<string>();
  const add = (p: PackageInput): boolean => {
    if (seen.has(p.purl)) return false;
    seen.add(p.purl);
    packages.push(p);
    return true;
  };
  const purlOr = (module: string, version: string): string | undefined => {
    try {
      return goPurl(module, version);
    } catch (err) {
      if (!(err instanceof VouchError)) throw err;
      warnings.push({ location: { path }, message: `go binary: module ${JSON.stringify(module)} skipped: ${err.message}` });
      return undefined;
    }
  };

  let rootPurl: string | undefined;
  const fromPath = !bi.main && bi.path !== '' && bi.path !== 'command-line-arguments';
  const main: GoModule | undefined = bi.main ?? (fromPath ? { path: bi.path, version: DEVEL, sum: '' } : undefined);
  if (main && main.path !== '') {
    const version = main.version === DEVEL ? '' : main.version;
    rootPurl = purlOr(main.path, version);
    if (rootPurl) {
      const metadata: Record<string, string> = { goToolchain: goVersion };
      if (bi.path !== '') metadata.mainPackage = bi.path;
      if (fromPath) metadata.mainModule = 'from path';
      if (main.sum !== '') metadata.h1 = main.sum;
      for (const s of bi.settings.slice(0, MAX_SETTINGS)) metadata[`build.${s.key}`] = s.value;
      add({ name: main.path, version, type: 'golang', purl: rootPurl, isRoot: true, metadata });
    }
  }

  for (const dep of bi.deps) {
    const metadata: Record<string, string> = {};
    let name = dep.path;
    let version = dep.version === DEVEL ? '' : dep.version;
    let sum = dep.sum;
    const r = dep.replace;
    if (r) {
      metadata.replaces = `${dep.path}@${dep.version}`;
      if (isDirectoryPath(r.path)) {
        metadata.localPath = r.path;
        version = '';
      } else {
        name = r.path;
        version = r.version === DEVEL ? '' : r.version;
      }
      sum = r.sum;
    }
    if (sum !== '') metadata.h1 = sum;
    const purl = purlOr(name, version);
    if (!purl) continue;
    add({ name, version, type: 'golang', purl, ...(Object.keys(metadata).length > 0 ? { metadata } : {}) });
    if (rootPurl) relationships.push({ from: rootPurl, to: purl, type: 'depends-on' });
  }

  const stdVersion = stdlibVersion(goVersion);
  if (stdVersion !== undefined) {
    const purl = buildPurl({ type: 'golang', name: 'stdlib', version: stdVersion });
    add({ name: 'stdlib', version: stdVersion, type: 'golang', purl, metadata: { goToolchain: goVersion } });
    if (rootPurl) relationships.push({ from: rootPurl, to: purl, type: 'depends-on' });
  }
  return { packages, relationships, warnings };
}
