/**
 * Platforms (`os/arch[/variant]`) as containerd's platforms package treats them
 * (github.com/containerd/platforms: database.go normalizeArch, compare.go platformVector/Only):
 * names are normalised (`aarch64` → `arm64`, `arm64/v8` → `arm64`, `arm` → `arm/v7`,
 * `x86_64` → `amd64`, ...), and a wanted platform also accepts the platforms it can run, best
 * first (arm64 runs arm/v8…v5; arm/v7 runs v6, v5; amd64/v3 runs v2, v1, 386).
 */
import { VouchError } from '../../core/index.ts';

export interface PlatformSpec {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

/** GOOS names Go knows (go/build syslist.go, as containerd's database.go lists them). */
const KNOWN_OS = new Set([
  'aix', 'android', 'darwin', 'dragonfly', 'freebsd', 'hurd', 'illumos', 'ios', 'js', 'linux', 'nacl', 'netbsd', 'openbsd',
  'plan9', 'solaris', 'windows', 'zos',
]);
/** GOARCH names (same source), before normalisation adds the aliases. */
const KNOWN_ARCH = new Set([
  '386', 'amd64', 'amd64p32', 'arm', 'armbe', 'arm64', 'arm64be', 'ppc64', 'ppc64le', 'loong64', 'mips', 'mipsle', 'mips64',
  'mips64le', 'mips64p32', 'mips64p32le', 'ppc', 'riscv', 'riscv64', 's390', 's390x', 'sparc', 'sparc64', 'wasm',
]);
const ARCH_ALIASES = new Set(['i386', 'x86_64', 'x86-64', 'aarch64', 'armhf', 'armel']);
const PART_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** `os/arch[/variant]`. */
export function formatPlatform(p: PlatformSpec): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

/** containerd normalizeOS + normalizeArch. */
export function normalizePlatform(p: PlatformSpec): PlatformSpec {
  const os = p.os.toLowerCase() === 'macos' ? 'darwin' : p.os.toLowerCase();
  let arch = p.architecture.toLowerCase();
  let variant = (p.variant ?? '').toLowerCase();
  switch (arch) {
    case 'i386':
      arch = '386';
      variant = '';
      break;
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      arch = 'amd64';
      if (variant === 'v1') variant = '';
      break;
    case 'aarch64':
    case 'arm64':
      arch = 'arm64';
      if (variant === '8' || variant === 'v8') variant = '';
      break;
    case 'armhf':
      arch = 'arm';
      variant = 'v7';
      break;
    case 'armel':
      arch = 'arm';
      variant = 'v6';
      break;
    case 'arm':
      if (variant === '' || variant === '7') variant = 'v7';
      else if (variant === '5' || variant === '6' || variant === '8') variant = `v${variant}`;
      break;
  }
  return variant === '' ? { os, architecture: arch } : { os, architecture: arch, variant };
}

/**
 * Parse a platform specifier: `os/arch[/variant]`, or (as containerd's Parse) a lone `os` (the
 * host's architecture) or a lone `arch` (os linux). Throws USAGE with the reason.
 */
export function parsePlatform(spec: string): PlatformSpec {
  const parts = spec.split('/');
  const bad = (reason: string): VouchError =>
    new VouchError('USAGE', `invalid platform ${JSON.stringify(spec.slice(0, 100))}: ${reason}`, {
      hint: 'write os/arch[/variant], e.g. linux/amd64 or linux/arm/v7',
    });
  if (spec === '' || parts.length > 3) throw bad('want os/arch[/variant]');
  for (const part of parts) if (!PART_RE.test(part)) throw bad(`${JSON.stringify(part)} is not a platform component`);
  const [first = '', second, third] = parts;
  if (second === undefined) {
    const lower = first.toLowerCase();
    if (KNOWN_OS.has(lower) || lower === 'macos') return normalizePlatform({ os: lower, architecture: hostPlatform().architecture });
    if (KNOWN_ARCH.has(lower) || ARCH_ALIASES.has(lower)) return normalizePlatform({ os: 'linux', architecture: lower });
    throw bad(`${JSON.stringify(first)} is neither a known OS nor a known architecture`);
  }
  return normalizePlatform({ os: first, architecture: second, ...(third !== undefined && { variant: third }) });
}

/** Node's `process.arch` as GOARCH. */
function goArch(arch: string): string {
  switch (arch) {
    case 'x64':
      return 'amd64';
    case 'ia32':
      return '386';
    case 'ppc64':
      // Node builds for ppc64 are little-endian (Linux ppc64le).
      return 'ppc64le';
    case 'mipsel':
      return 'mipsle';
    case 'mips64el':
      return 'mips64le';
    default:
      // arm, arm64, s390x, riscv64, loong64, mips, ppc, s390 are already GOARCH names.
      return arch;
  }
}

/** Node's `process.platform` as GOOS. */
function goOs(platform: string): string {
  switch (platform) {
    case 'win32':
      return 'windows';
    case 'sunos':
      return 'solaris';
    case 'cygwin':
      return 'windows';
    default:
      return platform; // linux, darwin, freebsd, openbsd, netbsd, aix, android
  }
}

/** This machine as a GOOS/GOARCH platform (`arm` gets its variant from Node's build, as containerd reads cpuinfo). */
export function hostPlatform(): PlatformSpec {
  const architecture = goArch(process.arch);
  let variant: string | undefined;
  if (architecture === 'arm') {
    const v: unknown = (process.config.variables as unknown as Record<string, unknown>)['arm_version'];
    if (typeof v === 'string' || typeof v === 'number') variant = `v${v}`;
  }
  return normalizePlatform({ os: goOs(process.platform), architecture, ...(variant !== undefined && { variant }) });
}

/**
 * The platform chosen when none is asked for: Linux on this machine's architecture. The OS is
 * Linux even on macOS and Windows hosts, as Docker Desktop and Podman run Linux images there
 * and `docker pull` picks linux/<arch>; Windows images must be asked for with `--platform`.
 */
export function defaultPlatform(): PlatformSpec {
  const host = hostPlatform();
  return { ...host, os: 'linux' };
}

/** containerd platformVector: the wanted platform, then what it can also run, best first. */
export function compatiblePlatforms(wanted: PlatformSpec): PlatformSpec[] {
  const p = normalizePlatform(wanted);
  const out: PlatformSpec[] = [p];
  const at = (architecture: string, variant: string): PlatformSpec =>
    normalizePlatform({ os: p.os, architecture, ...(variant !== '' && { variant }) });
  const variantNumber = (v: string | undefined): number => {
    const n = /^v?(\d+)$/.exec(v ?? '');
    return n === null ? Number.NaN : Number(n[1]);
  };
  switch (p.architecture) {
    case 'amd64': {
      const level = variantNumber(p.variant);
      if (level > 1) for (let l = level - 1; l >= 1; l--) out.push(at('amd64', `v${l}`));
      out.push(at('386', ''));
      break;
    }
    case 'arm': {
      const level = variantNumber(p.variant);
      if (level > 5) for (let l = level - 1; l >= 5; l--) out.push(at('arm', `v${l}`));
      break;
    }
    case 'arm64': {
      let variant = p.variant ?? 'v8';
      const m = /^v?(\d+)(?:\.(\d+))?$/.exec(variant);
      if (m !== null && Number(m[1]) >= 8) {
        let major = Number(m[1]);
        let minor = m[2] !== undefined ? Number(m[2]) : 0;
        if (major === 9) {
          for (let n = minor - 1; n >= 0; n--) out.push(at('arm64', n === 0 ? 'v9' : `v9.${n}`));
          // v9.0 diverged from v8.5: v9.x runs v8.{x+5} and below (up to v8.9).
          minor = Math.min(minor + 5, 9);
          major = 8;
          out.push(at('arm64', `v8.${minor}`));
        }
        for (let n = minor - 1; n >= 0; n--) out.push(at('arm64', n === 0 ? `v${major}` : `v${major}.${n}`));
      }
      // Every arm64 runs 32-bit arm/v8 and below.
      if (variant.startsWith('v8.') || variant.startsWith('v9.')) variant = 'v8';
      out.push(...compatiblePlatforms({ os: p.os, architecture: 'arm', variant }));
      break;
    }
  }
  return out;
}

/** Whether two platforms are the same after normalisation (containerd's matcher, OS version aside). */
export function samePlatform(a: PlatformSpec, b: PlatformSpec): boolean {
  const x = normalizePlatform(a);
  const y = normalizePlatform(b);
  return x.os === y.os && x.architecture === y.architecture && (x.variant ?? '') === (y.variant ?? '');
}

/**
 * containerd's `platforms.Only(wanted)`: a rank for a candidate platform, 0 for the wanted one
 * itself, higher for platforms it can also run, -1 for no match.
 */
export function platformRank(wanted: PlatformSpec, candidate: PlatformSpec): number {
  return compatiblePlatforms(wanted).findIndex((p) => samePlatform(p, candidate));
}
