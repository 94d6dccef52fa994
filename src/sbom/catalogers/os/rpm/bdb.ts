/**
 * The header blobs of a Berkeley DB hash database: rpm's `Packages` before rpm 4.16 (RHEL/CentOS
 * ≤ 8, Amazon Linux 2, ...). Layout from libdb's `src/dbinc/db_page.h`, as go-rpmdb reads it
 * (pkg/bdb): page 0 is the hash metadata page; hash pages (P_HASH, or P_HASH_UNSORTED in old
 * databases) hold key/value item pairs; an rpm header is too big to sit in the page, so its
 * value is an H_OFFPAGE item naming the first of a chain of overflow pages.
 *
 * Hand-written, not @snyk/rpm-parser's reader: that one skips the database's last page, sizes
 * its buffer from the item's length field before checking it (a hostile 4 GiB length is a
 * 4 GiB allocation), and follows overflow chains without cycle detection. Here every page
 * number, offset and length is checked against the file, each chain visits a page at most
 * once, and a database written on a big-endian host (byte-swapped magic) is read too.
 */
import { FileParseError } from '../../../generic/index.ts';

const HASH_MAGIC = 0x061561;
const VALID_PAGE_SIZES = new Set([512, 1024, 2048, 4096, 8192, 16384, 32768, 65536]);
const PAGE_HEADER = 26;
const P_HASH_UNSORTED = 2;
const P_OVERFLOW = 7;
const P_HASHMETA = 8;
const P_HASH = 13;
const H_OFFPAGE = 3;

export interface BdbValues {
  readonly blobs: Buffer[];
  /** Items that could not be read (bad offsets, broken overflow chains). */
  readonly skipped: number;
  /** Pages the metadata names but the file does not hold. */
  readonly missingPages: number;
}

export function isBerkeleyDbHash(data: Buffer): boolean {
  return data.length >= 512 && (data.readUInt32LE(12) === HASH_MAGIC || data.readUInt32BE(12) === HASH_MAGIC);
}

export function berkeleyDbValues(data: Buffer): BdbValues {
  if (!isBerkeleyDbHash(data)) throw new FileParseError('not a Berkeley DB hash database');
  const swapped = data.readUInt32LE(12) !== HASH_MAGIC;
  const u32 = (at: number): number => (swapped ? data.readUInt32BE(at) : data.readUInt32LE(at));
  const u16 = (at: number): number => (swapped ? data.readUInt16BE(at) : data.readUInt16LE(at));

  const pageSize = u32(20);
  if (!VALID_PAGE_SIZES.has(pageSize)) throw new FileParseError(`Berkeley DB page size ${pageSize} is not valid`);
  if (data[24] !== 0) throw new FileParseError('encrypted Berkeley DB databases are not supported');
  if (data[25] !== P_HASHMETA) throw new FileParseError(`Berkeley DB page 0 is of type ${data[25]}, not hash metadata`);
  const lastPage = u32(32);
  const pagesInFile = Math.floor(data.length / pageSize);
  const pages = Math.min(lastPage + 1, pagesInFile);

  const blobs: Buffer[] = [];
  let skipped = 0;
  for (let page = 1; page < pages; page++) {
    const start = page * pageSize;
    const type = data[start + 25];
    if (type !== P_HASH && type !== P_HASH_UNSORTED) continue;
    const entries = u16(start + 20);
    // Items come in key/value pairs; the index is `entries` 2-byte in-page offsets.
    if (entries % 2 !== 0 || PAGE_HEADER + entries * 2 > pageSize) {
      skipped++;
      continue;
    }
    for (let i = 1; i < entries; i += 2) {
      const off = u16(start + PAGE_HEADER + i * 2);
      if (off < PAGE_HEADER || off >= pageSize) {
        skipped++;
        continue;
      }
      if (data[start + off] !== H_OFFPAGE) continue; // a small value kept in the page: not an rpm header
      if (off + 12 > pageSize) {
        skipped++;
        continue;
      }
      const blob = overflowChain(data, u32(start + off + 4), u32(start + off + 8), pageSize, pages, u32, u16);
      if (blob) blobs.push(blob);
      else skipped++;
    }
  }
  return { blobs, skipped, missingPages: Math.max(0, lastPage + 1 - pagesInFile) };
}

/** The value stored in the overflow pages starting at `first`, `length` bytes; undefined when the chain is broken. */
function overflowChain(
  data: Buffer,
  first: number,
  length: number,
  pageSize: number,
  pages: number,
  u32: (at: number) => number,
  u16: (at: number) => number,
): Buffer | undefined {
  if (length > data.length) return undefined;
  const chunks: Buffer[] = [];
  let got = 0;
  const visited = new Set<number>();
  for (let page = first; page !== 0; ) {
    if (page >= pages || visited.has(page)) return undefined;
    visited.add(page);
    const start = page * pageSize;
    if (data[start + 25] !== P_OVERFLOW) return undefined;
    const next = u32(start + 16);
    // A page's data: the whole page after its header, the last one up to its high free offset.
    const len = next === 0 ? u16(start + 22) : pageSize - PAGE_HEADER;
    if (len > pageSize - PAGE_HEADER) return undefined;
    const take = Math.min(len, length - got);
    chunks.push(data.subarray(start + PAGE_HEADER, start + PAGE_HEADER + take));
    got += take;
    if (got >= length) break;
    page = next;
  }
  return got === length ? Buffer.concat(chunks, length) : undefined;
}
