/**
 * The project a lockfile belongs to, from the pyproject.toml next to it: its name and version
 * (PEP 621 `[project]`, or Poetry's `[tool.poetry]`) and its direct dependencies with the
 * scope each group implies:
 *  - required: `[project] dependencies`, `[tool.poetry.dependencies]` (without `python`);
 *  - optional: `[project.optional-dependencies]` (extras), Poetry dependencies marked `optional`;
 *  - dev: PEP 735 `[dependency-groups]`, `[tool.poetry.group.*.dependencies]`,
 *    `[tool.poetry.dev-dependencies]`, `[tool.pdm.dev-dependencies]`, `[tool.uv] dev-dependencies`.
 */
import type { Scope, Warning } from '../../../formats/model/index.ts';
import type { PackageInput, ParseContext, ParseResult } from '../../generic/index.ts';
import { dirOf, joinPath } from '../../source/resolver.ts';
import { isTable, normalizeName, parseToml, pypiPackage, str, strings, tables, type DepRef, type LockGraph, type Table } from './common.ts';
import { parseRequirement } from './pep508.ts';

export interface DirectDep {
  readonly ref: DepRef;
  readonly scope: Scope;
  /** Normalised group or extra name ('' for the main dependencies). */
  readonly group: string;
}

export interface PyProject {
  readonly path: string;
  /** undefined when neither `[project]` nor `[tool.poetry]` names the project. */
  readonly name: string | undefined;
  readonly version: string;
  readonly direct: readonly DirectDep[];
  /** Normalised names of groups that are development-only. */
  readonly devGroups: ReadonlySet<string>;
  /** Normalised names of extras (`[project.optional-dependencies]`, Poetry `[tool.poetry.extras]`). */
  readonly extras: ReadonlySet<string>;
}

/** Read `pyproject.toml` beside `lockPath`. Missing → undefined; malformed → undefined plus a warning. */
export async function readPyProject(ctx: ParseContext, lockPath: string): Promise<{ project?: PyProject; warning?: Warning }> {
  const path = joinPath(dirOf(lockPath), 'pyproject.toml');
  if (path === undefined || !ctx.resolver.get(path)) return {};
  let doc: Table;
  try {
    doc = parseToml(await ctx.readText(path));
  } catch (err) {
    const line = typeof (err as { line?: unknown }).line === 'number' ? (err as { line: number }).line : undefined;
    return {
      warning: {
        location: line === undefined ? { path } : { path, line },
        message: `pyproject.toml not used: ${err instanceof Error ? err.message : String(err)}`,
      },
    };
  }
  return { project: interpret(path, doc) };
}

function interpret(path: string, doc: Table): PyProject {
  const project = isTable(doc.project) ? doc.project : {};
  const tool = isTable(doc.tool) ? doc.tool : {};
  const poetry = isTable(tool.poetry) ? tool.poetry : {};
  const pdm = isTable(tool.pdm) ? tool.pdm : {};
  const uv = isTable(tool.uv) ? tool.uv : {};

  const direct: DirectDep[] = [];
  const devGroups = new Set<string>();
  const extras = new Set<string>();
  const addPep508 = (list: unknown, scope: Scope, group: string): void => {
    for (const s of strings(list)) {
      const req = parseRequirement(s);
      if (req) direct.push({ ref: { name: req.name, extras: req.extras }, scope, group });
    }
  };

  // PEP 621
  addPep508(project.dependencies, 'required', '');
  if (isTable(project['optional-dependencies'])) {
    for (const [extra, list] of Object.entries(project['optional-dependencies'])) {
      extras.add(normalizeName(extra));
      addPep508(list, 'optional', normalizeName(extra));
    }
  }
  // PEP 735 dependency groups; `{include-group = "x"}` entries are covered by group x itself.
  if (isTable(doc['dependency-groups'])) {
    for (const [group, list] of Object.entries(doc['dependency-groups'])) {
      devGroups.add(normalizeName(group));
      addPep508(list, 'dev', normalizeName(group));
    }
  }
  // PDM (before PEP 735) and uv legacy dev dependencies
  if (isTable(pdm['dev-dependencies'])) {
    for (const [group, list] of Object.entries(pdm['dev-dependencies'])) {
      devGroups.add(normalizeName(group));
      addPep508(list, 'dev', normalizeName(group));
    }
  }
  addPep508(uv['dev-dependencies'], 'dev', 'dev');

  // Poetry: name = constraint | {version, optional, extras} | [{...}, ...]
  const addPoetry = (table: unknown, scope: Scope, group: string): void => {
    if (!isTable(table)) return;
    for (const [name, spec] of Object.entries(table)) {
      if (name.toLowerCase() === 'python') continue;
      const specs = Array.isArray(spec) ? tables(spec) : isTable(spec) ? [spec] : [];
      const optional = specs.some((t) => t.optional === true);
      const depExtras = specs.flatMap((t) => strings(t.extras));
      direct.push({ ref: { name, extras: depExtras }, scope: optional && scope === 'required' ? 'optional' : scope, group });
    }
  };
  addPoetry(poetry.dependencies, 'required', '');
  if (poetry['dev-dependencies'] !== undefined) devGroups.add('dev');
  addPoetry(poetry['dev-dependencies'], 'dev', 'dev');
  if (isTable(poetry.group)) {
    for (const [group, def] of Object.entries(poetry.group)) {
      if (!isTable(def)) continue;
      const g = normalizeName(group);
      if (g === 'main') {
        addPoetry(def.dependencies, 'required', '');
        continue;
      }
      devGroups.add(g);
      addPoetry(def.dependencies, 'dev', g);
    }
  }
  if (isTable(poetry.extras)) for (const extra of Object.keys(poetry.extras)) extras.add(normalizeName(extra));

  const name = str(project.name) ?? str(poetry.name);
  const version = str(project.version) ?? str(poetry.version) ?? '';
  return { path, name: name !== undefined && name.trim() !== '' ? name.trim() : undefined, version, direct, devGroups, extras };
}

/**
 * The result of a lock whose graph is complete (pdm.lock, poetry.lock): each package's scope
 * is the one its lock entry declares (`declared`, by purl), else the widest by which the
 * pyproject.toml's direct dependencies reach it, else required; the project is the root,
 * depending on its direct dependencies.
 */
export function lockResult(
  graph: LockGraph,
  declared: ReadonlyMap<string, Scope>,
  project: PyProject | undefined,
  path: string,
  warnings: readonly Warning[],
): ParseResult {
  const reach = project ? graph.reachableScopes(project.direct) : undefined;
  const packages: PackageInput[] = graph.all().map((n) => ({
    ...n.pkg,
    scope: declared.get(n.pkg.purl) ?? reach?.get(n.pkg.purl) ?? 'required',
  }));
  const rootFrom: { from: string; refs: DepRef[] }[] = [];
  if (project?.name !== undefined) {
    const root = pypiPackage({ name: project.name, version: project.version, path: project.path, isRoot: true });
    packages.push(root);
    rootFrom.push({ from: root.purl, refs: project.direct.map((d) => d.ref) });
  }
  const relationships = graph.relationships(rootFrom);
  return { packages, relationships, warnings: [...warnings, ...graph.truncationWarning(path)] };
}
