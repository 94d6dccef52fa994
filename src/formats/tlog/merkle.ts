/**
 * RFC 6962 §2.1 Merkle tree hashing and proofs (RFC 9162 §2.1.3 / §2.1.4 for verification).
 * Hand-written: no maintained npm library builds *and* verifies both proof kinds over an
 * external node store, and the algorithms are short enough to audit here.
 *
 * Proof building works over any `NodeReader` that returns the hash of a complete, aligned
 * subtree `(level, index)` — the hash of leaves `[index·2^level, (index+1)·2^level)`. A store
 * that keeps those hashes answers every proof with O(log n) node reads, gathered into one
 * `nodes()` call.
 */
import { createHash } from 'node:crypto';

export const HASH_SIZE = 32;

/** MTH({d}) = SHA-256(0x00 ‖ d) (RFC 6962 §2.1). */
export function leafHash(leaf: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(leaf).digest();
}

/** SHA-256(0x01 ‖ left ‖ right) (RFC 6962 §2.1). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

const LEAF_PREFIX = Buffer.from([0]);
const NODE_PREFIX = Buffer.from([1]);
const EMPTY_ROOT = createHash('sha256').digest();

/** The root of the empty tree: SHA-256 of the empty string (RFC 6962 §2.1). */
export function emptyRoot(): Buffer {
  return Buffer.from(EMPTY_ROOT);
}

/** The largest power of two strictly smaller than n (n > 1). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** A complete, aligned subtree: leaves [index·2^level, (index+1)·2^level). */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

export type NodeReader = (ids: readonly NodeId[]) => Promise<Buffer[]>;

/**
 * A subtree [start, end) as the list of complete aligned subtrees it splits into (left to
 * right) following RFC 6962's split rule; its hash folds them right to left.
 */
function decompose(start: number, end: number, out: NodeId[]): void {
  const n = end - start;
  if (n <= 0) return;
  if ((n & (n - 1)) === 0 && start % n === 0) {
    out.push({ level: Math.log2(n), index: start / n });
    return;
  }
  const k = splitPoint(n);
  decompose(start, start + k, out);
  decompose(start + k, end, out);
}

/** The "recipe" for one proof element: the hash of a range, made of complete subtrees. */
interface RangeRecipe {
  readonly parts: NodeId[];
}

function rangeRecipe(start: number, end: number): RangeRecipe {
  const parts: NodeId[] = [];
  decompose(start, end, parts);
  return { parts };
}

function foldRange(hashes: Buffer[]): Buffer {
  let acc = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) acc = nodeHash(hashes[i]!, acc);
  return acc;
}

/** RFC 6962 §2.1.1 PATH(m, D[start:end]) as ranges, leaf-to-root order. */
function pathRanges(m: number, start: number, end: number, out: [number, number][]): void {
  const n = end - start;
  if (n <= 1) return;
  const k = splitPoint(n);
  if (m < k) {
    pathRanges(m, start, start + k, out);
    out.push([start + k, end]);
  } else {
    pathRanges(m - k, start + k, end, out);
    out.push([start, start + k]);
  }
}

/** RFC 6962 §2.1.2 SUBPROOF(m, D[start:end], b) as ranges. */
function subproofRanges(m: number, start: number, end: number, b: boolean, out: [number, number][]): void {
  const n = end - start;
  if (m === n) {
    if (!b) out.push([start, end]);
    return;
  }
  const k = splitPoint(n);
  if (m <= k) {
    subproofRanges(m, start, start + k, b, out);
    out.push([start + k, end]);
  } else {
    subproofRanges(m - k, start + k, end, false, out);
    out.push([start, start + k]);
  }
}

async function resolveRanges(ranges: readonly [number, number][], read: NodeReader): Promise<Buffer[]> {
  const recipes = ranges.map(([s, e]) => rangeRecipe(s, e));
  const ids = recipes.flatMap((r) => r.parts);
  const hashes = ids.length === 0 ? [] : await read(ids);
  if (hashes.length !== ids.length) throw new Error('node reader returned the wrong number of hashes');
  let at = 0;
  return recipes.map((r) => {
    const mine = hashes.slice(at, at + r.parts.length);
    at += r.parts.length;
    return foldRange(mine);
  });
}

/** MTH(D[0:size]) from stored complete subtrees (≤ log2(size) reads). */
export async function treeRoot(size: number, read: NodeReader): Promise<Buffer> {
  if (size === 0) return emptyRoot();
  const [root] = await resolveRanges([[0, size]], read);
  return root!;
}

/** Inclusion proof of leaf `index` in the tree of `size` leaves (RFC 6962 §2.1.1). */
export async function inclusionProof(index: number, size: number, read: NodeReader): Promise<Buffer[]> {
  if (!(index >= 0 && index < size)) throw new RangeError(`leaf ${index} is not in a tree of ${size}`);
  const ranges: [number, number][] = [];
  pathRanges(index, 0, size, ranges);
  return resolveRanges(ranges, read);
}

/** Consistency proof between sizes `first` ≤ `second` (RFC 6962 §2.1.2). Empty when first is 0 or equal. */
export async function consistencyProof(first: number, second: number, read: NodeReader): Promise<Buffer[]> {
  if (!(first >= 0 && first <= second)) throw new RangeError(`no consistency proof from ${first} to ${second}`);
  if (first === 0 || first === second) return [];
  const ranges: [number, number][] = [];
  subproofRanges(first, 0, second, true, ranges);
  return resolveRanges(ranges, read);
}

/** Root of an in-memory list of leaf hashes (tests, small trees). */
export function rootOfLeafHashes(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return emptyRoot();
  if (leaves.length === 1) return leaves[0]!;
  const k = splitPoint(leaves.length);
  return nodeHash(rootOfLeafHashes(leaves.slice(0, k)), rootOfLeafHashes(leaves.slice(k)));
}

/**
 * The right edge of a tree ("compact range"): the roots of the complete subtrees of a tree of
 * `size` leaves, largest first. Appending a leaf merges equal-sized subtrees and yields every new
 * complete node, which is what a store persists (each node written once, never rewritten).
 */
export class CompactRange {
  size: number;
  /** Hashes of the perfect subtrees, largest (leftmost) first. */
  readonly hashes: Buffer[];

  constructor(size = 0, hashes: Buffer[] = []) {
    this.size = size;
    this.hashes = hashes;
  }

  /** The ids of the subtrees a tree of `size` decomposes into (what `fromNodes` reads). */
  static nodeIds(size: number): NodeId[] {
    const ids: NodeId[] = [];
    let start = 0;
    for (let level = 52; level >= 0; level--) {
      const width = 2 ** level;
      if (size - start >= width) {
        ids.push({ level, index: start / width });
        start += width;
      }
    }
    return ids;
  }

  static async load(size: number, read: NodeReader): Promise<CompactRange> {
    const ids = CompactRange.nodeIds(size);
    return new CompactRange(size, ids.length === 0 ? [] : await read(ids));
  }

  /** Append one leaf hash; return the complete nodes it finished (the leaf itself first). */
  append(leaf: Buffer): { id: NodeId; hash: Buffer }[] {
    const created: { id: NodeId; hash: Buffer }[] = [{ id: { level: 0, index: this.size }, hash: leaf }];
    let hash = leaf;
    let level = 0;
    let index = this.size;
    // The low bits of size that are 1 are the complete subtrees on the right edge to merge with.
    let s = this.size;
    while ((s & 1) === 1) {
      const left = this.hashes.pop()!;
      hash = nodeHash(left, hash);
      level += 1;
      index = Math.floor(index / 2);
      created.push({ id: { level, index }, hash });
      s = Math.floor(s / 2);
    }
    this.hashes.push(hash);
    this.size += 1;
    return created;
  }

  root(): Buffer {
    if (this.hashes.length === 0) return emptyRoot();
    return foldRange(this.hashes);
  }

  clone(): CompactRange {
    return new CompactRange(this.size, [...this.hashes]);
  }
}

// ---- Verification (RFC 9162 §2.1.3.2 and §2.1.4.2) -------------------------------------------

/** Root computed from an inclusion proof, or undefined when the proof has the wrong shape. */
export function rootFromInclusionProof(index: number, size: number, leaf: Buffer, proof: readonly Buffer[]): Buffer | undefined {
  // RFC 9162 §2.1.3.2
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return undefined;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (p.length !== HASH_SIZE) return undefined;
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}

export function verifyInclusion(index: number, size: number, leaf: Buffer, proof: readonly Buffer[], root: Buffer): boolean {
  const computed = rootFromInclusionProof(index, size, leaf, proof);
  return computed !== undefined && computed.equals(root);
}

/** RFC 9162 §2.1.4.2: does `proof` show the tree of size `second` with `secondRoot` extends the one of `first`/`firstRoot`? */
export function verifyConsistency(first: number, second: number, firstRoot: Buffer, secondRoot: Buffer, proof: readonly Buffer[]): boolean {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || first > second) return false;
  if (first === second) return proof.length === 0 && firstRoot.equals(secondRoot);
  if (first === 0) return proof.length === 0;
  if (proof.some((p) => p.length !== HASH_SIZE)) return false;
  let path = [...proof];
  // 1. If first is an exact power of 2, prepend first_hash to the path.
  if ((first & (first - 1)) === 0) path = [firstRoot, ...path];
  if (path.length === 0) return false;
  let fn = first - 1;
  let sn = second - 1;
  // 3. While LSB(fn) is set, right-shift both.
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && fr.equals(firstRoot) && sr.equals(secondRoot);
}
