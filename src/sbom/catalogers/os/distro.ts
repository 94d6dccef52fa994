/**
 * Which Linux distribution a root filesystem is: os-release(5) first, then the files older
 * releases have instead, in syft's order (syft/linux/identify_release.go):
 *
 *   etc/os-release, usr/lib/os-release     os-release(5): ID, VERSION_ID, ID_LIKE, ...
 *   etc/system-release-cpe                 CentOS 6: `cpe:/o:centos:linux:6:GA`
 *   etc/redhat-release                     CentOS 5, RHEL clones: `CentOS release 5.7 (Final)`
 *   bin/busybox                            busybox-only images: `BusyBox v1.31.1` in the binary
 *
 * Debian's os-release has no VERSION_ID on testing/sid and in old distroless images; there
 * `etc/debian_version` supplies it when it is a plain release number (`10.8`). Unlike syft we
 * do not replace a VERSION_ID that is present (`13`) with the point release (`13.5`): the
 * distro qualifier of a purl names the release (`distro=debian-13`), and Debian's security
 * tracker is keyed by release, not point release.
 *
 * An os-release without ID is not used: os-release(5) lets readers assume `ID=linux`, which
 * names no distribution, and Vouch does not guess one from ID_LIKE (grype does).
 */
import type { Distro } from '../../../formats/model/index.ts';
import type { FileResolver } from '../../source/resolver.ts';
import { decodeText } from '../../source/resolver.ts';

/** Files read to identify the distribution, relative to the root, in the order tried. */
export const DISTRO_FILES: readonly string[] = [
  'etc/os-release',
  'usr/lib/os-release',
  'etc/system-release-cpe',
  'etc/redhat-release',
  'etc/debian_version',
  'bin/busybox',
];

/** os-release and the other text files are small; anything bigger is not one. */
const MAX_TEXT_BYTES = 64 * 1024;
/** A busybox binary is ~1-2 MiB; its version string is read from at most this much. */
const MAX_BUSYBOX_BYTES = 8 * 1024 * 1024;
/** Most assignments read from one os-release file. */
const MAX_ASSIGNMENTS = 1000;

/**
 * Parse os-release(5) text into its assignments. The syntax is a subset of shell: `KEY=value`
 * lines; values may be single-quoted (literal), double-quoted (`\` escapes `"`, `\`, `` ` ``
 * and `$`; a backslash-newline joins lines) or bare (`\` escapes the next character);
 * lines starting with `#` are comments; blank lines are ignored. Malformed lines are skipped,
 * as systemd's own reader (parse_env_file) does.
 */
export function parseOsRelease(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const s = text.replace(/\r\n?/g, '\n');
  let i = 0;
  const n = s.length;
  while (i < n && out.size < MAX_ASSIGNMENTS) {
    // Start of a line: skip blanks, comments and empty lines.
    while (i < n && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n')) i++;
    if (i >= n) break;
    if (s[i] === '#' || s[i] === ';') {
      while (i < n && s[i] !== '\n') i++;
      continue;
    }
    const eq = s.indexOf('=', i);
    const eol = s.indexOf('\n', i) < 0 ? n : s.indexOf('\n', i);
    if (eq < 0 || eq > eol) {
      i = eol; // not an assignment
      continue;
    }
    const key = s.slice(i, eq).trim();
    i = eq + 1;
    let value = '';
    let lastSignificant = 0; // length of `value` up to its last non-blank or quoted character
    let atValueStart = true;
    while (i < n && s[i] !== '\n') {
      const c = s[i]!;
      if (atValueStart && (c === ' ' || c === '\t')) {
        i++;
        continue;
      }
      atValueStart = false;
      if (c === "'") {
        const end = s.indexOf("'", i + 1);
        const stop = end < 0 ? n : end;
        value += s.slice(i + 1, stop);
        lastSignificant = value.length;
        i = stop + 1;
      } else if (c === '"') {
        i++;
        while (i < n && s[i] !== '"') {
          if (s[i] === '\\' && i + 1 < n) {
            const next = s[i + 1]!;
            if (next === '\n') {
              i += 2;
              continue;
            }
            if ('"\\`$'.includes(next)) {
              value += next;
              i += 2;
              continue;
            }
          }
          value += s[i];
          i++;
        }
        lastSignificant = value.length;
        i++; // the closing quote
      } else if (c === '\\') {
        const next = s[i + 1];
        if (next === '\n') i += 2;
        else if (next !== undefined) {
          value += next;
          lastSignificant = value.length;
          i += 2;
        } else i++;
      } else {
        value += c;
        if (c !== ' ' && c !== '\t') lastSignificant = value.length;
        i++;
      }
    }
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) out.set(key, value.slice(0, lastSignificant));
  }
  return out;
}

/** A Distro from os-release assignments, or undefined when they name no ID. */
export function distroFromOsRelease(values: ReadonlyMap<string, string>): Distro | undefined {
  // ID: "A lower-case string (no spaces or other characters outside of 0–9, a–z, '.', '_'
  // and '-')"; anything else is not an identifier we can put in a purl. VERSION_ID: the same
  // characters; a value with blanks, control or non-ASCII characters is dropped.
  const id = values.get('ID')?.trim().toLowerCase();
  if (id === undefined || !/^[a-z0-9._-]+$/.test(id)) return undefined;
  const versionId = values.get('VERSION_ID')?.trim();
  const idLike = (values.get('ID_LIKE') ?? '')
    .split(/\s+/)
    .map((s) => s.toLowerCase())
    .filter((s) => s !== '');
  return build({
    id,
    versionId: versionId !== undefined && /^[!-~]+$/.test(versionId) ? versionId : undefined,
    versionCodename: values.get('VERSION_CODENAME')?.trim(),
    prettyName: values.get('PRETTY_NAME')?.trim(),
    idLike,
  });
}

function build(d: { id: string; versionId?: string | undefined; versionCodename?: string | undefined; prettyName?: string | undefined; idLike?: string[] }): Distro {
  return {
    id: d.id,
    ...(d.versionId ? { versionId: d.versionId } : {}),
    ...(d.versionCodename ? { versionCodename: d.versionCodename } : {}),
    ...(d.prettyName ? { prettyName: d.prettyName } : {}),
    ...(d.idLike && d.idLike.length > 0 ? { idLike: d.idLike } : {}),
  };
}

/** CPE vendor → os-release ID, where they differ. */
const CPE_VENDOR_IDS: Readonly<Record<string, string>> = { redhat: 'rhel', oracle: 'ol', amazon: 'amzn', fedoraproject: 'fedora', scientificlinux: 'scientific' };

/** `etc/system-release-cpe` (CentOS 6): `cpe:/o:VENDOR:PRODUCT:VERSION[:...]`. */
export function distroFromSystemReleaseCpe(text: string): Distro | undefined {
  const m = /cpe:\/o:([^:\s]+):[^:\s]*:([^:\s]+):\S*$/m.exec(text.trim());
  if (!m) return undefined;
  const vendor = m[1]!.toLowerCase();
  const id = CPE_VENDOR_IDS[vendor] ?? vendor;
  return build({ id, versionId: m[2], prettyName: vendor, idLike: [id] });
}

/** Product names in `etc/redhat-release` → os-release ID and ID_LIKE. */
const REDHAT_RELEASE_NAMES: readonly (readonly [RegExp, string, string[]])[] = [
  [/^red hat enterprise linux/i, 'rhel', ['rhel']],
  [/^centos/i, 'centos', ['centos', 'rhel']],
  [/^almalinux/i, 'almalinux', ['almalinux', 'rhel']],
  [/^rocky linux/i, 'rocky', ['rocky', 'rhel']],
  [/^scientific linux/i, 'scientific', ['scientific', 'rhel']],
  [/^oracle linux/i, 'ol', ['ol', 'rhel']],
];

/** `etc/redhat-release`: `NAME release MAJOR.MINOR (CODENAME)`; a release without a minor version is not trusted (syft's rule). */
export function distroFromRedhatRelease(text: string): Distro | undefined {
  const line = text.split('\n', 1)[0]!.trim();
  const m = /^(.*?)\s+release\s+(\d+\.\d+)\b/.exec(line);
  if (!m) return undefined;
  const known = REDHAT_RELEASE_NAMES.find(([re]) => re.test(m[1]!));
  if (!known) return undefined;
  return build({ id: known[1], versionId: m[2], prettyName: line, idLike: [...known[2]] });
}

/** `bin/busybox`: the version string compiled into the binary. */
export function distroFromBusybox(bytes: Buffer): Distro | undefined {
  const m = /BusyBox v(\d+(?:\.\d+)+)/.exec(bytes.toString('latin1'));
  if (!m) return undefined;
  return build({ id: 'busybox', versionId: m[1], prettyName: `BusyBox v${m[1]}`, idLike: ['busybox'] });
}

async function readIf(resolver: FileResolver, path: string, maxBytes: number): Promise<Buffer | undefined> {
  if (!resolver.get(path)) return undefined;
  try {
    return await resolver.read(path, maxBytes);
  } catch {
    return undefined; // too big, unreadable: not an identity file
  }
}

/** Identify the distribution of the root filesystem at `root` (`''` or a prefix ending in `/`). */
async function identify(resolver: FileResolver, root: string): Promise<Distro | undefined> {
  const text = async (p: string): Promise<string | undefined> => {
    const b = await readIf(resolver, root + p, MAX_TEXT_BYTES);
    return b === undefined ? undefined : decodeText(b);
  };
  for (const p of ['etc/os-release', 'usr/lib/os-release']) {
    const t = await text(p);
    const d = t === undefined ? undefined : distroFromOsRelease(parseOsRelease(t));
    if (d) return d.id === 'debian' && d.versionId === undefined ? withDebianVersion(d, await text('etc/debian_version')) : d;
  }
  const cpe = await text('etc/system-release-cpe');
  const fromCpe = cpe === undefined ? undefined : distroFromSystemReleaseCpe(cpe);
  if (fromCpe) return fromCpe;
  const rh = await text('etc/redhat-release');
  const fromRh = rh === undefined ? undefined : distroFromRedhatRelease(rh);
  if (fromRh) return fromRh;
  // Last: other distributions ship busybox too.
  const bb = await readIf(resolver, root + 'bin/busybox', MAX_BUSYBOX_BYTES);
  return bb === undefined ? undefined : distroFromBusybox(bb);
}

function withDebianVersion(d: Distro, debianVersion: string | undefined): Distro {
  const v = debianVersion?.trim();
  return v !== undefined && /^\d+(?:\.\d+)?$/.test(v) ? { ...d, versionId: v } : d;
}

const cache = new WeakMap<FileResolver, Map<string, Promise<Distro | undefined>>>();

/**
 * The distribution of the root filesystem at `root` of the resolver: `''` for the source's own
 * root, or the prefix (ending in `/`) of a root filesystem found inside it. Cached per resolver.
 */
export function detectDistroAt(resolver: FileResolver, root: string): Promise<Distro | undefined> {
  let m = cache.get(resolver);
  if (!m) {
    m = new Map();
    cache.set(resolver, m);
  }
  let p = m.get(root);
  if (!p) {
    p = identify(resolver, root);
    m.set(root, p);
  }
  return p;
}

/** The distribution of the source's root filesystem, if it is one. */
export function detectDistro(resolver: FileResolver): Promise<Distro | undefined> {
  return detectDistroAt(resolver, '');
}

/**
 * The root filesystem prefix of a package database path, given the database's directory
 * relative to the root: `a/b/var/lib/dpkg/status` with `var/lib/dpkg/` → `a/b/`. Several
 * directories are tried in order (put `usr/lib/apk/db/` before `lib/apk/db/`). A path that
 * contains none of them is taken to be at the root.
 */
export function rootOf(path: string, dirs: string | readonly string[]): string {
  for (const dir of typeof dirs === 'string' ? [dirs] : dirs) {
    if (path.startsWith(dir)) return '';
    const i = path.lastIndexOf(`/${dir}`);
    if (i >= 0) return path.slice(0, i + 1);
  }
  return '';
}

/** The identity files present under `root` (for prefetching; busybox is read only as a last resort, so it is left out). */
export function distroFilesAt(resolver: FileResolver, root: string): string[] {
  return DISTRO_FILES.filter((f) => f !== 'bin/busybox' && resolver.get(root + f) !== undefined).map((f) => root + f);
}
