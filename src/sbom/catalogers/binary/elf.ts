/**
 * The few parts of an ELF file the binary catalogers need: the header, the loadable segments
 * (to turn a virtual address into a file offset) and the sections with a name we look for.
 *
 * Reference: the System V ABI, "Object Files" (gABI 4.1, ch. 4: ELF header, sections) and
 * "Program Loading" (ch. 5: program headers), for both classes (ELF32/ELF64) and both byte
 * orders. Hand-written because the npm ELF readers either read the whole file into memory
 * and parse everything (symbols, notes, DWARF) or are unmaintained; the catalogers need four
 * small reads, with every count and offset from the file checked before it is used.
 *
 * Most files probed are not ELF, and most ELF files are not Go or Rust binaries, so a file
 * this module cannot make sense of is reported as ElfFormatError, which callers log at debug
 * level and otherwise ignore: a malformed ELF file is never a warning.
 */
import type { ByteSource } from './reader.ts';

export const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/** p_type PT_LOAD; p_flags PF_X, PF_W. */
export const PT_LOAD = 1;
export const PF_X = 1;
export const PF_W = 2;
/** sh_type SHT_NOBITS: the section occupies no bytes of the file (.bss). */
export const SHT_NOBITS = 8;
/** sh_flags SHF_COMPRESSED (gABI): the section data starts with a compression header. */
export const SHF_COMPRESSED = 0x800;
/** e_shstrndx SHN_XINDEX: the real index is in section 0 (extended numbering, > 65279 sections). */
const SHN_XINDEX = 0xffff;

/** Largest program or section header entry accepted (the gABI sizes are 32/56 and 40/64 bytes). */
const MAX_ENTRY_SIZE = 256;
/** Largest section-name table read (real ones are a few hundred bytes). */
const MAX_SHSTRTAB_BYTES = 1024 * 1024;

export class ElfFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ElfFormatError';
  }
}

export interface ElfSegment {
  readonly type: number;
  readonly flags: number;
  readonly offset: number;
  readonly vaddr: number;
  readonly filesz: number;
  readonly memsz: number;
}

export interface ElfSection {
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly addr: number;
  readonly offset: number;
  readonly size: number;
}

export interface ElfFile {
  readonly is64: boolean;
  readonly littleEndian: boolean;
  /** e_machine (62 = x86-64, 183 = AArch64, ...). */
  readonly machine: number;
  /** PT_LOAD segments with file offsets and addresses that fit a JavaScript number. */
  readonly loads: readonly ElfSegment[];
  /** False when the file has no section header table (stripped with sstrip, packed with UPX, ...). */
  readonly hasSectionTable: boolean;
  /** The sections whose name was asked for (first of each name), by name. */
  readonly sections: ReadonlyMap<string, ElfSection>;
}

/** True when `head` starts with the ELF magic. */
export function isElf(head: Buffer): boolean {
  return head.length >= 4 && head.subarray(0, 4).equals(ELF_MAGIC);
}

/** Reads fixed-size fields in the file's byte order; 64-bit values become -1 when they do not fit a safe integer. */
class Fields {
  private readonly buf: Buffer;
  private readonly le: boolean;
  constructor(buf: Buffer, le: boolean) {
    this.buf = buf;
    this.le = le;
  }
  u16(off: number): number {
    return this.le ? this.buf.readUInt16LE(off) : this.buf.readUInt16BE(off);
  }
  u32(off: number): number {
    return this.le ? this.buf.readUInt32LE(off) : this.buf.readUInt32BE(off);
  }
  u64(off: number): number {
    const v = this.le ? this.buf.readBigUInt64LE(off) : this.buf.readBigUInt64BE(off);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(v);
  }
  word(off: number, is64: boolean): number {
    return is64 ? this.u64(off) : this.u32(off);
  }
}

/**
 * Parse the headers of an ELF file. `head` is the file's first bytes (at least PROBE_BYTES when
 * the file is that long); `wanted` names the sections to keep. Returns undefined when the file
 * is not ELF; throws ElfFormatError when it is ELF but malformed.
 */
export async function readElf(src: ByteSource, head: Buffer, wanted: ReadonlySet<string>): Promise<ElfFile | undefined> {
  if (!isElf(head)) return undefined;
  const klass = head[4];
  const data = head[5];
  if (klass !== 1 && klass !== 2) throw new ElfFormatError(`unknown ELF class ${klass}`);
  if (data !== 1 && data !== 2) throw new ElfFormatError(`unknown ELF data encoding ${data}`);
  const is64 = klass === 2;
  const le = data === 1;
  if (head.length < (is64 ? 64 : 52)) throw new ElfFormatError('truncated ELF header');
  const h = new Fields(head, le);
  const machine = h.u16(18);
  // ELF64: e_phoff 32, e_shoff 40, e_phentsize 54, e_phnum 56, e_shentsize 58, e_shnum 60, e_shstrndx 62.
  // ELF32: e_phoff 28, e_shoff 32, e_phentsize 42, e_phnum 44, e_shentsize 46, e_shnum 48, e_shstrndx 50.
  const phoff = is64 ? h.u64(32) : h.u32(28);
  const shoff = is64 ? h.u64(40) : h.u32(32);
  const [phentsize, phnum, shentsize, shnum, shstrndx] = is64
    ? [h.u16(54), h.u16(56), h.u16(58), h.u16(60), h.u16(62)]
    : [h.u16(42), h.u16(44), h.u16(46), h.u16(48), h.u16(50)];
  if (phoff < 0 || shoff < 0) throw new ElfFormatError('header table offset out of range');

  const loads: ElfSegment[] = [];
  if (phnum > 0 && phoff > 0) {
    const size = is64 ? 56 : 32;
    if (phentsize < size || phentsize > MAX_ENTRY_SIZE) throw new ElfFormatError(`program header entry size ${phentsize} is not in ${size}..${MAX_ENTRY_SIZE}`);
    const table = await src.read(phoff, phnum * phentsize);
    if (table.length < phnum * phentsize) throw new ElfFormatError('program header table runs past the end of the file');
    const f = new Fields(table, le);
    for (let i = 0; i < phnum; i++) {
      const o = i * phentsize;
      // ELF64: p_type 0, p_flags 4, p_offset 8, p_vaddr 16, p_filesz 32, p_memsz 40.
      // ELF32: p_type 0, p_offset 4, p_vaddr 8, p_filesz 16, p_memsz 20, p_flags 24.
      const seg: ElfSegment = is64
        ? { type: f.u32(o), flags: f.u32(o + 4), offset: f.u64(o + 8), vaddr: f.u64(o + 16), filesz: f.u64(o + 32), memsz: f.u64(o + 40) }
        : { type: f.u32(o), flags: f.u32(o + 24), offset: f.u32(o + 4), vaddr: f.u32(o + 8), filesz: f.u32(o + 16), memsz: f.u32(o + 20) };
      if (seg.type !== PT_LOAD || seg.offset < 0 || seg.vaddr < 0 || seg.filesz < 0 || seg.memsz < 0) continue;
      loads.push(seg);
    }
  }

  const sections = new Map<string, ElfSection>();
  const hasSectionTable = shnum > 0 && shoff > 0;
  if (hasSectionTable) {
    const size = is64 ? 64 : 40;
    if (shentsize < size || shentsize > MAX_ENTRY_SIZE) throw new ElfFormatError(`section header entry size ${shentsize} is not in ${size}..${MAX_ENTRY_SIZE}`);
    if (shstrndx === SHN_XINDEX) throw new ElfFormatError('extended section numbering is not supported');
    if (shstrndx >= shnum) throw new ElfFormatError(`section-name table index ${shstrndx} is out of range`);
    const table = await src.read(shoff, shnum * shentsize);
    if (table.length < shnum * shentsize) throw new ElfFormatError('section header table runs past the end of the file');
    const f = new Fields(table, le);
    // ELF64: sh_name 0, sh_type 4, sh_flags 8, sh_addr 16, sh_offset 24, sh_size 32.
    // ELF32: sh_name 0, sh_type 4, sh_flags 8, sh_addr 12, sh_offset 16, sh_size 20.
    const at = (i: number): Omit<ElfSection, 'name'> & { nameOff: number } => {
      const o = i * shentsize;
      return {
        nameOff: f.u32(o),
        type: f.u32(o + 4),
        // Only the low flag bits are defined for our purposes; the high word of ELF64 flags is OS/processor-specific.
        flags: f.u32(o + 8 + (is64 && !le ? 4 : 0)),
        addr: f.word(is64 ? o + 16 : o + 12, is64),
        offset: f.word(is64 ? o + 24 : o + 16, is64),
        size: f.word(is64 ? o + 32 : o + 20, is64),
      };
    };
    const strtab = at(shstrndx);
    if (strtab.offset < 0 || strtab.size < 0 || strtab.type === SHT_NOBITS) throw new ElfFormatError('bad section-name table');
    if (strtab.size > MAX_SHSTRTAB_BYTES) throw new ElfFormatError(`section-name table of ${strtab.size} bytes is over the limit`);
    const names = await src.read(strtab.offset, strtab.size);
    if (names.length < strtab.size) throw new ElfFormatError('section-name table runs past the end of the file');
    for (let i = 0; i < shnum; i++) {
      const s = at(i);
      if (s.nameOff >= names.length) continue;
      const end = names.indexOf(0, s.nameOff);
      const name = names.toString('latin1', s.nameOff, end < 0 ? names.length : end);
      if (!wanted.has(name) || sections.has(name) || s.offset < 0 || s.size < 0 || s.addr < 0) continue;
      sections.set(name, { name, type: s.type, flags: s.flags, addr: s.addr, offset: s.offset, size: s.size });
    }
  }
  return { is64, littleEndian: le, machine, loads, hasSectionTable, sections };
}

/**
 * The file bytes of a section, at most `max` of them. Throws ElfFormatError when the section
 * has no file bytes, is compressed, or runs past the end of the file.
 */
export async function readSection(src: ByteSource, sec: ElfSection, max: number): Promise<Buffer> {
  if (sec.type === SHT_NOBITS) throw new ElfFormatError(`${sec.name} has no bytes in the file`);
  if ((sec.flags & SHF_COMPRESSED) !== 0) throw new ElfFormatError(`${sec.name} is compressed`);
  const want = Math.min(sec.size, max);
  const buf = await src.read(sec.offset, want);
  if (buf.length < want) throw new ElfFormatError(`${sec.name} runs past the end of the file`);
  return buf;
}

/**
 * Up to `size` bytes at virtual address `addr`, from the loadable segment that maps it (as Go's
 * debug/buildinfo elfExe.DataReader does: never past the end of that segment's file bytes).
 * Returns undefined when no segment maps the address.
 */
export async function readVirtual(src: ByteSource, elf: ElfFile, addr: number, size: number): Promise<Buffer | undefined> {
  for (const seg of elf.loads) {
    if (seg.filesz === 0 || addr < seg.vaddr || addr > seg.vaddr + seg.filesz - 1) continue;
    const n = Math.min(size, seg.vaddr + seg.filesz - addr);
    return src.read(seg.offset + (addr - seg.vaddr), n);
  }
  return undefined;
}
