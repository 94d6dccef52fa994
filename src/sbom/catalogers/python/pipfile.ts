/**
 * Pipfile.lock (https://pipenv.pypa.io/en/latest/pipfile.html, format "pipfile-spec": 6):
 * `default` holds the run-time packages, `develop` the dev-only ones; each entry is
 * `{version: "==X", hashes: ["sha256:..."], markers, index}` or a VCS/path entry without a
 * version. The lock records no dependency graph and no project name.
 *
 * A package in both sections is one package with the wider scope (required). Entries without
 * a version (VCS, path, editable) are kept with version '' and their source in metadata,
 * where osv-scalibr drops them.
 */
import type { Hash, Scope, Warning } from '../../../formats/model/index.ts';
import { FileParseError, type PackageInput, type ParseContext, type ParseResult } from '../../generic/index.ts';
import { HashSet, isTable, isValidName, parseHashString, pypiPackage, str, strings, widerScope } from './common.ts';

const SECTIONS: readonly (readonly [string, Scope])[] = [
  ['default', 'required'],
  ['develop', 'dev'],
];

export async function parsePipfileLock(path: string, ctx: ParseContext): Promise<ParseResult> {
  const text = await ctx.readText(path);
  if (text.trim() === '') return { packages: [] };
  const doc = parseJson(text);
  if (!isTable(doc)) throw new FileParseError('Pipfile.lock is not a JSON object');

  const warnings: Warning[] = [];
  const byPurl = new Map<string, { pkg: PackageInput; scope: Scope; hashes: Hash[] }>();
  for (const [section, scope] of SECTIONS) {
    const entries = doc[section];
    if (entries === undefined || entries === null) continue;
    if (!isTable(entries)) throw new FileParseError(`"${section}" is not an object`);
    for (const [name, entry] of Object.entries(entries)) {
      if (!isTable(entry) || !isValidName(name)) {
        warnings.push({ location: { path }, message: `${section}: entry ${JSON.stringify(name.slice(0, 80))} is not a package: skipped` });
        continue;
      }
      const spec = str(entry.version) ?? '';
      const pinned = /^===?\s*([^\s,;]+)$/.exec(spec.trim());
      const version = pinned?.[1] ?? '';
      const hashes = new HashSet();
      for (const h of strings(entry.hashes)) hashes.add(parseHashString(h));
      const pkg = pypiPackage({
        name,
        version,
        path,
        metadata: {
          specifier: pinned ? undefined : spec,
          markers: str(entry.markers),
          index: str(entry.index),
          git: str(entry.git),
          ref: str(entry.ref),
          localPath: str(entry.path) ?? str(entry.file),
        },
      });
      const prev = byPurl.get(pkg.purl);
      if (prev) {
        prev.scope = widerScope(prev.scope, scope);
        prev.hashes.push(...hashes.values());
      } else byPurl.set(pkg.purl, { pkg, scope, hashes: hashes.values() });
    }
  }
  const packages = [...byPurl.values()].map(({ pkg, scope, hashes }) => {
    const set = new HashSet();
    for (const h of hashes) set.add(h);
    const unique = set.values();
    return { ...pkg, scope, ...(unique.length > 0 ? { hashes: unique } : {}) };
  });
  return { packages, warnings };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const line = /line (\d+)/.exec(message)?.[1];
    throw new FileParseError(`invalid JSON: ${message}`, line === undefined ? undefined : Number(line), err);
  }
}
