/**
 * The project's own package.json (docs.npmjs.com/cli/configuring-npm/package-json): read
 * next to a lockfile to name the root and to tell dev from production dependencies, which
 * yarn.lock and pnpm v9 do not record per package.
 */
import picomatch from 'picomatch';
import type { ParseContext } from '../../generic/index.ts';
import { joinPath } from '../../source/resolver.ts';
import { inNodeModules, isObject, str, stringEntries, type DepKind, type JsonObject } from './common.ts';

export interface Manifest {
  readonly name: string | undefined;
  readonly version: string | undefined;
  /** Declared dependencies by name, with how they are declared (prod wins over optional over dev). */
  readonly deps: ReadonlyMap<string, { readonly range: string; readonly kind: DepKind }>;
  /** `workspaces` globs (array form or `{packages: [...]}`). */
  readonly workspaces: readonly string[];
  readonly raw: JsonObject;
}

/** Parse a package.json text; undefined when it is not a JSON object. */
export function parseManifest(text: string): Manifest | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  return isObject(data) ? manifestOf(data) : undefined;
}

export function manifestOf(data: JsonObject): Manifest {
  const deps = new Map<string, { range: string; kind: DepKind }>();
  // Later fields do not override earlier ones: a name in both `dependencies` and
  // `devDependencies` is a production dependency (npm installs it for production).
  const add = (field: string, kind: DepKind): void => {
    for (const [name, range] of stringEntries(data[field])) if (!deps.has(name)) deps.set(name, { range, kind });
  };
  add('dependencies', 'prod');
  add('peerDependencies', 'prod');
  add('optionalDependencies', 'optional');
  add('devDependencies', 'dev');
  // optionalDependencies also listed in dependencies are optional (npm docs: "entries in
  // optionalDependencies will override entries of the same name in dependencies").
  for (const [name, range] of stringEntries(data['optionalDependencies'])) deps.set(name, { range, kind: 'optional' });
  const ws = data['workspaces'];
  const wsList = Array.isArray(ws) ? ws : isObject(ws) && Array.isArray(ws['packages']) ? ws['packages'] : [];
  return {
    name: str(data['name']),
    version: str(data['version']),
    deps,
    workspaces: wsList.filter((x): x is string => typeof x === 'string').slice(0, 1000),
    raw: data,
  };
}

/** Read `<dir>/package.json` through the resolver (size-limited); undefined when absent or malformed. */
export async function readManifest(ctx: ParseContext, dir: string): Promise<Manifest | undefined> {
  const path = dir === '' ? 'package.json' : joinPath(dir, 'package.json');
  if (path === undefined || !ctx.resolver.get(path)) return undefined;
  try {
    return parseManifest(await ctx.readText(path));
  } catch {
    return undefined;
  }
}

/**
 * Workspace member directories of the project in `dir`: folders matching its `workspaces`
 * globs that hold a package.json (outside node_modules). One pass over the source's files.
 */
export function workspaceDirs(ctx: ParseContext, dir: string, globs: readonly string[]): string[] {
  const patterns = globs.map((g) => g.replace(/^\.\//, '').replace(/\/+$/, '')).filter((g) => g !== '' && !g.startsWith('!'));
  if (patterns.length === 0) return [];
  const match = picomatch(patterns);
  const prefix = dir === '' ? '' : `${dir}/`;
  const out: string[] = [];
  for (const f of ctx.resolver.files()) {
    if (!f.path.startsWith(prefix) || !f.path.endsWith('/package.json')) continue;
    const rel = f.path.slice(prefix.length, -'/package.json'.length);
    if (rel === '' || inNodeModules(rel)) continue;
    if (match(rel)) out.push(prefix + rel);
  }
  return out;
}
