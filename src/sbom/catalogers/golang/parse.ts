/**
 * Go modules: go.mod (with the go.sum beside it) and a lone go.sum.
 *
 * What is reported, after osv-scalibr's gomod extractor (the fixtures' source):
 * - every `require` (direct or `// indirect`: both are in the build list, scope required),
 *   after `replace` directives: a versioned replacement takes the new path and version; a
 *   local directory replacement keeps the *module path* with no version and records the
 *   directory in metadata (osv-scalibr names the package after the directory, which is not
 *   a module path; with the module path, the package merges with the root of the replacement's
 *   own go.mod when that is scanned too). A replace naming a version that is not required does
 *   nothing. Duplicates after replacement are reported once.
 * - the Go standard library as `stdlib`, at the `toolchain` version when there is one
 *   (`go1.23.6-xyz` → `1.23.6`), else at the `go` version, spelt without a `v` as osv-scalibr,
 *   OSV and syft spell it: the toolchain is not a module and `1.17` is not semver.
 * - below go 1.17, go.mod lists only part of the build list, so modules whose code go.sum
 *   hashes (lines without `/go.mod`) are added, as osv-scalibr does; `exclude`d versions are not.
 * - the main module (`module` line) as the root, depending on its direct requirements and stdlib.
 * Module versions keep their `v` (`v1.2.3`, as Go and the golang purl spell them).
 */
import type { Location, Relationship, Warning } from '../../../formats/model/index.ts';
import { buildPurl } from '../../../formats/purl/index.ts';
import { FileParseError, type PackageInput, type ParseContext, type ParseResult } from '../../generic/index.ts';
import { dirOf, joinPath } from '../../source/resolver.ts';
import { parseModFile, type ModFile, type ModReplace } from './modfile.ts';
import { parseGoSum, type SumEntry } from './gosum.ts';

/** purl-spec golang: namespace and name split at the last `/` of the module path. */
export function golangPurl(name: string, version: string): string {
  const i = name.lastIndexOf('/');
  return buildPurl({
    type: 'golang',
    namespace: i < 0 ? undefined : name.slice(0, i),
    name: i < 0 ? name : name.slice(i + 1),
    version,
  });
}

interface Found {
  name: string;
  version: string;
  direct: boolean;
  locations: Location[];
  metadata: Record<string, string>;
}

/** The go version that decides go.sum use, as osv-scalibr computes it: the toolchain wins. */
function goVersionOf(mod: ModFile): string | undefined {
  if (mod.toolchain !== undefined && mod.toolchain.startsWith('go')) {
    const v = mod.toolchain.slice(2).split('-')[0]!;
    if (v !== '') return v;
  }
  return mod.go;
}

/** Go version order on `1.N[.P][rcN]` strings, enough to compare with 1.17. */
function goBefore117(v: string): boolean {
  const [major = '0', minor = '0'] = v.split('.');
  const ma = Number.parseInt(major, 10);
  const mi = Number.parseInt(minor, 10);
  return ma < 1 || (ma === 1 && mi < 17);
}

/** The replace that applies to path@version: a versioned one beats a path-only one (cmd/go modload). */
function replacementFor(replaces: readonly ModReplace[], path: string, version: string): ModReplace | undefined {
  let any: ModReplace | undefined;
  let exact: ModReplace | undefined;
  for (const r of replaces) {
    if (r.oldPath !== path) continue;
    if (r.oldVersion === version) exact = r;
    else if (r.oldVersion === '') any = r;
  }
  return exact ?? any;
}

/** go.sum path for a go.mod path: `x.mod` → `x.sum` (go.mod → go.sum). */
function sumPathFor(path: string): string {
  return path.endsWith('.mod') ? `${path.slice(0, -4)}.sum` : joinPath(dirOf(path), 'go.sum') ?? 'go.sum';
}

/** Parser for go.mod. */
export async function parseGoMod(path: string, ctx: ParseContext): Promise<ParseResult> {
  const mod = parseModFile(await ctx.readText(path));
  const warnings: Warning[] = [];

  const found = new Map<string, Found>();
  const add = (f: Found): void => {
    const key = `${f.name}\u0000${f.version}`;
    const prev = found.get(key);
    if (!prev) {
      found.set(key, f);
      return;
    }
    prev.direct ||= f.direct;
    prev.locations.push(...f.locations);
  };

  for (const req of mod.requires) {
    const r = replacementFor(mod.replaces, req.path, req.version);
    const metadata: Record<string, string> = {};
    if (req.indirect) metadata.indirect = 'true';
    let name = req.path;
    let version = req.version;
    if (r) {
      metadata.replaces = `${req.path}@${req.version}`;
      if (r.local) {
        metadata.localPath = r.newPath;
        version = '';
      } else {
        name = r.newPath;
        version = r.newVersion;
      }
    }
    add({ name, version, direct: !req.indirect, locations: [{ path, line: req.line }], metadata });
  }

  const goVersion = goVersionOf(mod);

  // go.sum: h1 hashes for every module it lists, and below go 1.17 the modules go.mod leaves out.
  const sumPath = sumPathFor(path);
  let sum: SumEntry[] = [];
  if (ctx.resolver.get(sumPath)) {
    try {
      sum = parseGoSum(await ctx.readText(sumPath));
    } catch (err) {
      if (!(err instanceof FileParseError)) throw err;
      warnings.push({ location: { path: sumPath, ...(err.line === undefined ? {} : { line: err.line }) }, message: `go.sum not used: ${err.message}` });
    }
  }
  const zipHash = new Map<string, SumEntry>();
  for (const e of sum) if (!e.goMod) zipHash.set(`${e.path}\u0000${e.version}`, e);

  if (goVersion !== undefined && goBefore117(goVersion)) {
    const excluded = new Set(mod.excludes.map((x) => `${x.path}\u0000${x.version}`));
    for (const [key, e] of zipHash) {
      if (excluded.has(key)) continue;
      add({ name: e.path, version: e.version, direct: false, locations: [{ path: sumPath, line: e.line }], metadata: { indirect: 'true' } });
    }
  }

  const packages: PackageInput[] = [];
  const relationships: Relationship[] = [];
  const rootPurl = mod.module ? golangPurl(mod.module.path, '') : undefined;
  if (mod.module && rootPurl) {
    packages.push({
      name: mod.module.path,
      version: '',
      type: 'golang',
      purl: rootPurl,
      isRoot: true,
      locations: [{ path, line: mod.module.line }],
      ...(mod.go !== undefined ? { metadata: { goVersion: mod.go } } : {}),
    });
  }

  for (const f of found.values()) {
    const purl = golangPurl(f.name, f.version);
    const h = zipHash.get(`${f.name}\u0000${f.version}`);
    if (h) {
      f.metadata.h1 = h.hash;
      if (!f.locations.some((l) => l.path === sumPath)) f.locations.push({ path: sumPath, line: h.line });
    }
    packages.push({
      name: f.name,
      version: f.version,
      type: 'golang',
      purl,
      locations: f.locations,
      ...(Object.keys(f.metadata).length > 0 ? { metadata: f.metadata } : {}),
    });
    if (rootPurl && f.direct) relationships.push({ from: rootPurl, to: purl, type: 'depends-on' });
  }

  if (goVersion !== undefined) {
    const purl = buildPurl({ type: 'golang', name: 'stdlib', version: goVersion });
    packages.push({
      name: 'stdlib',
      version: goVersion,
      type: 'golang',
      purl,
      metadata: { from: mod.toolchain !== undefined && mod.toolchain.startsWith('go') ? `toolchain ${mod.toolchain}` : `go ${goVersion}` },
    });
    if (rootPurl) relationships.push({ from: rootPurl, to: purl, type: 'depends-on' });
  }

  return { packages, relationships, warnings };
}

/**
 * Parser for a go.sum with no go.mod beside it (beside a go.mod, parseGoMod reads it).
 * Without go.mod there is no build list, so one version per module is reported: the last
 * one listed, which is the highest since go.sum is sorted by module then semver (as trivy's
 * go.sum parser does); its h1 hash is kept when go.sum has the module's zip hash.
 */
export async function parseGoSumFile(path: string, ctx: ParseContext): Promise<ParseResult> {
  const mod = joinPath(dirOf(path), 'go.mod');
  if (mod !== undefined && ctx.resolver.get(mod)) return { packages: [] };
  const entries = parseGoSum(await ctx.readText(path));
  const last = new Map<string, SumEntry>();
  const zip = new Map<string, SumEntry>();
  for (const e of entries) {
    last.set(e.path, e);
    if (!e.goMod) zip.set(`${e.path}\u0000${e.version}`, e);
  }
  const packages: PackageInput[] = [];
  for (const e of last.values()) {
    const h = zip.get(`${e.path}\u0000${e.version}`);
    packages.push({
      name: e.path,
      version: e.version,
      type: 'golang',
      purl: golangPurl(e.path, e.version),
      locations: [{ path, line: (h ?? e).line }],
      ...(h ? { metadata: { h1: h.hash } } : {}),
    });
  }
  return { packages };
}
