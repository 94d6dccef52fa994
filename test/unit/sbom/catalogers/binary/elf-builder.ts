/**
 * Test helpers: tiny ELF files built byte by byte (both classes, both byte orders, with or
 * without a section table), Go build-info blobs in the inline (Go ≥ 1.18) and pointer
 * (Go 1.13–1.17) layouts, and objcopy on a copy of a real system binary.
 *
 * The layouts follow the System V gABI (ELF header, program and section headers) and Go's
 * cmd/link buildinfo writer; tests check the catalogers against these independent writers.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SectionSpec {
  readonly name: string;
  readonly data: Buffer;
  /** sh_type; default SHT_PROGBITS (1). */
  readonly type?: number;
  readonly flags?: number;
  /** Map the section's bytes at this virtual address with a PT_LOAD segment. */
  readonly load?: { readonly vaddr: number; readonly flags: number };
}

export interface ElfSpec {
  readonly is64?: boolean;
  readonly littleEndian?: boolean;
  readonly sections?: readonly SectionSpec[];
  /** Default true; false writes e_shoff = e_shnum = 0 (as sstrip leaves a file). */
  readonly sectionTable?: boolean;
  readonly machine?: number;
}

export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

class Writer {
  readonly buf: Buffer;
  readonly le: boolean;
  constructor(size: number, le: boolean) {
    this.buf = Buffer.alloc(size);
    this.le = le;
  }
  u16(off: number, v: number): void {
    if (this.le) this.buf.writeUInt16LE(v, off);
    else this.buf.writeUInt16BE(v, off);
  }
  u32(off: number, v: number): void {
    if (this.le) this.buf.writeUInt32LE(v, off);
    else this.buf.writeUInt32BE(v, off);
  }
  u64(off: number, v: number): void {
    if (this.le) this.buf.writeBigUInt64LE(BigInt(v), off);
    else this.buf.writeBigUInt64BE(BigInt(v), off);
  }
}

const align = (n: number, a: number): number => Math.ceil(n / a) * a;

/** Layout: ELF header, program headers, section data (16-aligned), .shstrtab, section headers. */
export function buildElf(spec: ElfSpec): Buffer {
  const is64 = spec.is64 ?? true;
  const le = spec.littleEndian ?? true;
  const sections = spec.sections ?? [];
  const withTable = spec.sectionTable ?? true;
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const shentsize = is64 ? 64 : 40;
  const loads = sections.filter((s) => s.load);
  const phoff = ehsize;
  let off = phoff + loads.length * phentsize;
  const offsets: number[] = [];
  for (const s of sections) {
    off = align(off, 16);
    offsets.push(off);
    off += s.data.length;
  }
  const names = ['', ...sections.map((s) => s.name), '.shstrtab'];
  const nameOff: number[] = [];
  let strtab = Buffer.alloc(0);
  for (const n of names) {
    nameOff.push(strtab.length);
    strtab = Buffer.concat([strtab, Buffer.from(n, 'latin1'), Buffer.from([0])]);
  }
  const strtabOff = off;
  off += strtab.length;
  const shoff = align(off, 8);
  const shnum = names.length; // null section + sections + .shstrtab
  const total = withTable ? shoff + shnum * shentsize : off;

  const w = new Writer(total, le);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, le ? 1 : 2, 1]).copy(w.buf, 0);
  w.u16(16, 2); // ET_EXEC
  w.u16(18, spec.machine ?? (is64 ? 62 : 3));
  w.u32(20, 1);
  if (is64) {
    w.u64(32, loads.length > 0 ? phoff : 0);
    w.u64(40, withTable ? shoff : 0);
    w.u16(52, ehsize);
    w.u16(54, phentsize);
    w.u16(56, loads.length);
    w.u16(58, shentsize);
    w.u16(60, withTable ? shnum : 0);
    w.u16(62, withTable ? shnum - 1 : 0);
  } else {
    w.u32(28, loads.length > 0 ? phoff : 0);
    w.u32(32, withTable ? shoff : 0);
    w.u16(40, ehsize);
    w.u16(42, phentsize);
    w.u16(44, loads.length);
    w.u16(46, shentsize);
    w.u16(48, withTable ? shnum : 0);
    w.u16(50, withTable ? shnum - 1 : 0);
  }
  let ph = 0;
  sections.forEach((s, i) => {
    s.data.copy(w.buf, offsets[i]);
    if (!s.load) return;
    const o = phoff + ph++ * phentsize;
    w.u32(o, 1); // PT_LOAD
    if (is64) {
      w.u32(o + 4, s.load.flags);
      w.u64(o + 8, offsets[i]!);
      w.u64(o + 16, s.load.vaddr);
      w.u64(o + 24, s.load.vaddr);
      w.u64(o + 32, s.data.length);
      w.u64(o + 40, s.data.length);
      w.u64(o + 48, 16);
    } else {
      w.u32(o + 4, offsets[i]!);
      w.u32(o + 8, s.load.vaddr);
      w.u32(o + 12, s.load.vaddr);
      w.u32(o + 16, s.data.length);
      w.u32(o + 20, s.data.length);
      w.u32(o + 24, s.load.flags);
      w.u32(o + 28, 16);
    }
  });
  strtab.copy(w.buf, strtabOff);
  if (withTable) {
    const entries = [
      ...sections.map((s, i) => ({ name: nameOff[i + 1]!, type: s.type ?? 1, flags: s.flags ?? 0, addr: s.load?.vaddr ?? 0, offset: offsets[i]!, size: s.data.length })),
      { name: nameOff[names.length - 1]!, type: 3, flags: 0, addr: 0, offset: strtabOff, size: strtab.length },
    ];
    entries.forEach((e, i) => {
      const o = shoff + (i + 1) * shentsize;
      w.u32(o, e.name);
      w.u32(o + 4, e.type);
      if (is64) {
        w.u64(o + 8, e.flags);
        w.u64(o + 16, e.addr);
        w.u64(o + 24, e.offset);
        w.u64(o + 32, e.size);
      } else {
        w.u32(o + 8, e.flags);
        w.u32(o + 12, e.addr);
        w.u32(o + 16, e.offset);
        w.u32(o + 20, e.size);
      }
    });
  }
  return w.buf;
}

/** cmd/go/internal/modload infoStart and infoEnd: the sentinels around the module info. */
export const INFO_START = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
export const INFO_END = Buffer.from('f932433186182072008242104116d8f2', 'hex');
export const GO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');

export function framed(modinfo: string): Buffer {
  return Buffer.concat([INFO_START, Buffer.from(modinfo, 'utf8'), INFO_END]);
}

export function uvarint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Buffer.from(out);
}

/** The Go ≥ 1.18 blob: 32-byte header (flags bit 1 set), then the two strings inline. */
export function inlineBlob(version: string, mod: Buffer, opts: { ptrSize?: number; bigEndian?: boolean } = {}): Buffer {
  const header = Buffer.alloc(32);
  GO_MAGIC.copy(header);
  header[14] = opts.ptrSize ?? 8;
  header[15] = 0x2 | (opts.bigEndian === true ? 1 : 0);
  const v = Buffer.from(version, 'utf8');
  return Buffer.concat([header, uvarint(v.length), v, uvarint(mod.length), mod]);
}

/**
 * The Go 1.13–1.17 blob at virtual address `vaddr`: the header's two pointers lead to Go string
 * headers (data pointer, length) right after it, whose data follows.
 */
export function pointerBlob(vaddr: number, version: string, mod: Buffer, opts: { ptrSize: 4 | 8; bigEndian: boolean }): Buffer {
  const p = opts.ptrSize;
  const v = Buffer.from(version, 'utf8');
  const hdrs = 32;
  const versData = hdrs + 4 * p;
  const modData = versData + v.length;
  const buf = Buffer.alloc(modData + mod.length);
  GO_MAGIC.copy(buf);
  buf[14] = p;
  buf[15] = opts.bigEndian ? 1 : 0;
  const put = (off: number, value: number): void => {
    if (p === 4) {
      if (opts.bigEndian) buf.writeUInt32BE(value, off);
      else buf.writeUInt32LE(value, off);
    } else if (opts.bigEndian) buf.writeBigUInt64BE(BigInt(value), off);
    else buf.writeBigUInt64LE(BigInt(value), off);
  };
  put(16, vaddr + hdrs); // &runtime.buildVersion
  put(16 + p, vaddr + hdrs + 2 * p); // &runtime.modinfo
  put(hdrs, vaddr + versData);
  put(hdrs + p, v.length);
  put(hdrs + 2 * p, vaddr + modData);
  put(hdrs + 3 * p, mod.length);
  v.copy(buf, versData);
  mod.copy(buf, modData);
  return buf;
}

/** A system ELF executable to add sections to, or undefined when the machine has none. */
export function systemElf(): string | undefined {
  return ['/bin/true', '/usr/bin/true'].find((p) => existsSync(p));
}

export function hasObjcopy(): boolean {
  try {
    execFileSync('objcopy', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Copy `base` to `out` with a section `name` holding `data` added by objcopy (binutils). */
export function objcopyAddSection(base: string, out: string, name: string, data: Buffer): void {
  const blob = `${out}.section`;
  writeFileSync(blob, data);
  copyFileSync(base, `${out}.in`);
  execFileSync('objcopy', ['--add-section', `${name}=${blob}`, `${out}.in`, out], { stdio: 'pipe' });
}

/**
 * The bytes of an allocated section, extracted by objcopy (`-O binary --only-section`): an
 * independent reader to check ours against. Input and output are both named, so the input is
 * never rewritten.
 */
export function objcopyDumpSection(file: string, name: string, dir: string): Buffer | undefined {
  const out = join(dir, `dump-${name.replace(/\W/g, '_')}-${Math.random().toString(36).slice(2)}`);
  try {
    execFileSync('objcopy', ['-O', 'binary', `--only-section=${name}`, file, out], { stdio: 'pipe' });
  } catch {
    return undefined;
  }
  return existsSync(out) ? readFileSync(out) : undefined;
}
