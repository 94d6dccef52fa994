/**
 * packages.config, NuGet's pre-PackageReference format
 * (https://learn.microsoft.com/nuget/reference/packages-config):
 *   <packages><package id="X" version="1.0" targetFramework="net46" developmentDependency="true"/></packages>
 * `developmentDependency="true"` marks a build-time-only package: scope dev (trivy drops it).
 * No graph: the file lists every package flat.
 */
import type { Warning } from '../../../formats/model/index.ts';
import { FileParseError, type PackageInput, type ParseContext, type ParseResult } from '../../generic/index.ts';
import { isNugetId, isNugetVersion, isObject, nugetPackage } from './nuget.ts';
import { parseXmlDocument, xmlString } from './xml.ts';

export async function parsePackagesConfig(path: string, ctx: ParseContext): Promise<ParseResult> {
  const doc = parseXmlDocument(await ctx.readText(path), new Set(['package']));
  const root = doc['packages'];
  if (root === undefined) throw new FileParseError('not a packages.config: the document element is not <packages>');
  const list = isObject(root) && Array.isArray(root['package']) ? (root['package'] as unknown[]) : [];
  const warnings: Warning[] = [];
  const packages = new Map<string, PackageInput>();
  for (const p of list) {
    const id = xmlString(isObject(p) ? p['@_id'] : undefined);
    const version = xmlString(isObject(p) ? p['@_version'] : undefined);
    if (!isNugetId(id) || !isNugetVersion(version)) {
      warnings.push({ location: { path }, message: `<package> without a valid id and version, skipped` });
      continue;
    }
    const dev = xmlString(isObject(p) ? p['@_developmentDependency'] : undefined)?.toLowerCase() === 'true';
    const tfm = xmlString(isObject(p) ? p['@_targetFramework'] : undefined);
    const key = `${id.toLowerCase()}@${version}`;
    const prev = packages.get(key);
    const scope = prev?.scope === 'required' || !dev ? 'required' : 'dev';
    packages.set(key, nugetPackage(id, version, { scope, metadata: tfm ? { targetFramework: tfm } : {} }));
  }
  return { packages: [...packages.values()], warnings };
}
