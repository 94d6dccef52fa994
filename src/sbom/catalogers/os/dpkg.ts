/**
 * Installed Debian packages: the dpkg database `var/lib/dpkg/status` (deb822 paragraphs, one
 * per package; dpkg(1), deb-status(5)) and distroless images' `var/lib/dpkg/status.d/<name>`
 * (one file per package, written by the image builder).
 *
 * Which paragraphs are packages:
 * - `Status: want flag status` (deb-status(5)): a package is installed when its *status* word
 *   says its files are unpacked and configured, whatever is wanted: `installed`, or
 *   `half-configured`/`triggers-awaited`/`triggers-pending` (configured but for its own or
 *   another package's triggers). `deinstall ok installed` is still on disk; `config-files`
 *   left only conffiles; `unpacked` and `half-installed` are not finished (osv-scalibr's rule
 *   too, whose fixtures test it).
 * - In the status file a paragraph without Status is not a package (dpkg always writes one).
 *   status.d files have no Status field (distroless writes none): there a missing Status means
 *   installed, and an explicit one is honoured.
 * - Paragraphs without Package or Version are skipped.
 *
 * Each package: Version as dpkg spells it (`1:2.5.1-4`, epoch included, which the deb purl
 * keeps too); `Source: name (version)` → the source package and, when it differs, its version
 * (binNMUs); Architecture, Installed-Size (KiB), Maintainer as metadata. Licenses come from
 * `usr/share/doc/<package>/copyright` when it is machine-readable (./dep5.ts).
 *
 * Graph: Depends and Pre-Depends (deb-control(5) "Package relationships"): comma-separated
 * entries, each a `|`-list of alternatives `name[:archqual] [(op version)] [[arches]] [<profiles>]`.
 * Every alternative that is installed becomes an edge (which one satisfies the dependency is
 * dpkg's choice at run time; all installed ones are candidates); names resolve to installed
 * packages by name or through their Provides (virtual packages). Recommends and Suggests are
 * not dependencies. In status.d the other packages live in sibling files, which are read once
 * per directory to resolve names.
 */
import type { Distro, Relationship, Warning } from '../../../formats/model/index.ts';
import { normalizeLicenses, type PackageInput, type ParseContext, type ParseResult } from '../../generic/index.ts';
import { decodeText, dirOf, type FileResolver } from '../../source/resolver.ts';
import { parseDeb822, type Paragraph } from './deb822.ts';
import { licensesFromCopyright, MAX_COPYRIGHT_BYTES } from './dep5.ts';
import { detectDistroAt, rootOf } from './distro.ts';
import { osPurl } from './purl.ts';

export const DPKG_DIR = 'var/lib/dpkg/';
/** Maintainer-script and list files that sit beside status.d entries in some images; they are not package stanzas. */
export const STATUS_D_CONTROL_SUFFIXES: readonly string[] = [
  '.md5sums', '.conffiles', '.list', '.preinst', '.postinst', '.prerm', '.postrm', '.triggers', '.shlibs', '.symbols', '.templates', '.config',
];
export const DPKG_GLOBS: readonly string[] = [`**/${DPKG_DIR}status`];
export const DPKG_STATUS_D_GLOBS: readonly string[] = [`**/${DPKG_DIR}status.d/!(${STATUS_D_CONTROL_SUFFIXES.map((s) => `*${s}`).join('|')})`];

/** Most files of one status.d directory read to resolve dependencies. */
export const MAX_STATUS_D_FILES = 50_000;

export interface DpkgEntry {
  readonly name: string;
  readonly version: string;
  readonly architecture?: string | undefined;
  readonly source?: string | undefined;
  readonly sourceVersion?: string | undefined;
  readonly installedSize?: string | undefined;
  readonly maintainer?: string | undefined;
  readonly provides: readonly string[];
  /** Each dependency: its installed-or-not alternatives, by name. */
  readonly depends: readonly (readonly string[])[];
  readonly line: number;
}

/** `Source: glibc (2.36-9)` → name and version. */
function parseSource(value: string | undefined): { source?: string; sourceVersion?: string } {
  if (value === undefined || value === '') return {};
  const m = /^(\S+)(?:\s*\(([^)]*)\))?/.exec(value);
  if (!m) return {};
  const v = m[2]?.trim();
  return { source: m[1]!, ...(v ? { sourceVersion: v } : {}) };
}

/** The package name of one relationship alternative: `libc6:any (>= 2.34) [amd64]` → `libc6`. */
export function relationName(alternative: string): string | undefined {
  const m = /^\s*([a-z0-9][a-z0-9+.-]*)(?::[a-z0-9-]+)?/i.exec(alternative);
  return m ? m[1]!.toLowerCase() : undefined;
}

/** Depends-style field → list of alternatives (names). */
export function parseRelations(value: string | undefined): string[][] {
  if (value === undefined || value === '') return [];
  const out: string[][] = [];
  for (const entry of value.split(',')) {
    const alts = entry
      .split('|')
      .map(relationName)
      .filter((n): n is string => n !== undefined);
    if (alts.length > 0) out.push(alts);
  }
  return out;
}

const INSTALLED_STATES = new Set(['installed', 'half-configured', 'triggers-awaited', 'triggers-pending']);

function isInstalled(p: Paragraph, statusD: boolean): boolean {
  const status = p.fields.get('status')?.value;
  if (status === undefined) return statusD;
  return INSTALLED_STATES.has(status.split(/\s+/)[2] ?? '');
}

/** The installed packages of a status text (a status file or a status.d entry). */
export function parseDpkgEntries(text: string, statusD: boolean, maxParagraphs: number): DpkgEntry[] {
  const out: DpkgEntry[] = [];
  for (const p of parseDeb822(text, { maxParagraphs })) {
    const name = p.fields.get('package')?.value;
    const version = p.fields.get('version')?.value;
    if (!name || !version || !isInstalled(p, statusD)) continue;
    const f = (k: string): string | undefined => p.fields.get(k)?.value || undefined;
    out.push({
      name,
      version,
      architecture: f('architecture'),
      ...parseSource(f('source')),
      installedSize: f('installed-size'),
      maintainer: f('maintainer'),
      provides: parseRelations(f('provides')).flat(),
      depends: [...parseRelations(f('pre-depends')), ...parseRelations(f('depends'))],
      line: p.line,
    });
  }
  return out;
}

export function dpkgPurl(e: DpkgEntry, distro: Distro | undefined): string {
  const upstream =
    e.source === undefined || (e.source === e.name && (e.sourceVersion === undefined || e.sourceVersion === e.version))
      ? undefined
      : e.sourceVersion !== undefined && e.sourceVersion !== e.version
        ? `${e.source}@${e.sourceVersion}`
        : e.source;
  return osPurl('deb', distro, e.name, e.version, { arch: e.architecture, upstream });
}

/** Name (and provided virtual name) → purls of the installed packages. */
type NameIndex = Map<string, string[]>;

function addTo(index: NameIndex, name: string, purl: string): void {
  const l = index.get(name);
  if (!l) index.set(name, [purl]);
  else if (!l.includes(purl)) l.push(purl);
}

function indexEntries(index: NameIndex, entries: readonly DpkgEntry[], distro: Distro | undefined): void {
  for (const e of entries) {
    const purl = dpkgPurl(e, distro);
    addTo(index, e.name.toLowerCase(), purl);
    for (const v of e.provides) addTo(index, v, purl);
  }
}

function edges(entries: readonly DpkgEntry[], distro: Distro | undefined, index: NameIndex): Relationship[] {
  const out: Relationship[] = [];
  const seen = new Set<string>();
  for (const e of entries) {
    const from = dpkgPurl(e, distro);
    for (const alts of e.depends) {
      for (const name of alts) {
        for (const to of index.get(name) ?? []) {
          const key = `${from} ${to}`;
          if (to === from || seen.has(key)) continue;
          seen.add(key);
          out.push({ from, to, type: 'depends-on' });
        }
      }
    }
  }
  return out;
}

async function licensesOf(resolver: FileResolver, root: string, name: string): Promise<string[]> {
  const path = `${root}usr/share/doc/${name}/copyright`;
  if (!resolver.get(path)) return [];
  try {
    return normalizeLicenses(licensesFromCopyright(decodeText(await resolver.read(path, MAX_COPYRIGHT_BYTES))));
  } catch {
    return []; // unreadable or too big: no license rather than a failed package list
  }
}

async function toPackages(entries: readonly DpkgEntry[], ctx: ParseContext, root: string, distro: Distro | undefined, path: string): Promise<PackageInput[]> {
  const out: PackageInput[] = [];
  for (const e of entries) {
    const metadata: Record<string, string> = {};
    if (e.architecture !== undefined) metadata.architecture = e.architecture;
    if (e.source !== undefined) metadata.source = e.source;
    if (e.sourceVersion !== undefined) metadata.sourceVersion = e.sourceVersion;
    if (e.installedSize !== undefined) metadata.installedSize = e.installedSize;
    if (e.maintainer !== undefined) metadata.maintainer = e.maintainer;
    out.push({
      name: e.name,
      version: e.version,
      type: 'deb',
      purl: dpkgPurl(e, distro),
      licenses: await licensesOf(ctx.resolver, root, e.name),
      scope: 'required',
      locations: [{ path, line: e.line }],
      metadata,
    });
  }
  return out;
}

/** `var/lib/dpkg/status`. */
export async function parseDpkgStatus(path: string, ctx: ParseContext): Promise<ParseResult> {
  const entries = parseDpkgEntries(await ctx.readText(path), false, ctx.limits.maxPackagesPerFile);
  const root = rootOf(path, DPKG_DIR);
  const distro = await detectDistroAt(ctx.resolver, root);
  const index: NameIndex = new Map();
  indexEntries(index, entries, distro);
  return { packages: await toPackages(entries, ctx, root, distro, path), relationships: edges(entries, distro, index) };
}

function isControlFile(path: string): boolean {
  return STATUS_D_CONTROL_SUFFIXES.some((s) => path.endsWith(s));
}

interface StatusDIndex {
  readonly index: NameIndex;
  readonly warnings: readonly Warning[];
  /** The first entry file of the directory: the one that reports the directory's warnings. */
  readonly first: string | undefined;
}

/** Per resolver: status.d directory → index of every package in it (built once). */
const statusDIndexes = new WeakMap<FileResolver, Map<string, Promise<StatusDIndex>>>();

async function buildStatusDIndex(ctx: ParseContext, dir: string, distro: Distro | undefined): Promise<StatusDIndex> {
  const index: NameIndex = new Map();
  const warnings: Warning[] = [];
  const files = ctx.resolver
    .files()
    .filter((f) => dirOf(f.path) === dir && !isControlFile(f.path))
    .map((f) => f.path);
  if (files.length > MAX_STATUS_D_FILES) {
    warnings.push({ location: { path: dir }, message: `dpkg: more than ${MAX_STATUS_D_FILES} files in status.d; dependencies resolved against the first ${MAX_STATUS_D_FILES}` });
  }
  for (const f of files.slice(0, MAX_STATUS_D_FILES)) {
    try {
      indexEntries(index, parseDpkgEntries(await ctx.readText(f), true, ctx.limits.maxPackagesPerFile), distro);
    } catch {
      // A bad sibling is reported when it is parsed itself; here it just resolves nothing.
    }
  }
  return { index, warnings, first: files[0] };
}

function statusDIndex(ctx: ParseContext, dir: string, distro: Distro | undefined): Promise<StatusDIndex> {
  let m = statusDIndexes.get(ctx.resolver);
  if (!m) {
    m = new Map();
    statusDIndexes.set(ctx.resolver, m);
  }
  let p = m.get(dir);
  if (!p) {
    p = buildStatusDIndex(ctx, dir, distro);
    m.set(dir, p);
  }
  return p;
}

/** `var/lib/dpkg/status.d/<name>` (distroless). */
export async function parseDpkgStatusD(path: string, ctx: ParseContext): Promise<ParseResult> {
  if (isControlFile(path)) return { packages: [] };
  const entries = parseDpkgEntries(await ctx.readText(path), true, ctx.limits.maxPackagesPerFile);
  const root = rootOf(path, DPKG_DIR);
  const distro = await detectDistroAt(ctx.resolver, root);
  const dir = dirOf(path);
  const { index, warnings, first } = await statusDIndex(ctx, dir, distro);
  return {
    packages: await toPackages(entries, ctx, root, distro, path),
    relationships: edges(entries, distro, index),
    // The directory's warnings are reported once, with its first file.
    ...(first === path && warnings.length > 0 ? { warnings } : {}),
  };
}

/** The copyright files a dpkg database at `root` may read (for prefetching). */
export function dpkgCompanions(resolver: FileResolver, root: string): string[] {
  const prefix = `${root}usr/share/doc/`;
  const index = resolver.byName?.().get('copyright');
  const candidates = index ?? resolver.files().map((f) => f.path).filter((p) => p.endsWith('/copyright'));
  return candidates.filter((p) => p.startsWith(prefix) && p.indexOf('/', prefix.length) === p.length - '/copyright'.length);
}

