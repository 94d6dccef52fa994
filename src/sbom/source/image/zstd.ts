/**
 * Multi-frame zstd for node:zlib. A zstd stream may be several frames back to back (RFC 8878
 * §3.1: pzstd and `zstd -T` write them; so do zstd:chunked layers, with skippable frames for
 * their metadata). Node 24's zstd decompressor drops whatever follows the end of a frame *within
 * the same write*: a layer whose frames shared a chunk would silently lose files. This
 * Transform cuts the compressed stream at frame boundaries, so that every chunk the
 * decompressor gets belongs to one frame; it drops skippable frames (they carry no content) and
 * fails on anything that is neither a frame nor a skippable frame, and on a stream that ends
 * inside a frame.
 *
 * Only the framing is read (frame header, block headers, checksum: RFC 8878 §3.1.1); block
 * sizes come from the block headers, so nothing is decompressed here.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { VouchError } from '../../../core/index.ts';

const FRAME_MAGIC = 0xfd2fb528;
/** Skippable frames: 0x184D2A50 to 0x184D2A5F (RFC 8878 §3.1.2). */
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;

type State = 'magic' | 'descriptor' | 'header' | 'block' | 'blockData' | 'checksum' | 'skipSize' | 'skipData';

export class ZstdFrameSplitter extends Transform {
  private readonly label: string;
  private state: State = 'magic';
  /** Bytes of the field being read, and how many it has. */
  private field: number[] = [];
  private need = 4;
  /** Bytes to pass (block content) or drop (skippable frame) before the next field. */
  private skip = 0;
  private checksum = false;
  private lastBlock = false;
  /** Frames seen, for messages. */
  private frames = 0;

  constructor(label: string) {
    super();
    this.label = label;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      // Bytes of a content frame are pushed in slices that end at the frame's end at the latest;
      // a frame's magic is held until it is known (then pushed, or dropped with a skippable frame).
      let start = 0; // first byte of `chunk` not yet pushed or dropped
      let i = 0;
      while (i < chunk.length) {
        const kept = this.kept();
        if (this.skip > 0) {
          const n = Math.min(this.skip, chunk.length - i);
          i += n;
          this.skip -= n;
          if (this.skip > 0) {
            if (!kept) start = i;
            break;
          }
        } else {
          this.field.push(chunk[i++]!);
          if (this.field.length < this.need) {
            if (!kept) start = i;
            continue;
          }
        }
        const magic = this.state === 'magic' ? Buffer.from(this.field) : undefined;
        const ended = this.step();
        if (magic) {
          start = i;
          if (this.state === 'descriptor') this.push(magic); // a content frame begins
        } else if (!kept) start = i;
        else if (ended) {
          this.push(chunk.subarray(start, i));
          start = i;
        }
      }
      if (this.kept() && start < chunk.length) this.push(chunk.subarray(start));
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    if (this.state !== 'magic' || this.field.length > 0 || this.frames === 0) {
      cb(new VouchError('UNSAFE_ARCHIVE', `${this.label}: corrupt or truncated zstd data: the stream ends inside frame ${this.frames + 1}`));
    } else cb();
  }

  /** Whether the bytes being read belong to a content frame (not a magic being read, not a skippable frame). */
  private kept(): boolean {
    return this.state !== 'magic' && this.state !== 'skipSize' && this.state !== 'skipData';
  }

  /** A field is complete (or the bytes to skip are passed): move on. True at the end of a frame. */
  private step(): boolean {
    const f = Buffer.from(this.field);
    this.field = [];
    switch (this.state) {
      case 'magic': {
        const magic = f.readUInt32LE(0);
        if (magic === FRAME_MAGIC) return this.expect('descriptor', 1);
        if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) return this.expect('skipSize', 4);
        throw new VouchError('UNSAFE_ARCHIVE', `${this.label}: corrupt zstd data: no frame where frame ${this.frames + 1} should start`);
      }
      case 'descriptor': {
        const d = f[0]!;
        if ((d & 0x08) !== 0) throw new VouchError('UNSAFE_ARCHIVE', `${this.label}: corrupt zstd data: reserved bit set in a frame header`);
        const singleSegment = (d & 0x20) !== 0;
        this.checksum = (d & 0x04) !== 0;
        const didBytes = [0, 1, 2, 4][d & 3]!;
        const fcsBytes = [singleSegment ? 1 : 0, 2, 4, 8][d >> 6]!;
        const rest = (singleSegment ? 0 : 1) + didBytes + fcsBytes;
        return rest > 0 ? this.expect('header', rest) : this.expect('block', 3);
      }
      case 'header':
        return this.expect('block', 3);
      case 'block': {
        const h = f[0]! | (f[1]! << 8) | (f[2]! << 16);
        this.lastBlock = (h & 1) === 1;
        const type = (h >> 1) & 3;
        if (type === 3) throw new VouchError('UNSAFE_ARCHIVE', `${this.label}: corrupt zstd data: reserved block type`);
        const size = type === 1 ? 1 : h >>> 3; // RLE blocks hold one byte
        if (size > 0) {
          this.state = 'blockData';
          this.skip = size;
          return false;
        }
        return this.afterBlock();
      }
      case 'blockData':
        return this.afterBlock();
      case 'checksum':
        return this.endFrame();
      case 'skipSize': {
        const size = f.readUInt32LE(0);
        if (size === 0) return this.endFrame();
        this.state = 'skipData';
        this.skip = size;
        return false;
      }
      case 'skipData':
        return this.endFrame();
    }
  }

  private afterBlock(): boolean {
    if (!this.lastBlock) return this.expect('block', 3);
    return this.checksum ? this.expect('checksum', 4) : this.endFrame();
  }

  private expect(state: State, bytes: number): false {
    this.state = state;
    this.need = bytes;
    return false;
  }

  private endFrame(): true {
    this.frames++;
    this.state = 'magic';
    this.need = 4;
    return true;
  }
}
