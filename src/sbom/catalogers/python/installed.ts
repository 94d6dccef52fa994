/**
 * Installed Python distributions: `<name>-<version>.dist-info/METADATA` (wheels, PEP 376/427),
 * `<name>.egg-info/PKG-INFO` and single-file `*.egg-info` (setuptools), `EGG-INFO/PKG-INFO`
 * inside `.egg` directories.
 *
 * The files are core metadata (https://packaging.python.org/en/latest/specifications/core-metadata/):
 * RFC 822 style headers read by Python's `email.parser` — `Key: value`, continuation lines
 * start with whitespace, headers end at the first blank line, several keys repeat
 * (`Classifier`, `Requires-Dist`). Hand-written: no maintained JavaScript parser exists for
 * this format, and a mail parser would be a much larger dependency for a dozen lines of logic.
 *
 * Licenses: `License-Expression` (PEP 639) first; else the `License` field when it is a short
 * name; else `License ::` trove classifiers, mapped to SPDX only where the classifier names
 * one license version unambiguously (`Apache Software License` names no version: kept as is).
 *
 * Graph: `Requires-Dist` entries become edges to the distributions installed beside this one
 * (same site-packages directory); requirements that apply only with an extra are left out,
 * since which extras were asked for is not recorded.
 */
import type { Relationship } from '../../../formats/model/index.ts';
import { FileParseError, isSpdxExpression, normalizeLicense, type ParseContext, type ParseResult } from '../../generic/index.ts';
import { dirOf, type FileResolver } from '../../source/resolver.ts';
import { isValidName, normalizeName, pypiPackage, pypiPurl } from './common.ts';
import { markerNeedsExtra, parseRequirement } from './pep508.ts';

export { INSTALLED_GLOBS } from './globs.ts';

/** Most header fields read from one metadata file. */
export const MAX_HEADERS = 10_000;
/** Most sibling distributions indexed per site-packages directory for the graph. */
export const MAX_SITE_DISTRIBUTIONS = 50_000;

export type Headers = ReadonlyMap<string, readonly string[]>;

/** Header fields (lower-case keys) of a core metadata file. `Description` is not kept. */
export function parseCoreMetadata(text: string): Headers {
  const headers = new Map<string, string[]>();
  let key: string | undefined;
  let count = 0;
  const lines = text.split(/\r\n|\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    // Only an empty line ends the headers (the body is the long description); a line of
    // blanks is a continuation, as setuptools writes blank lines inside `Description`.
    if (line === '') break;
    if (/^[ \t]/.test(line)) {
      if (key === undefined) throw new FileParseError('continuation line before any header', i + 1);
      const values = headers.get(key);
      if (values && values.length > 0) values[values.length - 1] += `\n${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0 || !/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(line.slice(0, colon))) {
      throw new FileParseError(`not a metadata header: ${line.slice(0, 60)}`, i + 1);
    }
    if (++count > MAX_HEADERS) throw new FileParseError(`more than ${MAX_HEADERS} header fields`, i + 1);
    key = line.slice(0, colon).toLowerCase();
    if (key === 'description') {
      key = undefined; // may be huge; its continuation lines are skipped below
      while (i + 1 < lines.length && /^[ \t]/.test(lines[i + 1]!)) i++;
      continue;
    }
    const value = line.slice(colon + 1).trim();
    const list = headers.get(key);
    if (list) list.push(value);
    else headers.set(key, [value]);
  }
  return headers;
}

function first(h: Headers, key: string): string | undefined {
  const v = h.get(key)?.[0]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

// ---------------------------------------------------------------------------------------------
// Licenses

/** Trove classifiers (https://pypi.org/classifiers/) that name exactly one SPDX license. */
const CLASSIFIER_SPDX: Readonly<Record<string, string>> = {
  'MIT License': 'MIT',
  'MIT No Attribution License (MIT-0)': 'MIT-0',
  'ISC License (ISCL)': 'ISC',
  'Zero-Clause BSD (0BSD)': '0BSD',
  'The Unlicense (Unlicense)': 'Unlicense',
  'Boost Software License 1.0 (BSL-1.0)': 'BSL-1.0',
  'Mozilla Public License 1.0 (MPL)': 'MPL-1.0',
  'Mozilla Public License 1.1 (MPL 1.1)': 'MPL-1.1',
  'Mozilla Public License 2.0 (MPL 2.0)': 'MPL-2.0',
  'GNU General Public License v2 (GPLv2)': 'GPL-2.0-only',
  'GNU General Public License v2 or later (GPLv2+)': 'GPL-2.0-or-later',
  'GNU General Public License v3 (GPLv3)': 'GPL-3.0-only',
  'GNU General Public License v3 or later (GPLv3+)': 'GPL-3.0-or-later',
  'GNU Lesser General Public License v2 (LGPLv2)': 'LGPL-2.0-only',
  'GNU Lesser General Public License v2 or later (LGPLv2+)': 'LGPL-2.0-or-later',
  'GNU Lesser General Public License v3 (LGPLv3)': 'LGPL-3.0-only',
  'GNU Lesser General Public License v3 or later (LGPLv3+)': 'LGPL-3.0-or-later',
  'GNU Affero General Public License v3': 'AGPL-3.0-only',
  'GNU Affero General Public License v3 or later (AGPLv3+)': 'AGPL-3.0-or-later',
  'Eclipse Public License 1.0 (EPL-1.0)': 'EPL-1.0',
  'Eclipse Public License 2.0 (EPL-2.0)': 'EPL-2.0',
  'European Union Public Licence 1.0 (EUPL 1.0)': 'EUPL-1.0',
  'European Union Public Licence 1.1 (EUPL 1.1)': 'EUPL-1.1',
  'European Union Public Licence 1.2 (EUPL 1.2)': 'EUPL-1.2',
  'Common Development and Distribution License 1.0 (CDDL-1.0)': 'CDDL-1.0',
  'Universal Permissive License (UPL)': 'UPL-1.0',
  'Historical Permission Notice and Disclaimer (HPND)': 'HPND',
  'SIL Open Font License 1.1 (OFL-1.1)': 'OFL-1.1',
  'PostgreSQL License': 'PostgreSQL',
  'Python License (CNRI Python License)': 'CNRI-Python',
  'Attribution Assurance License': 'AAL',
  'Blue Oak Model License (BlueOak-1.0.0)': 'BlueOak-1.0.0',
  'Mulan Permissive Software License v2 (MulanPSL-2.0)': 'MulanPSL-2.0',
  'zlib/libpng License': 'Zlib',
  'CC0 1.0 Universal (CC0 1.0) Public Domain Dedication': 'CC0-1.0',
};

/** The license a `License :: ...` classifier names: an SPDX id, or its own name when ambiguous. */
export function classifierLicense(classifier: string): { spdx?: string; name: string } | undefined {
  const parts = classifier.split('::').map((p) => p.trim());
  if (parts[0] !== 'License' || parts.length < 2) return undefined;
  const name = parts[parts.length - 1]!;
  if (name === 'OSI Approved' || name === 'Other/Proprietary License' || name === 'Freely Distributable') {
    return parts.length === 2 || name === 'OSI Approved' ? undefined : { name };
  }
  const spdx = CLASSIFIER_SPDX[name];
  return spdx !== undefined ? { spdx, name } : { name };
}

/** A `License` value worth reading: one short line, not setuptools' `UNKNOWN` placeholder. */
function shortLicense(v: string | undefined): string | undefined {
  if (v === undefined || v.includes('\n') || v.length > 100 || /^(unknown|none|n\/a)$/i.test(v)) return undefined;
  return v;
}

export function licensesOf(h: Headers): string[] {
  const expression = first(h, 'license-expression');
  if (expression !== undefined) {
    const n = normalizeLicense(expression);
    return n === undefined ? [] : [n];
  }
  const field = shortLicense(first(h, 'license'));
  const fromField = field === undefined ? undefined : normalizeLicense(field);
  if (fromField !== undefined && isSpdxExpression(fromField)) return [fromField];
  const classified = (h.get('classifier') ?? []).map(classifierLicense).filter((c) => c !== undefined);
  const spdx = classified.flatMap((c) => (c.spdx !== undefined ? [c.spdx] : []));
  if (spdx.length > 0) return [...new Set(spdx)];
  if (fromField !== undefined) return [fromField];
  return [...new Set(classified.map((c) => c.name))];
}

// ---------------------------------------------------------------------------------------------
// Site index: the distributions installed beside each other, for Requires-Dist edges

interface SiteEntry {
  readonly headers?: Headers;
  readonly error?: Error;
}

interface SiteIndex {
  readonly byPath: ReadonlyMap<string, SiteEntry>;
  /** normalised name → purls of the distributions of that name in this directory. */
  readonly byName: ReadonlyMap<string, readonly string[]>;
}

/** Directory the distribution is installed in (site-packages), or undefined when `path` is not a metadata file. */
export function installDir(path: string): string | undefined {
  if (/(^|\/)[^/]+\.dist-info\/METADATA$/.test(path) || /(^|\/)[^/]+\.egg-info\/PKG-INFO$/.test(path)) return dirOf(dirOf(path));
  if (/(^|\/)[^/]+\.egg\/EGG-INFO\/PKG-INFO$/.test(path)) return dirOf(dirOf(dirOf(path)));
  if (/(^|\/)[^/]+\.egg-info$/.test(path)) return dirOf(path);
  return undefined;
}

/**
 * Per resolver (one scan): the metadata files grouped by install directory, and each
 * directory's index built once, so every METADATA file is read once even though each
 * parser call needs its neighbours' names and versions.
 */
const scans = new WeakMap<FileResolver, { groups: Map<string, string[]>; indexes: Map<string, Promise<SiteIndex>> }>();

function scanOf(resolver: FileResolver): { groups: Map<string, string[]>; indexes: Map<string, Promise<SiteIndex>> } {
  let s = scans.get(resolver);
  if (!s) {
    const groups = new Map<string, string[]>();
    for (const f of resolver.files()) {
      const dir = installDir(f.path);
      if (dir === undefined) continue;
      const list = groups.get(dir);
      if (list) list.push(f.path);
      else groups.set(dir, [f.path]);
    }
    s = { groups, indexes: new Map() };
    scans.set(resolver, s);
  }
  return s;
}

async function siteIndex(ctx: ParseContext, dir: string): Promise<SiteIndex> {
  const scan = scanOf(ctx.resolver);
  let p = scan.indexes.get(dir);
  if (!p) {
    p = buildIndex(ctx, (scan.groups.get(dir) ?? []).slice(0, MAX_SITE_DISTRIBUTIONS));
    scan.indexes.set(dir, p);
  }
  return p;
}

async function buildIndex(ctx: ParseContext, paths: readonly string[]): Promise<SiteIndex> {
  const byPath = new Map<string, SiteEntry>();
  const byName = new Map<string, string[]>();
  for (const path of paths) {
    try {
      const headers = parseCoreMetadata(await ctx.readText(path));
      byPath.set(path, { headers });
      const name = first(headers, 'name');
      const version = first(headers, 'version');
      if (name !== undefined && version !== undefined && isValidName(name)) {
        const key = normalizeName(name);
        const purl = pypiPurl(name, version);
        const list = byName.get(key);
        if (list) list.push(purl);
        else byName.set(key, [purl]);
      }
    } catch (error) {
      byPath.set(path, { error: error instanceof Error ? error : new Error(String(error)) });
    }
  }
  return { byPath, byName };
}

// ---------------------------------------------------------------------------------------------

export async function parseInstalledMetadata(path: string, ctx: ParseContext): Promise<ParseResult> {
  const dir = installDir(path);
  const index = dir === undefined ? undefined : await siteIndex(ctx, dir);
  const entry = index?.byPath.get(path);
  if (entry?.error !== undefined) throw entry.error;
  const headers = entry?.headers ?? parseCoreMetadata(await ctx.readText(path));

  const name = first(headers, 'name');
  const version = first(headers, 'version');
  if (name === undefined || !isValidName(name)) throw new FileParseError('no valid Name header');
  if (version === undefined) throw new FileParseError('no Version header');

  const metaDir = dirOf(path);
  const extraLocations: string[] = [];
  for (const sibling of ['RECORD', 'installed-files.txt']) {
    const p = metaDir === '' ? sibling : `${metaDir}/${sibling}`;
    if (p !== path && !path.endsWith('.egg-info') && ctx.resolver.get(p)) extraLocations.push(p);
  }
  const pkg = pypiPackage({
    name,
    version,
    path,
    extraLocations,
    licenses: licensesOf(headers),
    metadata: { summary: first(headers, 'summary'), homePage: first(headers, 'home-page') },
  });

  const relationships: Relationship[] = [];
  const seen = new Set<string>();
  for (const value of headers.get('requires-dist') ?? []) {
    const req = parseRequirement(value);
    if (!req || markerNeedsExtra(req.marker)) continue;
    for (const to of index?.byName.get(normalizeName(req.name)) ?? []) {
      if (to === pkg.purl || seen.has(to)) continue;
      seen.add(to);
      relationships.push({ from: pkg.purl, to, type: 'depends-on' });
    }
  }
  return { packages: [pkg], relationships };
}
