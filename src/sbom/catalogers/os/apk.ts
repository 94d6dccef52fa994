/**
 * Installed Alpine packages: `lib/apk/db/installed` (or `usr/lib/apk/db/installed`), apk-tools' installed database
 * (https://wiki.alpinelinux.org/wiki/Apk_spec "Installed Database"). Hand-written: the format
 * is a line format (`X:value`, one letter per field; an empty line ends a package) with no
 * JavaScript reader. Read here:
 *
 *   P name  V version  A arch  L license  o origin (source package)  m maintainer  c commit
 *   C checksum of the package's control data: `Q1` + base64 SHA-1 (`Q2`: SHA-256; 32 hex: MD5)
 *   D depends  p provides  (space-separated; `name[op version]`, `so:lib.so.1`, `cmd:x`, `/bin/sh`;
 *   `!name` in D is a conflict, not a dependency)
 *
 * Every other field (files F/R/Z/a/M, sizes, install_if, ...) is skipped. A line that is not a
 * field is a FileParseError. Licenses: Alpine's L is an SPDX expression in current aports and
 * a space-separated list in older ones (`MIT BSD GPL2+`): the whole value when it parses as
 * SPDX, else each word.
 *
 * Graph: each D entry resolves to the installed packages that are named so or provide it.
 */
import type { Distro, Hash, Relationship } from '../../../formats/model/index.ts';
import { FileParseError, isSpdxExpression, normalizeLicenses, type PackageInput, type ParseContext, type ParseResult } from '../../generic/index.ts';
import { detectDistroAt, rootOf } from './distro.ts';
import { osPurl } from './purl.ts';

/** `usr/lib/apk/db/` since Alpine's /usr merge (apk-tools 2.14.5+ with a `lib/apk` link), `lib/apk/db/` before. */
export const APK_DIRS: readonly string[] = ['usr/lib/apk/db/', 'lib/apk/db/'];
export const APK_GLOBS: readonly string[] = APK_DIRS.map((d) => `**/${d}installed`);

export interface ApkEntry {
  readonly name: string;
  readonly version: string;
  readonly arch?: string | undefined;
  readonly license?: string | undefined;
  readonly origin?: string | undefined;
  readonly maintainer?: string | undefined;
  readonly commit?: string | undefined;
  readonly checksum?: Hash | undefined;
  readonly depends: readonly string[];
  readonly provides: readonly string[];
  readonly line: number;
}

/** `Q1<base64>` (SHA-1), `Q2<base64>` (SHA-256), or 32 hex digits (MD5, old databases). */
export function apkChecksum(value: string): Hash | undefined {
  const q = /^Q([12])([A-Za-z0-9+/]+={0,2})$/.exec(value);
  if (q) {
    const bytes = Buffer.from(q[2]!, 'base64');
    const want = q[1] === '1' ? 20 : 32;
    return bytes.length === want ? { alg: q[1] === '1' ? 'SHA-1' : 'SHA-256', value: bytes.toString('hex') } : undefined;
  }
  return /^[0-9a-fA-F]{32}$/.test(value) ? { alg: 'MD5', value: value.toLowerCase() } : undefined;
}

/** `so:libc.musl-x86_64.so.1=1` / `musl>=1.2` / `!foo` → the name it is about (undefined for a conflict). */
function depName(token: string): string | undefined {
  if (token.startsWith('!')) return undefined;
  const m = /^[^<>=~]+/.exec(token);
  return m ? m[0] : undefined;
}

export function parseApkEntries(text: string, maxEntries: number): ApkEntry[] {
  const out: ApkEntry[] = [];
  let cur: Map<string, string> | undefined;
  let start = 0;
  const finish = (): void => {
    if (!cur) return;
    const name = cur.get('P');
    const version = cur.get('V');
    if (name && version) {
      if (out.length >= maxEntries) throw new FileParseError(`more than ${maxEntries} packages`, start);
      const words = (k: string): string[] => (cur!.get(k) ?? '').split(/\s+/).filter((w) => w !== '');
      out.push({
        name,
        version,
        arch: cur.get('A') || undefined,
        license: cur.get('L') || undefined,
        origin: cur.get('o') || undefined,
        maintainer: cur.get('m') || undefined,
        commit: cur.get('c') || undefined,
        checksum: cur.has('C') ? apkChecksum(cur.get('C')!) : undefined,
        depends: words('D').map(depName).filter((n): n is string => n !== undefined),
        provides: words('p').map(depName).filter((n): n is string => n !== undefined),
        line: start,
      });
    }
    cur = undefined;
  };
  if (text.includes('\0')) throw new FileParseError('binary data (NUL bytes) in the apk database');
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.endsWith('\r') ? lines[i]!.slice(0, -1) : lines[i]!;
    if (line.trim() === '') {
      finish();
      continue;
    }
    if (line.length < 2 || line[1] !== ':' || !/^[A-Za-z]$/.test(line[0]!)) {
      throw new FileParseError(`not an apk database field: ${JSON.stringify(line.slice(0, 60))}`, i + 1);
    }
    if (!cur) {
      cur = new Map();
      start = i + 1;
    }
    const key = line[0]!;
    // Package fields appear once; file fields (F, R, Z, a, M) repeat and are not kept.
    if (!cur.has(key)) cur.set(key, line.slice(2).trim());
  }
  finish();
  return out;
}

export function apkPurl(e: ApkEntry, distro: Distro | undefined): string {
  return osPurl('apk', distro, e.name, e.version, { arch: e.arch, upstream: e.origin !== undefined && e.origin !== e.name ? e.origin : undefined });
}

function apkLicenses(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  return normalizeLicenses(isSpdxExpression(raw) || /\b(?:AND|OR|WITH)\b/.test(raw) ? [raw] : raw.split(/\s+/));
}

/** `lib/apk/db/installed`. */
export async function parseApkInstalled(path: string, ctx: ParseContext): Promise<ParseResult> {
  const entries = parseApkEntries(await ctx.readText(path), ctx.limits.maxPackagesPerFile);
  const distro = await detectDistroAt(ctx.resolver, rootOf(path, APK_DIRS));
  const purls = entries.map((e) => apkPurl(e, distro));
  const providers = new Map<string, string[]>();
  const provide = (name: string, purl: string): void => {
    const l = providers.get(name);
    if (!l) providers.set(name, [purl]);
    else if (!l.includes(purl)) l.push(purl);
  };
  entries.forEach((e, i) => {
    provide(e.name, purls[i]!);
    for (const p of e.provides) provide(p, purls[i]!);
  });
  const relationships: Relationship[] = [];
  const seen = new Set<string>();
  entries.forEach((e, i) => {
    const from = purls[i]!;
    for (const d of e.depends) {
      for (const to of providers.get(d) ?? []) {
        if (to === from || seen.has(`${from} ${to}`)) continue;
        seen.add(`${from} ${to}`);
        relationships.push({ from, to, type: 'depends-on' });
      }
    }
  });
  const packages: PackageInput[] = entries.map((e, i) => {
    const metadata: Record<string, string> = {};
    if (e.arch !== undefined) metadata.architecture = e.arch;
    if (e.origin !== undefined) metadata.origin = e.origin;
    if (e.maintainer !== undefined) metadata.maintainer = e.maintainer;
    if (e.commit !== undefined) metadata.commit = e.commit;
    return {
      name: e.name,
      version: e.version,
      type: 'apk',
      purl: purls[i]!,
      licenses: apkLicenses(e.license),
      hashes: e.checksum ? [e.checksum] : [],
      scope: 'required',
      locations: [{ path, line: e.line }],
      metadata,
    };
  });
  return { packages, relationships };
}
