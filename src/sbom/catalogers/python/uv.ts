/**
 * uv.lock (https://docs.astral.sh/uv/concepts/projects/layout/#the-lockfile).
 *
 *  - `[[package]]` with `name`, `version`, `source` (`registry`, `git`, `url`, `path`,
 *    `directory`, `editable`, `virtual`), `dependencies = [{name, version?, extra?, marker?}]`,
 *    `[package.optional-dependencies]` (extras), `[package.dev-dependencies]` (groups),
 *    `sdist`/`wheels` with `hash = "sha256:..."`.
 *  - The project is the package whose source is `{virtual = "."}` or `{editable = "."}`;
 *    other `editable`/`virtual` packages are workspace members.
 *  - Scope by reachability from the project and workspace members: through their
 *    `dependencies` required, through their extras optional, through their dev groups dev
 *    (trivy marks the same packages as dev).
 *
 * Trivy refuses a lock that does not have exactly one root ("uv lockfile must contain 1 root
 * package"). Vouch refuses several roots the same way (which is the project is unknowable),
 * but a lock without a root still yields its packages, with a warning saying the graph has no
 * root: losing every package of a hand-edited lock is worse than a graph without its top.
 */
import type { Scope, Warning } from '../../../formats/model/index.ts';
import { FileParseError, type PackageInput, type ParseContext, type ParseResult } from '../../generic/index.ts';
import { HashSet, isTable, isValidName, LockGraph, normalizeName, parseHashString, parseToml, pypiPackage, str, strings, tables, type DepRef, type Table } from './common.ts';

export async function parseUvLock(path: string, ctx: ParseContext): Promise<ParseResult> {
  const doc = parseToml(await ctx.readText(path));
  if (doc.package !== undefined && !Array.isArray(doc.package)) throw new FileParseError('"package" is not an array of tables');
  const entries = tables(doc.package);
  const roots = entries.filter((e) => isLocal(e, true));
  if (roots.length > 1) {
    const names = roots.map((r) => str(r.name) ?? '?').join(', ');
    throw new FileParseError(`uv lockfile must contain 1 root package, found ${roots.length} (${names.slice(0, 200)})`);
  }
  const warnings: Warning[] = [];
  if (roots.length === 0 && entries.length > 0) {
    warnings.push({ location: { path }, message: 'uv lockfile must contain 1 root package, found none: packages reported without a root' });
  }

  const graph = new LockGraph();
  const starts: { ref: DepRef; scope: Scope }[] = [];
  const devEdges: { from: string; refs: DepRef[] }[] = [];
  let rootPurl: string | undefined;
  entries.forEach((e, i) => {
    const name = str(e.name);
    if (name === undefined || !isValidName(name)) {
      warnings.push({ location: { path }, message: `package #${i + 1} has no valid name: skipped` });
      return;
    }
    const hashes = new HashSet();
    if (isTable(e.sdist)) hashes.add(parseHashString(e.sdist.hash));
    for (const w of tables(e.wheels)) hashes.add(parseHashString(w.hash));
    const source = isTable(e.source) ? e.source : {};
    const isRoot = e === roots[0];
    const pkg = pypiPackage({
      name,
      version: str(e.version) ?? '',
      path,
      hashes: hashes.values(),
      isRoot,
      metadata: sourceMetadata(source),
    });
    if (isRoot) rootPurl = pkg.purl;
    const deps = uvDeps(e.dependencies);
    const extraDeps = new Map<string, DepRef[]>();
    if (isTable(e['optional-dependencies'])) {
      for (const [extra, list] of Object.entries(e['optional-dependencies'])) extraDeps.set(normalizeName(extra), uvDeps(list));
    }
    const devDeps = isTable(e['dev-dependencies']) ? Object.values(e['dev-dependencies']).flatMap(uvDeps) : [];
    graph.add({ pkg, deps, extraDeps });
    if (devDeps.length > 0) devEdges.push({ from: pkg.purl, refs: devDeps });
    if (isLocal(e, false)) {
      for (const ref of deps) starts.push({ ref, scope: 'required' });
      for (const refs of extraDeps.values()) for (const ref of refs) starts.push({ ref, scope: 'optional' });
      for (const ref of devDeps) starts.push({ ref, scope: 'dev' });
    }
  });

  const reach = graph.reachableScopes(starts);
  const packages: PackageInput[] = graph.all().map((n) => ({
    ...n.pkg,
    scope: n.pkg.purl === rootPurl ? 'required' : (reach.get(n.pkg.purl) ?? 'required'),
  }));
  const relationships = graph.relationships(devEdges);
  return { packages, relationships, warnings: [...warnings, ...graph.truncationWarning(path)] };
}

/** The project (`rootOnly`: source path "."), or any workspace member (editable/virtual source). */
function isLocal(e: Table, rootOnly: boolean): boolean {
  const source = isTable(e.source) ? e.source : {};
  const where = str(source.virtual) ?? str(source.editable);
  return where !== undefined && (!rootOnly || where === '.' || where === './');
}

function uvDeps(v: unknown): DepRef[] {
  return tables(v).flatMap((d) => {
    const name = str(d.name);
    return name === undefined ? [] : [{ name, version: str(d.version), extras: strings(d.extra) }];
  });
}

function sourceMetadata(source: Table): Record<string, string | undefined> {
  for (const kind of ['registry', 'git', 'url', 'path', 'directory', 'editable', 'virtual']) {
    const v = str(source[kind]);
    if (v !== undefined) return { sourceType: kind, sourceUrl: v };
  }
  return {};
}
