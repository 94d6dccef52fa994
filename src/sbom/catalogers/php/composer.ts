/**
 * Composer: composer.lock and vendor/composer/installed.json.
 *
 * composer.lock (https://getcomposer.org/doc/01-basic-usage.md#commit-your-composer-lock-file-to-version-control):
 * `packages` are what the project needs at run time, `packages-dev` what only `require-dev`
 * pulls in. Each entry is the package's composer.json as published (name, version, license,
 * require, ...) plus `source` and `dist` (`dist.shasum` is a SHA-1 of the archive, often empty).
 * The lock does not name the project: its composer.json beside it does, and gives the direct
 * requirements. installed.json is what `composer install` put in vendor/: a bare array in
 * Composer 1, `{"packages": [...], "dev": bool, "dev-package-names": [...]}` in Composer 2.
 */
import { VouchError } from '../../../core/index.ts';
import type { Hash, Relationship, Scope, Warning } from '../../../formats/model/index.ts';
import { buildPurl } from '../../../formats/purl/index.ts';
import { FileParseError, isSpdxExpression, normalizeLicenses, type PackageInput, type ParseContext, type ParseResult } from '../../generic/index.ts';
import { dirOf, joinPath } from '../../source/resolver.ts';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON.parse with the failure turned into a FileParseError that knows its line when V8 says it. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const m = /\(line (\d+) column \d+\)/.exec(msg);
    throw new FileParseError(`not JSON: ${msg}`, m ? Number(m[1]) : undefined, err);
  }
}

/** purl-spec composer: namespace = vendor, name = package (both lower-cased by the spec). */
export function composerPurl(name: string, version: string): string {
  const i = name.indexOf('/');
  return buildPurl({
    type: 'composer',
    namespace: i < 0 ? undefined : name.slice(0, i),
    name: i < 0 ? name : name.slice(i + 1),
    version,
  });
}

/**
 * Composer's `license`: a string, or an array meaning the package may be used under any one
 * of them (https://getcomposer.org/doc/04-schema.md#license). An array of SPDX expressions
 * becomes one `A OR B` expression; anything else stays a list of names.
 */
export function composerLicenses(raw: unknown): string[] {
  const list = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw.filter((x): x is string => typeof x === 'string') : [];
  // Upper-case `or`/`and` first: the shared normaliser takes `MIT or BSD-2-Clause` (valid to
  // spdx-expression-parse) to spdx-correct, which guesses `BSD-2-Clause` from it.
  const norm = normalizeLicenses(list.map((l) => l.replace(/\s+(or|and)\s+/gi, (_m, op: string) => ` ${op.toUpperCase()} `)));
  if (norm.length > 1 && norm.every(isSpdxExpression)) {
    return [norm.map((e) => (/\s/.test(e) ? `(${e})` : e)).join(' OR ')];
  }
  return norm;
}

interface Entry {
  readonly name: string;
  readonly purl: string;
  readonly requires: readonly string[];
}

/** Turn package entries into packages; skipped entries become warnings. */
function readEntries(
  path: string,
  list: readonly unknown[],
  scopeOf: (name: string) => Scope,
  where: string,
  out: { packages: PackageInput[]; entries: Entry[]; warnings: Warning[]; seen: Set<string> },
): void {
  for (const [i, raw] of list.entries()) {
    if (!isObject(raw) || typeof raw.name !== 'string' || raw.name === '') {
      out.warnings.push({ location: { path }, message: `${where}[${i}]: needs a string \`name\`: skipped` });
      continue;
    }
    const name = raw.name;
    const version = typeof raw.version === 'string' ? raw.version : '';
    let purl: string;
    try {
      purl = composerPurl(name, version);
    } catch (err) {
      if (!(err instanceof VouchError)) throw err;
      out.warnings.push({ location: { path }, message: `${where}[${i}] (${name}): ${err.message}: skipped` });
      continue;
    }
    if (out.seen.has(purl)) continue;
    out.seen.add(purl);

    const hashes: Hash[] = [];
    const metadata: Record<string, string> = {};
    if (isObject(raw.dist)) {
      const { shasum, url } = raw.dist;
      if (typeof shasum === 'string' && /^[0-9a-fA-F]{40}$/.test(shasum)) hashes.push({ alg: 'SHA-1', value: shasum.toLowerCase() });
      if (typeof url === 'string' && url !== '') metadata.distUrl = url;
    }
    if (isObject(raw.source)) {
      const { url, reference } = raw.source;
      if (typeof url === 'string' && url !== '') metadata.sourceUrl = url;
      if (typeof reference === 'string' && reference !== '') metadata.sourceReference = reference;
    }
    if (typeof raw.type === 'string' && raw.type !== '') metadata.type = raw.type;
    const requires = isObject(raw.require) ? Object.keys(raw.require) : [];

    out.entries.push({ name, purl, requires });
    out.packages.push({
      name,
      version,
      type: 'composer',
      purl,
      scope: scopeOf(name),
      licenses: composerLicenses(raw.license),
      hashes,
      ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
    });
  }
}

/** `require` edges between the packages found (platform requirements like `php`, `ext-*` name none). */
function graph(entries: readonly Entry[]): Relationship[] {
  const byName = new Map<string, string[]>();
  for (const e of entries) {
    const k = e.name.toLowerCase();
    byName.set(k, [...(byName.get(k) ?? []), e.purl]);
  }
  const out: Relationship[] = [];
  for (const e of entries) {
    for (const r of e.requires) for (const to of byName.get(r.toLowerCase()) ?? []) if (to !== e.purl) out.push({ from: e.purl, to, type: 'depends-on' });
  }
  return out;
}

function optionalArray(doc: Json, key: string): unknown[] {
  const v = doc[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new FileParseError(`\`${key}\` must be an array`);
  return v;
}

/** The project from composer.json beside the lock: its name (if any) and direct requirements. */
async function readManifest(
  path: string,
  ctx: ParseContext,
  warnings: Warning[],
): Promise<{ name?: string; version?: string; require: string[]; requireDev: string[] } | undefined> {
  const manifest = joinPath(dirOf(path), 'composer.json');
  if (manifest === undefined || !ctx.resolver.get(manifest)) return undefined;
  let doc: unknown;
  try {
    doc = parseJson(await ctx.readText(manifest));
  } catch (err) {
    if (!(err instanceof FileParseError)) throw err;
    warnings.push({ location: { path: manifest, ...(err.line === undefined ? {} : { line: err.line }) }, message: `composer.json not used: ${err.message}` });
    return undefined;
  }
  if (!isObject(doc)) {
    warnings.push({ location: { path: manifest }, message: 'composer.json not used: not a JSON object' });
    return undefined;
  }
  return {
    ...(typeof doc.name === 'string' && doc.name !== '' ? { name: doc.name } : {}),
    ...(typeof doc.version === 'string' ? { version: doc.version } : {}),
    require: isObject(doc.require) ? Object.keys(doc.require) : [],
    requireDev: isObject(doc['require-dev']) ? Object.keys(doc['require-dev']) : [],
  };
}

export async function parseComposerLock(path: string, ctx: ParseContext): Promise<ParseResult> {
  const doc = parseJson(await ctx.readText(path));
  if (!isObject(doc)) throw new FileParseError('composer.lock must be a JSON object');
  const out = { packages: [] as PackageInput[], entries: [] as Entry[], warnings: [] as Warning[], seen: new Set<string>() };
  readEntries(path, optionalArray(doc, 'packages'), () => 'required', 'packages', out);
  readEntries(path, optionalArray(doc, 'packages-dev'), () => 'dev', 'packages-dev', out);
  const relationships = graph(out.entries);

  const project = await readManifest(path, ctx, out.warnings);
  if (project) {
    const direct = [...project.require, ...project.requireDev].map((n) => n.toLowerCase());
    const targets = out.entries.filter((e) => direct.includes(e.name.toLowerCase()));
    let purl: string | undefined;
    try {
      purl = project.name === undefined ? undefined : composerPurl(project.name, project.version ?? '');
    } catch (err) {
      if (!(err instanceof VouchError)) throw err;
      out.warnings.push({ location: { path: joinPath(dirOf(path), 'composer.json')! }, message: `no root: ${err.message}` });
    }
    if (project.name !== undefined && purl !== undefined) {
      out.packages.unshift({ name: project.name, version: project.version ?? '', type: 'composer', purl, isRoot: true, locations: [{ path: joinPath(dirOf(path), 'composer.json')! }] });
      for (const t of targets) relationships.push({ from: purl, to: t.purl, type: 'depends-on' });
    } else {
      // An unnamed project (common for applications): no root to hang edges on, so mark them.
      const set = new Set(targets.map((t) => t.purl));
      for (const [i, p] of out.packages.entries()) if (set.has(p.purl)) out.packages[i] = { ...p, metadata: { ...p.metadata, direct: 'true' } };
    }
  }
  return { packages: out.packages, relationships, warnings: out.warnings };
}

export async function parseInstalledJson(path: string, ctx: ParseContext): Promise<ParseResult> {
  const doc = parseJson(await ctx.readText(path));
  let list: unknown[];
  let dev = new Set<string>();
  if (Array.isArray(doc)) {
    list = doc; // Composer 1
  } else if (isObject(doc)) {
    list = optionalArray(doc, 'packages'); // Composer 2
    const names = optionalArray(doc, 'dev-package-names');
    dev = new Set(names.filter((n): n is string => typeof n === 'string').map((n) => n.toLowerCase()));
  } else {
    throw new FileParseError('installed.json must be a JSON array (Composer 1) or object (Composer 2)');
  }
  const out = { packages: [] as PackageInput[], entries: [] as Entry[], warnings: [] as Warning[], seen: new Set<string>() };
  readEntries(path, list, (name) => (dev.has(name.toLowerCase()) ? 'dev' : 'required'), 'packages', out);
  return { packages: out.packages, relationships: graph(out.entries), warnings: out.warnings };
}
