/**
 * packages.lock.json (NuGet "lock file", `RestorePackagesWithLockFile`; format versions 1
 * and 2, https://learn.microsoft.com/nuget/consume-packages/package-references-in-project-files#locking-dependencies):
 *
 *   { "version": 1|2, "dependencies": { "<target framework>": { "<id>": {
 *       "type": "Direct" | "Transitive" | "CentralTransitive" | "Project",
 *       "requested": "[1.0.0, )", "resolved": "1.0.0", "contentHash": "<base64 SHA-512>",
 *       "dependencies": { "<id>": "<version or range>" } } } } }
 *
 * One package per id@resolved across all target frameworks; metadata `dependencyType` keeps
 * Direct (if Direct for any framework) or the type as written. `Project` entries are project
 * references (other projects of the solution, with their own lock files), not packages: left
 * out, as trivy does. The project the lock file belongs to is not named in it; when exactly
 * one project file (.csproj/.fsproj/.vbproj) sits beside it, that is the root, and Direct
 * packages hang off it.
 */
import type { Relationship, Warning } from '../../../formats/model/index.ts';
import { FileParseError, type PackageInput, type ParseContext, type ParseResult } from '../../generic/index.ts';
import { dirOf } from '../../source/resolver.ts';
import { parseJson } from './json.ts';
import { isNugetId, isNugetVersion, isObject, nugetPackage, sha512Hash } from './nuget.ts';
import { projectRoot } from './project.ts';

export async function parsePackagesLock(path: string, ctx: ParseContext): Promise<ParseResult> {
  const doc = parseJson(await ctx.readText(path));
  if (!isObject(doc) || !isObject(doc['dependencies'])) throw new FileParseError('not a packages.lock.json: no "dependencies" object');
  const version = doc['version'];
  if (version !== undefined && version !== 1 && version !== 2) throw new FileParseError(`unsupported packages.lock.json version ${JSON.stringify(version)}`);

  const warnings: Warning[] = [];
  const packages = new Map<string, PackageInput>();
  const edges: [string, string][] = [];
  const direct = new Set<string>();
  const key = (name: string, v: string): string => `${name.toLowerCase()}@${v}`;

  for (const [framework, deps] of Object.entries(doc['dependencies'])) {
    if (!isObject(deps)) {
      warnings.push({ location: { path }, message: `target framework ${framework}: not an object, skipped` });
      continue;
    }
    // id (lower-case) → resolved version, within this framework
    const resolvedHere = new Map<string, { name: string; version: string }>();
    for (const [name, entry] of Object.entries(deps)) {
      if (!isObject(entry) || entry['type'] === 'Project') continue;
      const resolved = entry['resolved'];
      if (!isNugetId(name) || !isNugetVersion(resolved)) {
        warnings.push({ location: { path }, message: `${framework}: ${name.slice(0, 100)}: no valid id/resolved version, skipped` });
        continue;
      }
      resolvedHere.set(name.toLowerCase(), { name, version: resolved });
      const k = key(name, resolved);
      const isDirect = entry['type'] === 'Direct';
      if (isDirect) direct.add(k);
      const prev = packages.get(k);
      if (!prev || (isDirect && prev.metadata?.['dependencyType'] !== 'Direct')) {
        const hash = sha512Hash(entry['contentHash']);
        const metadata: Record<string, string> = {};
        if (typeof entry['type'] === 'string') metadata['dependencyType'] = entry['type'];
        if (typeof entry['requested'] === 'string') metadata['requested'] = entry['requested'];
        packages.set(k, nugetPackage(name, resolved, { ...(hash ? { hashes: [hash] } : {}), metadata }));
      }
    }
    for (const [name, entry] of Object.entries(deps)) {
      const from = resolvedHere.get(name.toLowerCase());
      if (!from || !isObject(entry) || !isObject(entry['dependencies'])) continue;
      for (const depName of Object.keys(entry['dependencies'])) {
        const to = resolvedHere.get(depName.toLowerCase());
        if (to) edges.push([key(from.name, from.version), key(to.name, to.version)]);
      }
    }
  }

  const relationships: Relationship[] = [];
  const root = await projectRoot(ctx, dirOf(path));
  const out = [...packages.values()];
  if (root) {
    out.unshift(root);
    for (const k of direct) relationships.push({ from: root.purl, to: packages.get(k)!.purl, type: 'depends-on' });
  }
  const seen = new Set<string>();
  for (const [f, t] of edges) {
    const from = packages.get(f)!.purl;
    const to = packages.get(t)!.purl;
    const id = `${from} ${to}`;
    if (from === to || seen.has(id)) continue;
    seen.add(id);
    relationships.push({ from, to, type: 'depends-on' });
  }
  return { packages: out, relationships, warnings };
}
