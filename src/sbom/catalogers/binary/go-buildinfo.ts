/**
 * Go build information embedded in ELF binaries, read as Go's own `debug/buildinfo` reads it
 * (go/src/debug/buildinfo/buildinfo.go, Go 1.23) and parsed as `runtime/debug.ParseBuildInfo`
 * parses it (go/src/runtime/debug/mod.go). Hand-written because no npm package reads Go build
 * info; the Go tool (`go version -m`) is not something an SBOM tool may require.
 *
 * The blob the linker writes (cmd/link/internal/ld.Link.buildinfo) is a 32-byte header:
 * the magic `\xff Go buildinf:` (14 bytes), the pointer size (1 byte), flags (1 byte: bit 0
 * big-endian, bit 1 "strings inline"), then two pointers used only by the old format.
 * - Go ≥ 1.18 (inline): the header is followed by the Go version and the module info as two
 *   uvarint-length-prefixed strings.
 * - Go 1.13–1.17 (pointers): the two pointers are virtual addresses of Go string headers
 *   (data pointer, length), each resolved through the loadable segments.
 * The module info is framed by two 16-byte sentinels (cmd/go/internal/modload infoStart and
 * infoEnd), stripped when the byte before the end sentinel is a newline, as Go does.
 *
 * Where the blob is: the `.go.buildinfo` section when the file has one (every Go ≥ 1.13 ELF
 * binary with section headers), else, as Go does, the first writable, non-executable PT_LOAD
 * segment, searched for the 16-byte-aligned magic. That fallback runs only for files without
 * a section header table (stripped by sstrip, say) or with sections only Go's linker writes:
 * other ELF files, the great majority, cost no read beyond their headers.
 *
 * Two departures from Go, both lenient: the section is read from its file offset even when no
 * segment maps it (Go reads through the segments), and inline strings are read from the
 * section's bytes only (the linker sizes the section to hold them).
 */
import { FileParseError } from '../../generic/index.ts';
import { PF_W, PF_X, readSection, readVirtual, type ElfFile } from './elf.ts';
import { GO_BUILDINFO_SECTION, GO_MARKER_SECTIONS } from './probe.ts';
import type { ByteSource } from './reader.ts';

const MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const HEADER_SIZE = 32;
const ALIGN = 16;
const FLAG_BIG_ENDIAN = 0x1;
const FLAG_INLINE = 0x2;

/** Most bytes of the `.go.buildinfo` section read (real ones are a few KiB; kubectl's is 4 KiB). */
const MAX_SECTION_BYTES = 16 * 1024 * 1024;
/** Most bytes of the data segment searched for the magic when there is no section (the linker puts it near the start). */
const MAX_SEGMENT_SEARCH = 1024 * 1024;
/** Longest version or module-info string accepted from the pointer format. */
const MAX_STRING_BYTES = 16 * 1024 * 1024;

export interface RawBuildInfo {
  /** runtime.buildVersion, e.g. `go1.19.8` or `go1.22.0 X:boringcrypto`. */
  readonly goVersion: string;
  /** The module info text without its sentinels; '' for a binary built outside module mode without one. */
  readonly modinfo: string;
}

/**
 * The raw build info of an ELF file, or undefined when it is not a Go binary (Go's
 * errNotGoExe: no magic, a truncated blob, an absurd length, an empty version).
 */
export async function readRawBuildInfo(src: ByteSource, elf: ElfFile): Promise<RawBuildInfo | undefined> {
  let data: Buffer;
  let vaddr: number;
  const sec = elf.sections.get(GO_BUILDINFO_SECTION);
  if (sec) {
    data = await readSection(src, sec, MAX_SECTION_BYTES);
    vaddr = sec.addr;
  } else if (!elf.hasSectionTable || GO_MARKER_SECTIONS.some((n) => elf.sections.has(n))) {
    // debug/buildinfo elfExe.DataStart: the first PT_LOAD that is writable and not executable.
    const seg = elf.loads.find((p) => (p.flags & (PF_X | PF_W)) === PF_W);
    if (!seg) return undefined;
    data = await src.read(seg.offset, Math.min(seg.filesz, MAX_SEGMENT_SEARCH));
    vaddr = seg.vaddr;
  } else {
    return undefined;
  }

  const pos = findMagic(data, vaddr);
  if (pos === undefined) return undefined;
  const ptrSize = data[pos + 14]!;
  const flags = data[pos + 15]!;

  let version: Buffer | undefined;
  let mod: Buffer | undefined;
  if ((flags & FLAG_INLINE) !== 0) {
    const v = decodeString(data, pos + HEADER_SIZE);
    if (!v) return undefined;
    const m = decodeString(data, v.next);
    if (!m) return undefined;
    version = v.value;
    mod = m.value;
  } else {
    if (ptrSize !== 4 && ptrSize !== 8) return undefined;
    const big = (flags & FLAG_BIG_ENDIAN) !== 0;
    const readPtr = (buf: Buffer, off: number): number => pointer(buf, off, ptrSize, big);
    version = await readGoString(src, elf, ptrSize, readPtr, readPtr(data, pos + 16));
    mod = await readGoString(src, elf, ptrSize, readPtr, readPtr(data, pos + 16 + ptrSize));
  }
  if (!version || version.length === 0) return undefined;
  // Strip the module framing: 16 sentinel bytes each side, the last text byte a newline.
  const modinfo = mod && mod.length >= 33 && mod[mod.length - 17] === 0x0a ? mod.subarray(16, mod.length - 16).toString('utf8') : '';
  return { goVersion: version.toString('utf8'), modinfo };
}

/** Offset in `data` of the first magic at a 16-byte-aligned virtual address with a whole header after it. */
function findMagic(data: Buffer, vaddr: number): number | undefined {
  let from = 0;
  for (;;) {
    const i = data.indexOf(MAGIC, from);
    if (i < 0) return undefined;
    if ((vaddr + i) % ALIGN === 0) return data.length - i >= HEADER_SIZE ? i : undefined;
    from = i + 1;
  }
}

/** encoding/binary.Uvarint, refusing values that do not fit a safe integer. */
export function uvarint(buf: Buffer, off: number): { value: number; length: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10 && off + i < buf.length; i++) {
    const b = buf[off + i]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return Number.isSafeInteger(value) ? { value, length: i + 1 } : undefined;
    scale *= 128;
  }
  return undefined;
}

/** debug/buildinfo decodeString: a uvarint length, then that many bytes, all inside `buf`. */
function decodeString(buf: Buffer, off: number): { value: Buffer; next: number } | undefined {
  const n = uvarint(buf, off);
  if (!n) return undefined;
  const start = off + n.length;
  if (n.value > buf.length - start) return undefined;
  return { value: buf.subarray(start, start + n.value), next: start + n.value };
}

function pointer(buf: Buffer, off: number, size: 4 | 8, big: boolean): number {
  if (off + size > buf.length) return -1;
  if (size === 4) return big ? buf.readUInt32BE(off) : buf.readUInt32LE(off);
  const v = big ? buf.readBigUInt64BE(off) : buf.readBigUInt64LE(off);
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(v);
}

/** debug/buildinfo readString: a Go string header (data pointer, length) at `addr`, then its bytes. */
async function readGoString(
  src: ByteSource,
  elf: ElfFile,
  ptrSize: 4 | 8,
  readPtr: (buf: Buffer, off: number) => number,
  addr: number,
): Promise<Buffer | undefined> {
  if (addr < 0) return undefined;
  const hdr = await readVirtual(src, elf, addr, 2 * ptrSize);
  if (!hdr || hdr.length < 2 * ptrSize) return undefined;
  const dataAddr = readPtr(hdr, 0);
  const dataLen = readPtr(hdr, ptrSize);
  if (dataAddr < 0 || dataLen < 0 || dataLen > MAX_STRING_BYTES) return undefined;
  if (dataLen === 0) return Buffer.alloc(0);
  const data = await readVirtual(src, elf, dataAddr, dataLen);
  return data && data.length >= dataLen ? data : undefined;
}

export interface GoModule {
  readonly path: string;
  readonly version: string;
  /** `h1:` + base64 of the module's dirhash, '' when not recorded. */
  readonly sum: string;
  readonly replace?: GoModule;
}

export interface BuildSetting {
  readonly key: string;
  readonly value: string;
}

export interface BuildInfo {
  /** Package path of the main package (`path` line). */
  readonly path: string;
  /** The main module (`mod` line), absent outside module mode. */
  readonly main?: GoModule;
  readonly deps: readonly GoModule[];
  readonly settings: readonly BuildSetting[];
}

/**
 * runtime/debug.ParseBuildInfo: `path`, `mod`, `dep`, `=>` (replaces the module on the line
 * before) and `build key=value` lines, tab-separated; unknown lines are ignored, and so is a
 * last line without its newline. Throws FileParseError naming the module-info line on error.
 */
export function parseBuildInfo(text: string): BuildInfo {
  let path = '';
  let main: Mutable<GoModule> | undefined;
  const deps: Mutable<GoModule>[] = [];
  const settings: BuildSetting[] = [];
  let last: Mutable<GoModule> | undefined;
  let lineNum = 1;
  const fail = (message: string): FileParseError => new FileParseError(`could not parse Go build info: line ${lineNum}: ${message}`);
  const moduleLine = (rest: string): Mutable<GoModule> => {
    const elem = rest.split('\t');
    if (elem.length !== 2 && elem.length !== 3) throw fail(`expected 2 or 3 columns; got ${elem.length}`);
    return { path: elem[0]!, version: elem[1]!, sum: elem[2] ?? '' };
  };

  let data = text;
  while (data.length > 0) {
    const nl = data.indexOf('\n');
    if (nl < 0) break;
    const line = data.slice(0, nl);
    data = data.slice(nl + 1);
    if (line.startsWith('path\t')) {
      path = line.slice(5);
    } else if (line.startsWith('mod\t')) {
      main = moduleLine(line.slice(4));
      last = main;
    } else if (line.startsWith('dep\t')) {
      last = moduleLine(line.slice(4));
      deps.push(last);
    } else if (line.startsWith('=>\t')) {
      const elem = line.slice(3).split('\t');
      if (elem.length !== 3) throw fail(`expected 3 columns for replacement; got ${elem.length}`);
      if (!last) throw fail('replacement with no module on previous line');
      last.replace = { path: elem[0]!, version: elem[1]!, sum: elem[2]! };
      last = undefined;
    } else if (line.startsWith('build\t')) {
      settings.push(buildSetting(line.slice(6), fail));
    }
    lineNum++;
  }
  return { path, ...(main ? { main } : {}), deps, settings };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** quoteKey and quoteValue of runtime/debug: what must have been quoted. */
const quoteKey = (k: string): boolean => k.length === 0 || /[= \t\r\n"`]/.test(k);
const quoteValue = (v: string): boolean => /[ \t\r\n"`]/.test(v);

function buildSetting(kv: string, fail: (message: string) => FileParseError): BuildSetting {
  if (kv.length < 1) throw fail("build line missing '='");
  if (kv[0] === '=') throw fail('build line with missing key');
  let key: string;
  let rawValue: string;
  if (kv[0] === '`' || kv[0] === '"') {
    const rawKey = quotedPrefix(kv);
    if (rawKey === undefined) throw fail('invalid quoted key in build line');
    if (kv.length === rawKey.length) throw fail("build line missing '=' after quoted key");
    if (kv[rawKey.length] !== '=') throw fail(`unexpected character after quoted key: ${JSON.stringify(kv[rawKey.length])}`);
    key = unquote(rawKey) ?? '';
    rawValue = kv.slice(rawKey.length + 1);
  } else {
    const eq = kv.indexOf('=');
    if (eq < 0) throw fail("build line missing '=' after key");
    key = kv.slice(0, eq);
    rawValue = kv.slice(eq + 1);
    if (quoteKey(key)) throw fail(`unquoted key ${JSON.stringify(key)} must be quoted`);
  }
  let value = '';
  if (rawValue.length > 0) {
    if (rawValue[0] === '`' || rawValue[0] === '"') {
      const v = unquote(rawValue);
      if (v === undefined) throw fail('invalid quoted value in build line');
      value = v;
    } else {
      value = rawValue;
      if (quoteValue(value)) throw fail(`unquoted value ${JSON.stringify(value)} must be quoted`);
    }
  }
  return { key, value };
}

/** strconv.QuotedPrefix: the Go string literal (with its quotes) at the start of `s`. */
function quotedPrefix(s: string): string | undefined {
  const q = s[0];
  if (q === '`') {
    const end = s.indexOf('`', 1);
    return end < 0 ? undefined : s.slice(0, end + 1);
  }
  if (q !== '"') return undefined;
  for (let i = 1; i < s.length; i++) {
    const c = s[i];
    if (c === '\n') return undefined;
    if (c === '\\') i++;
    else if (c === '"') {
      const lit = s.slice(0, i + 1);
      return unquote(lit) === undefined ? undefined : lit;
    }
  }
  return undefined;
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, '"': 34 };

/**
 * strconv.Unquote for a whole Go string literal: raw (backquoted, carriage returns dropped)
 * or interpreted (`"..."` with \a \b \f \n \r \t \v \\ \" \xHH \NNN \uHHHH \UHHHHHHHH).
 * Go strings are bytes, so `\x` and octal escapes give bytes; the result is decoded as UTF-8.
 */
export function unquote(lit: string): string | undefined {
  if (lit.length < 2) return undefined;
  const q = lit[0];
  if (q !== lit[lit.length - 1]) return undefined;
  const body = lit.slice(1, -1);
  if (q === '`') return body.includes('`') ? undefined : body.replaceAll('\r', '');
  if (q !== '"') return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '"' || c === '\n') return undefined;
    if (c !== '\\') {
      const cp = body.codePointAt(i)!;
      if (cp > 0xffff) i++;
      bytes.push(...Buffer.from(String.fromCodePoint(cp), 'utf8'));
      continue;
    }
    const e = body[++i];
    if (e === undefined) return undefined;
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      bytes.push(simple);
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) return undefined;
      const v = Number.parseInt(hex, 16);
      i += n;
      if (e === 'x') bytes.push(v);
      else if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) return undefined;
      else bytes.push(...Buffer.from(String.fromCodePoint(v), 'utf8'));
    } else if (e >= '0' && e <= '7') {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct)) return undefined;
      const v = Number.parseInt(oct, 8);
      if (v > 255) return undefined;
      bytes.push(v);
      i += 2;
    } else {
      return undefined;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
