/**
 * pdm.lock (https://pdm-project.org/en/latest/usage/lockfile/).
 *
 *  - Each `[[package]]` has `name`, `version`, `dependencies` (PEP 508 strings), and since
 *    lock_version 4.4 `groups` and `files` (`{file|url, hash}`); older locks keep hashes in
 *    `[metadata.files]` keyed `"<name> <version>"`.
 *  - A package needed with extras appears again with `extras = [...]` and the extra's
 *    dependencies (plus a dependency on itself): both entries are one package (one purl),
 *    their hashes and dependencies merged, as syft's parser does.
 *  - Scope from `groups`: `default` is required; a group the pyproject.toml beside the lock
 *    declares as a dev group (`[tool.pdm.dev-dependencies]`, `[dependency-groups]`) is dev,
 *    one it declares as an extra is optional; without a pyproject.toml, `dev` is dev and any
 *    other group optional (osv-scalibr's rule). A package in several groups takes the widest.
 *    Locks without `groups` get scopes by reachability from the pyproject.toml, else required.
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
  widerScope,
  type DepRef,
} from './common.ts';
import { parseRequirement } from './pep508.ts';
import { lockResult, readPyProject, type PyProject } from './pyproject.ts';

interface Merged {
  name: string;
  version: string;
  readonly hashes: HashSet;
  readonly deps: DepRef[];
  readonly groups: Set<string>;
  readonly extras: Set<string>;
  marker: string | undefined;
  revision: string | undefined;
  vcs: string | undefined;
}

export async function parsePdmLock(path: string, ctx: ParseContext): Promise<ParseResult> {
  const doc = parseToml(await ctx.readText(path));
  if (doc.package !== undefined && !Array.isArray(doc.package)) throw new FileParseError('"package" is not an array of tables');
  const meta = isTable(doc.metadata) ? doc.metadata : {};
  const legacyFiles = isTable(meta.files) ? meta.files : {};

  const warnings: Warning[] = [];
  const merged = new Map<string, Merged>();
  tables(doc.package).forEach((e, i) => {
    const name = str(e.name);
    if (name === undefined || !isValidName(name)) {
      warnings.push({ location: { path }, message: `package #${i + 1} has no valid name: skipped` });
      return;
    }
    const version = str(e.version) ?? '';
    const key = `${normalizeName(name)}@${version}`;
    let m = merged.get(key);
    if (!m) {
      m = { name, version, hashes: new HashSet(), deps: [], groups: new Set(), extras: new Set(), marker: undefined, revision: undefined, vcs: undefined };
      merged.set(key, m);
      for (const f of tables(legacyFiles[`${name} ${version}`])) m.hashes.add(parseHashString(f.hash));
    }
    for (const f of tables(e.files)) m.hashes.add(parseHashString(f.hash));
    for (const g of strings(e.groups ?? e.sections)) m.groups.add(normalizeName(g));
    for (const x of strings(e.extras)) m.extras.add(x);
    for (const d of strings(e.dependencies)) {
      const req = parseRequirement(d);
      if (req) m.deps.push({ name: req.name, extras: req.extras });
    }
    m.marker ??= str(e.marker);
    m.revision ??= str(e.revision);
    m.vcs ??= str(e.git) ?? str(e.hg) ?? str(e.svn) ?? str(e.bzr);
  });

  const { project, warning } = await readPyProject(ctx, path);
  if (warning) warnings.push(warning);

  const graph = new LockGraph();
  const declared = new Map<string, Scope>();
  for (const m of merged.values()) {
    const pkg = pypiPackage({
      name: m.name,
      version: m.version,
      path,
      hashes: m.hashes.values(),
      metadata: { extras: [...m.extras].join(','), markers: m.marker, vcs: m.vcs, revision: m.revision },
    });
    const scope = groupsScope(m.groups, project);
    if (scope !== undefined) declared.set(pkg.purl, scope);
    graph.add({ pkg, deps: m.deps });
  }
  return lockResult(graph, declared, project, path, warnings);
}

function groupsScope(groups: ReadonlySet<string>, project: PyProject | undefined): Scope | undefined {
  let scope: Scope | undefined;
  for (const g of groups) {
    let s: Scope;
    if (g === 'default') s = 'required';
    else if (project?.devGroups.has(g)) s = 'dev';
    else if (project?.extras.has(g)) s = 'optional';
    else s = g === 'dev' ? 'dev' : 'optional';
    scope = scope === undefined ? s : widerScope(scope, s);
  }
  return scope;
}
