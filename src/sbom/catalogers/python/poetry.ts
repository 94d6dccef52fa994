/**
 * poetry.lock (https://python-poetry.org/docs/basic-usage/#installing-with-poetrylock).
 *
 * Layouts seen in the wild:
 *  - lock-version 1.x (Poetry < 1.2): `category = "main"|"dev"` per package, hashes in a
 *    `[metadata.files]` table keyed by package name;
 *  - lock-version 2.0 (Poetry 1.2–1.8): hashes in each package's `files`, no category;
 *  - Poetry 2.x: `groups = ["main", "dev", ...]` per package.
 * `optional = true` marks a package only an extra pulls in. When the lock records neither
 * category nor groups, scope comes from the pyproject.toml beside it (reachability from its
 * main, optional and group dependencies), else 'required'.
 */
import type { Scope, Warning } from '../../../formats/model/index.ts';
import { FileParseError, type ParseContext, type ParseResult } from '../../generic/index.ts';
import {
  HashSet,
  isTable,
  isValidName,
  LockGraph,
  normalizeName,
  parseHashString,
  parseToml,
  pypiPackage,
  str,
  strings,
  tables,
  type DepRef,
  type Table,
} from './common.ts';
import { lockResult, readPyProject } from './pyproject.ts';

export async function parsePoetryLock(path: string, ctx: ParseContext): Promise<ParseResult> {
  const doc = parseToml(await ctx.readText(path));
  if (doc.package !== undefined && !Array.isArray(doc.package)) throw new FileParseError('"package" is not an array of tables');
  const meta = isTable(doc.metadata) ? doc.metadata : {};
  const legacyFiles = isTable(meta.files) ? meta.files : {};
  const legacyByName = new Map<string, unknown>();
  for (const [k, v] of Object.entries(legacyFiles)) legacyByName.set(normalizeName(k), v);

  const entries = tables(doc.package);
  const countByName = new Map<string, number>();
  for (const e of entries) {
    const n = str(e.name);
    if (n !== undefined) countByName.set(normalizeName(n), (countByName.get(normalizeName(n)) ?? 0) + 1);
  }

  const warnings: Warning[] = [];
  const graph = new LockGraph();
  const declared = new Map<string, Scope>();
  entries.forEach((e, i) => {
    const name = str(e.name);
    if (name === undefined || !isValidName(name)) {
      warnings.push({ location: { path }, message: `package #${i + 1} has no valid name: skipped` });
      return;
    }
    const version = str(e.version) ?? '';
    const hashes = new HashSet();
    for (const f of tables(e.files)) hashes.add(parseHashString(f.hash));
    // v1: metadata.files lists the files of every version of a name; keep this version's when several are locked.
    const several = (countByName.get(normalizeName(name)) ?? 0) > 1;
    for (const f of tables(legacyByName.get(normalizeName(name)))) {
      if (several && !fileMatchesVersion(str(f.file) ?? '', version)) continue;
      hashes.add(parseHashString(f.hash));
    }
    const source = isTable(e.source) ? e.source : {};
    const pkg = pypiPackage({
      name,
      version,
      path,
      hashes: hashes.values(),
      metadata: {
        sourceType: str(source.type),
        sourceUrl: str(source.url),
        sourceReference: str(source.resolved_reference) ?? str(source.reference),
        markers: str(e.markers) ?? str(e.marker),
      },
    });
    const scope = declaredScope(e);
    if (scope !== undefined) declared.set(pkg.purl, scope);
    graph.add({ pkg, deps: poetryDeps(e.dependencies) });
  });

  const { project, warning } = await readPyProject(ctx, path);
  if (warning) warnings.push(warning);
  return lockResult(graph, declared, project, path, warnings);
}

function declaredScope(e: Table): Scope | undefined {
  const optional = e.optional === true;
  if (Array.isArray(e.groups)) {
    return strings(e.groups).includes('main') ? (optional ? 'optional' : 'required') : 'dev';
  }
  const category = str(e.category);
  if (category !== undefined) return category === 'dev' ? 'dev' : optional ? 'optional' : 'required';
  return optional ? 'optional' : undefined;
}

/** `[package.dependencies]`: name = "constraint" | {version, extras, markers, optional} | [{...}, ...]. */
function poetryDeps(v: unknown): DepRef[] {
  if (!isTable(v)) return [];
  const out: DepRef[] = [];
  for (const [name, spec] of Object.entries(v)) {
    const specs = Array.isArray(spec) ? tables(spec) : isTable(spec) ? [spec] : [];
    out.push({ name, extras: specs.flatMap((t) => strings(t.extras)) });
  }
  return out;
}

/** Wheel/sdist file names carry the version after the name: `proto_plus-1.22.0-py3-none-any.whl`. */
function fileMatchesVersion(file: string, version: string): boolean {
  return version !== '' && (file.includes(`-${version}-`) || file.includes(`-${version}.`));
}
