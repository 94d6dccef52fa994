/**
 * `<app>.deps.json`, the dependency manifest the .NET SDK writes next to a built app
 * (https://github.com/dotnet/runtime/blob/main/docs/design/features/host-dependencies-json.md):
 *
 *   "runtimeTarget": { "name": ".NETCoreApp,Version=v8.0[/rid]" },
 *   "targets":   { "<target>": { "<id>/<version>": { "dependencies": {id: version},
 *                  "runtime" | "runtimeTargets" | "native" | "resources" | "compile": {...} } } },
 *   "libraries": { "<id>/<version>": { "type": "project" | "package" | "runtimepack" | "reference" ...,
 *                  "sha512": "sha512-<base64>", "path": "...", "serviceable": bool } }
 *
 * Packages are the `package`, `project` and `runtimepack` libraries (a self-contained app's
 * bundled runtime, listed as `runtimepack.<name>`; reported under <name>, as trivy does).
 * The graph comes from the runtime target's `dependencies`. Projects that no other library
 * depends on are roots (several in a file that bundles unrelated projects; trivy then picks
 * none). A library the runtime target lists without runtime, runtimeTargets or native assets
 * ships no code in the app (a reference/meta package): trivy drops it, syft keeps it; we keep
 * it with scope optional and metadata `runtimeAssets: none`.
 */
import type { Relationship, Scope, Warning } from '../../../formats/model/index.ts';
import { FileParseError, type PackageInput, type ParseContext, type ParseResult } from '../../generic/index.ts';
import { parseJson } from './json.ts';
import { isNugetId, isNugetVersion, isObject, nugetPackage, sha512Hash } from './nuget.ts';

const RUNTIME_PACK = 'runtimepack.';
const KINDS = new Set(['package', 'project', 'runtimepack']);

const stripPack = (name: string): string => (name.startsWith(RUNTIME_PACK) ? name.slice(RUNTIME_PACK.length) : name);
const idOf = (name: string, version: string): string => `${stripPack(name).toLowerCase()}/${version}`;

export async function parseDepsJson(path: string, ctx: ParseContext): Promise<ParseResult> {
  const doc = parseJson(await ctx.readText(path));
  if (!isObject(doc)) throw new FileParseError('not a .deps.json: not a JSON object');
  const libraries = doc['libraries'];
  const targets = doc['targets'];
  if (libraries === undefined && targets === undefined) throw new FileParseError('not a .deps.json: no "libraries" or "targets"');
  if (libraries !== undefined && !isObject(libraries)) throw new FileParseError('"libraries" is not an object');
  if (targets !== undefined && !isObject(targets)) throw new FileParseError('"targets" is not an object');
  const runtimeTarget = isObject(doc['runtimeTarget']) ? doc['runtimeTarget']['name'] : undefined;
  const targetRaw = typeof runtimeTarget === 'string' && targets ? targets[runtimeTarget] : undefined;
  // Target entries by normalised id (runtime packs are referenced with and without the prefix).
  const target = new Map<string, Record<string, unknown>>();
  if (isObject(targetRaw)) {
    for (const [k, v] of Object.entries(targetRaw)) {
      const slash = k.indexOf('/');
      if (slash > 0 && isObject(v)) target.set(idOf(k.slice(0, slash), k.slice(slash + 1)), v);
    }
  }
  const hasTarget = isObject(targetRaw);

  const warnings: Warning[] = [];
  const packages = new Map<string, PackageInput>();
  const projects: string[] = [];
  for (const [key, lib] of Object.entries(libraries ?? {})) {
    if (!isObject(lib)) continue;
    const kind = typeof lib['type'] === 'string' ? lib['type'].toLowerCase() : '';
    if (!KINDS.has(kind)) continue;
    const slash = key.indexOf('/');
    const name = slash > 0 ? stripPack(key.slice(0, slash)) : '';
    const version = slash > 0 ? key.slice(slash + 1) : '';
    if (!isNugetId(name) || !isNugetVersion(version)) {
      warnings.push({ location: { path }, message: `library ${JSON.stringify(key.slice(0, 100))}: not <id>/<version>, skipped` });
      continue;
    }
    const id = idOf(name, version);
    const entry = target.get(id);
    const shipsCode = !hasTarget || !entry || ['runtime', 'runtimeTargets', 'native'].some((k) => entry[k] !== undefined && entry[k] !== null);
    const scope: Scope = shipsCode ? 'required' : 'optional';
    const metadata: Record<string, string> = { libraryType: kind };
    if (!shipsCode) metadata['runtimeAssets'] = 'none';
    if (typeof lib['path'] === 'string' && lib['path'] !== '') metadata['path'] = lib['path'];
    const hash = sha512Hash(lib['sha512']);
    packages.set(id, nugetPackage(name, version, { scope, ...(hash ? { hashes: [hash] } : {}), metadata }));
    if (kind === 'project') projects.push(id);
  }

  // Edges from the runtime target; roots are projects nothing depends on.
  const edges: [string, string][] = [];
  const referenced = new Set<string>();
  for (const [id, entry] of target) {
    const deps = entry['dependencies'];
    if (!isObject(deps)) continue;
    for (const [depName, depVersion] of Object.entries(deps)) {
      if (typeof depVersion !== 'string') continue;
      const to = idOf(depName, depVersion);
      referenced.add(to);
      if (packages.has(id) && packages.has(to) && id !== to) edges.push([id, to]);
    }
  }
  for (const p of projects) {
    if (!referenced.has(p)) packages.set(p, { ...packages.get(p)!, isRoot: true });
  }
  const relationships: Relationship[] = [];
  const seen = new Set<string>();
  for (const [f, t] of edges) {
    const k = `${f} ${t}`;
    if (seen.has(k)) continue;
    seen.add(k);
    relationships.push({ from: packages.get(f)!.purl, to: packages.get(t)!.purl, type: 'depends-on' });
  }
  return { packages: [...packages.values()], relationships, warnings };
}
