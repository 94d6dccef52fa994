/**
 * The .NET project a lockfile belongs to, from the project file beside it (MSBuild
 * .csproj/.fsproj/.vbproj). Its name is the file name (MSBuild's default PackageId /
 * AssemblyName); its version is `<Version>` (else `<PackageVersion>`) when written as a
 * literal, else ''.
 */
import type { PackageInput, ParseContext } from '../../generic/index.ts';
import { dirOf, type FileResolver } from '../../source/resolver.ts';
import { isNugetId, isNugetVersion, isObject, nugetPackage } from './nuget.ts';
import { parseXmlDocument, xmlString } from './xml.ts';

const PROJECT_FILE = /\.(csproj|fsproj|vbproj)$/;

/** Project files by directory, built once per source. */
const projectFiles = new WeakMap<FileResolver, Map<string, string[]>>();

function projectFilesIn(resolver: FileResolver, dir: string): readonly string[] {
  let byDir = projectFiles.get(resolver);
  if (!byDir) {
    byDir = new Map();
    for (const f of resolver.files()) {
      if (!PROJECT_FILE.test(f.path)) continue;
      const d = dirOf(f.path);
      const list = byDir.get(d);
      if (list) list.push(f.path);
      else byDir.set(d, [f.path]);
    }
    projectFiles.set(resolver, byDir);
  }
  return byDir.get(dir) ?? [];
}

export async function projectRoot(ctx: ParseContext, dir: string): Promise<PackageInput | undefined> {
  const prefix = dir === '' ? '' : `${dir}/`;
  const candidates = projectFilesIn(ctx.resolver, dir);
  if (candidates.length !== 1) return undefined;
  const file = candidates[0]!;
  const name = file.slice(prefix.length).replace(PROJECT_FILE, '');
  if (!isNugetId(name)) return undefined;
  let version = '';
  try {
    const doc = parseXmlDocument(await ctx.readText(file), new Set(['PropertyGroup']));
    const groups = isObject(doc['Project']) ? doc['Project']['PropertyGroup'] : undefined;
    for (const g of Array.isArray(groups) ? (groups as unknown[]) : []) {
      if (!isObject(g)) continue;
      const v = xmlString(g['Version']) ?? xmlString(g['PackageVersion']);
      if (isNugetVersion(v)) {
        version = v;
        break;
      }
    }
  } catch {
    // an unreadable project file still names the project
  }
  return { ...nugetPackage(name, version), isRoot: true, locations: [{ path: file }] };
}
