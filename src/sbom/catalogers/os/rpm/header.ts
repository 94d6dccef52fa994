/**
 * An rpm header blob as the rpmdb stores it (rpm `lib/header.c` headerImport; the format is
 * described in rpm's `docs/manual/format.md` "Header"):
 *
 *   int32 il     number of index entries          (big-endian, like everything here)
 *   int32 dl     length of the data store
 *   il × { int32 tag, uint32 type, int32 offset, uint32 count }
 *   dl bytes     data store; an entry's value starts at its offset
 *
 * Hand-written rather than taken from @snyk/rpm-parser, whose header reader keeps only name,
 * version, release, epoch, arch, size, modularity label and source RPM (no license or vendor),
 * sizes each value from the next entry's offset (wrong when entries are not in offset order)
 * and drops the last index entry. Every offset and length here is checked against the blob.
 */
import { FileParseError } from '../../../generic/index.ts';

export const RPMTAG = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  SIZE: 1009,
  VENDOR: 1011,
  LICENSE: 1014,
  ARCH: 1022,
  SOURCERPM: 1044,
  MODULARITYLABEL: 5096,
} as const;

const TYPE_INT32 = 4;
const TYPE_STRING = 6;
const TYPE_STRING_ARRAY = 8;
const TYPE_I18NSTRING = 9;

/** rpm's own limits (lib/header_internal.h HEADER_TAGS_MAX, HEADER_DATA_MAX). */
const MAX_INDEX_ENTRIES = 0xffff;
const MAX_DATA_LENGTH = 0x0fffffff;
/** Longest string value kept (a License or Vendor longer than this is cut). */
const MAX_STRING = 64 * 1024;

export interface RpmHeader {
  readonly name: string;
  readonly version: string;
  readonly release: string;
  readonly epoch?: number | undefined;
  readonly arch?: string | undefined;
  readonly license?: string | undefined;
  readonly vendor?: string | undefined;
  readonly sourceRpm?: string | undefined;
  readonly modularityLabel?: string | undefined;
  readonly size?: number | undefined;
}

interface Entry {
  readonly type: number;
  readonly offset: number;
  readonly count: number;
}

/** Parse one header blob; throws FileParseError when it is malformed or lacks name/version/release. */
export function parseRpmHeader(blob: Buffer): RpmHeader {
  if (blob.length < 8) throw new FileParseError(`rpm header of ${blob.length} bytes is truncated`);
  const il = blob.readInt32BE(0);
  const dl = blob.readInt32BE(4);
  if (il <= 0 || il > MAX_INDEX_ENTRIES) throw new FileParseError(`rpm header has an invalid index length ${il}`);
  if (dl < 0 || dl > MAX_DATA_LENGTH) throw new FileParseError(`rpm header has an invalid data length ${dl}`);
  const dataStart = 8 + il * 16;
  if (dataStart + dl > blob.length) throw new FileParseError(`rpm header is truncated (${blob.length} bytes, needs ${dataStart + dl})`);
  const data = blob.subarray(dataStart, dataStart + dl);

  const wanted = new Set<number>(Object.values(RPMTAG));
  const entries = new Map<number, Entry>();
  for (let i = 0; i < il; i++) {
    const at = 8 + i * 16;
    const tag = blob.readInt32BE(at);
    if (!wanted.has(tag) || entries.has(tag)) continue;
    entries.set(tag, { type: blob.readUInt32BE(at + 4), offset: blob.readInt32BE(at + 8), count: blob.readUInt32BE(at + 12) });
  }

  const str = (tag: number): string | undefined => {
    const e = entries.get(tag);
    if (!e || (e.type !== TYPE_STRING && e.type !== TYPE_STRING_ARRAY && e.type !== TYPE_I18NSTRING) || e.count < 1) return undefined;
    if (e.offset < 0 || e.offset >= data.length) throw new FileParseError(`rpm header tag ${tag} points outside the data store`);
    const end = data.indexOf(0, e.offset);
    if (end < 0) throw new FileParseError(`rpm header tag ${tag} has an unterminated string`);
    return data.subarray(e.offset, Math.min(end, e.offset + MAX_STRING)).toString('utf8');
  };
  const int32 = (tag: number): number | undefined => {
    const e = entries.get(tag);
    if (!e || e.type !== TYPE_INT32 || e.count < 1) return undefined;
    if (e.offset < 0 || e.offset + 4 > data.length) throw new FileParseError(`rpm header tag ${tag} points outside the data store`);
    return data.readInt32BE(e.offset);
  };

  const name = str(RPMTAG.NAME);
  const version = str(RPMTAG.VERSION);
  const release = str(RPMTAG.RELEASE);
  if (!name || version === undefined || release === undefined) throw new FileParseError('rpm header without name, version or release');
  return {
    name,
    version,
    release,
    epoch: int32(RPMTAG.EPOCH),
    arch: str(RPMTAG.ARCH),
    license: str(RPMTAG.LICENSE),
    vendor: str(RPMTAG.VENDOR),
    sourceRpm: str(RPMTAG.SOURCERPM),
    modularityLabel: str(RPMTAG.MODULARITYLABEL),
    size: int32(RPMTAG.SIZE),
  };
}
