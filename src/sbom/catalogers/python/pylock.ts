/**
 * pylock.toml, PEP 751 (https://packaging.python.org/en/latest/specifications/pylock-toml/):
 * file name `pylock.toml` or `pylock.<name>.toml`; `[[packages]]` with `name`, optional
 * `version`, one source (`vcs`, `directory`, `archive`, `sdist`/`wheels`, each with
 * `hashes = {alg = hex}`), `dependencies = [{name, version?}]` and a `marker`.
 *
 * A `directory` package at path "." is the project itself (isRoot). Scope is read from the
 * marker without evaluating it: a marker naming a default dependency group is required; one
 * naming extras (`"tests" in extras`) and no default group is optional; one naming only other
 * dependency groups is dev; no such terms, required.
 */
import type { Hash, Scope, Warning } from '../../../formats/model/index.ts';
import { FileParseError, type PackageInput, type ParseContext, type ParseResult } from '../../generic/index.ts';
import { HashSet, isTable, isValidName, LockGraph, makeHash, parseToml, pypiPackage, str, strings, tables, type DepRef, type Table } from './common.ts';

export { PYLOCK_GLOBS } from './globs.ts';

export async function parsePylock(path: string, ctx: ParseContext): Promise<ParseResult> {
  const doc = parseToml(await ctx.readText(path));
  if (doc.packages !== undefined && !Array.isArray(doc.packages)) throw new FileParseError('"packages" is not an array of tables');
  const defaultGroups = new Set(strings(doc['default-groups']));
  const warnings: Warning[] = [];
  const graph = new LockGraph();
  tables(doc.packages).forEach((e, i) => {
    const name = str(e.name);
    if (name === undefined || !isValidName(name)) {
      warnings.push({ location: { path }, message: `package #${i + 1} has no valid name: skipped` });
      return;
    }
    const hashes = new HashSet();
    const addHashes = (t: unknown): void => {
      if (isTable(t)) for (const h of hashTable(t.hashes)) hashes.add(h);
    };
    addHashes(e.sdist);
    addHashes(e.archive);
    for (const w of tables(e.wheels)) addHashes(w);
    const vcs = isTable(e.vcs) ? e.vcs : undefined;
    const directory = isTable(e.directory) ? e.directory : undefined;
    const archive = isTable(e.archive) ? e.archive : undefined;
    const marker = str(e.marker);
    const pkg = pypiPackage({
      name,
      version: str(e.version) ?? '',
      path,
      hashes: hashes.values(),
      isRoot: directory !== undefined && ['.', './'].includes(str(directory.path) ?? ''),
      scope: markerScope(marker, defaultGroups),
      metadata: {
        index: str(e.index),
        vcs: vcs ? (str(vcs.url) ?? str(vcs.path)) : undefined,
        commit: vcs ? str(vcs['commit-id']) : undefined,
        localPath: directory ? str(directory.path) : undefined,
        archive: archive ? (str(archive.url) ?? str(archive.path)) : undefined,
        markers: marker,
      },
    });
    graph.add({ pkg, deps: pylockDeps(e.dependencies) });
  });
  const packages: PackageInput[] = [...graph.all().map((n) => n.pkg)];
  const relationships = graph.relationships();
  return { packages, relationships, warnings: [...warnings, ...graph.truncationWarning(path)] };
}

function hashTable(v: unknown): Hash[] {
  if (!isTable(v)) return [];
  const out: Hash[] = [];
  for (const [alg, hex] of Object.entries(v)) {
    const h = typeof hex === 'string' ? makeHash(alg, hex) : undefined;
    if (h) out.push(h);
  }
  return out;
}

function pylockDeps(v: unknown): DepRef[] {
  return tables(v).flatMap((d: Table) => {
    const name = str(d.name);
    return name === undefined ? [] : [{ name, version: str(d.version) }];
  });
}

function markerScope(marker: string | undefined, defaultGroups: ReadonlySet<string>): Scope {
  if (marker === undefined) return 'required';
  const groups = [...marker.matchAll(/["']([^"']+)["']\s+in\s+dependency_groups/g)].map((m) => m[1]!);
  const extras = /\bin\s+extras\b/.test(marker);
  if (groups.some((g) => defaultGroups.has(g))) return 'required';
  if (extras) return 'optional';
  if (groups.length > 0) return 'dev';
  return 'required';
}
