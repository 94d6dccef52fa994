/**
 * The filesystem of an image, layer by layer, as metadata only (no file contents).
 *
 * One path trie holds every path any layer ever had. Each path keeps its versions in layer
 * order (at most one per layer: later tar entries for the same path win, as tar extraction
 * does); a version is an entry or a deletion. The filesystem "after layer i" (state i) is
 * read from the same trie: a path's version in state i is its last version from a layer
 * <= i, visible only if its parent directory existed, as a directory, since before that
 * version was written. A directory version records that moment as `start`: the layer where
 * this incarnation of the directory began (created, recreated after a deletion or a
 * non-directory, or made opaque). The top state is the squashed image; the lower states let
 * the all-layers view read a file as it was in its own layer, with its siblings of that time.
 *
 * Applying a layer follows the OCI image spec, layer.md ("Applying Changesets", "Whiteouts"):
 * - whiteouts apply only to lower layers, so all of a layer's whiteouts are applied to state
 *   i-1 first, then its other entries in tar order;
 * - `.wh.<name>` deletes `<name>` (and everything under it); `.wh..wh..opq` hides every lower
 *   child of its directory; other `.wh..wh.` names (AUFS metadata, and what is under them at the
 *   root) are ignored; whiteout files never appear in any view;
 * - an entry over an existing path replaces it, except directory over directory, which merges
 *   (the new attributes win);
 * - parent paths are taken literally, as an overlay snapshotter unpacks each layer into its own
 *   directory: `lib/x` over a lower symlink `lib -> usr/lib` makes `lib` a directory (implicit
 *   parents are created as directories).
 *
 * Symlinks are resolved inside the image root when looking a path up: absolute targets start
 * at the image root, relative ones at the link's directory; a target that climbs above the
 * root with `..` is not followed (the kernel would clamp it at `/`; here it marks a broken or
 * hostile image), nor is a chain of more than MAX_SYMLINK_HOPS links, nor a lookup of more than
 * MAX_RESOLVE_STEPS components in all. Hardlinks are resolved
 * when their layer is applied: they become a file sharing the content of their target.
 */
import { joinPath } from '../resolver.ts';
import type { TarEntry } from './tar.ts';

/** As Linux (MAXSYMLINKS, fs/namei.c). */
export const MAX_SYMLINK_HOPS = 40;
/**
 * Most path components one lookup walks, links' targets included. Real lookups take tens; the
 * cap bounds the work a hostile image can ask for (a million links, each into a path of
 * thousands of components, would otherwise cost billions of steps when the files are listed).
 */
export const MAX_RESOLVE_STEPS = 512;

const WHITEOUT_PREFIX = '.wh.';
const WHITEOUT_META_PREFIX = '.wh..wh.';
const OPAQUE_WHITEOUT = '.wh..wh..opq';

/** Where a file's bytes are: entry `ordinal` of layer `layer`'s tar, `size` bytes long. */
export interface Content {
  readonly layer: number;
  readonly ordinal: number;
  readonly size: number;
}

export type NodeKind = 'file' | 'dir' | 'symlink' | 'other';

export interface TreeEntry {
  readonly kind: NodeKind;
  /** The layer whose tar holds this entry. */
  readonly layer: number;
  readonly mode: number;
  /** For files (a hardlink's is its target's). */
  readonly content?: Content;
  /** For symlinks: the target as written. */
  readonly target?: string;
}

interface Version {
  readonly layer: number;
  /** null: deleted by a whiteout. */
  readonly entry: TreeEntry | null;
  /** For a directory: the layer where this incarnation of it began (see the file comment). */
  readonly start: number;
}

interface LiveVersion extends Version {
  readonly entry: TreeEntry;
}

class PathNode {
  readonly versions: Version[] = [];
  children: Map<string, PathNode> | undefined;

  child(name: string): PathNode | undefined {
    return this.children?.get(name);
  }

  ensureChild(name: string): PathNode {
    this.children ??= new Map();
    let c = this.children.get(name);
    if (!c) {
      c = new PathNode();
      this.children.set(name, c);
    }
    return c;
  }

  /** The last version from a layer <= at. */
  at(at: number): Version | undefined {
    for (let i = this.versions.length - 1; i >= 0; i--) {
      const v = this.versions[i]!;
      if (v.layer <= at) return v;
    }
    return undefined;
  }

  /** Record `v`, replacing a version of the same layer. */
  set(v: Version): void {
    const last = this.versions[this.versions.length - 1];
    if (last?.layer === v.layer) this.versions[this.versions.length - 1] = v;
    else this.versions.push(v);
  }
}

/** The version of `node` in state `at` under a parent directory whose incarnation began at `parentStart`. */
function visible(node: PathNode | undefined, at: number, parentStart: number): LiveVersion | undefined {
  const v = node?.at(at);
  if (!v || v.entry === null || v.layer < parentStart) return undefined;
  return v as LiveVersion;
}

export type Resolution =
  | { readonly ok: true; readonly entry: TreeEntry; readonly version: object }
  | { readonly ok: false; readonly reason: 'missing' | 'escape' | 'loop' };

export interface ListedFile {
  readonly path: string;
  /** The file entry; for a symlink, the file it resolves to. */
  readonly entry: TreeEntry;
}

/** Something worth a warning: a hardlink that cannot be followed, a symlink out of the root. */
export type TreeNote = (path: string, layer: number, message: string) => void;

const ROOT_ENTRY: TreeEntry = Object.freeze({ kind: 'dir', layer: -1, mode: 0o755 });

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s !== '' && s !== '.');
}

export class LayeredTree {
  private readonly root = new PathNode();
  private top = -1;

  constructor() {
    this.root.set({ layer: -1, entry: ROOT_ENTRY, start: -1 });
  }

  /** Index of the last layer applied (-1: none). */
  get topLayer(): number {
    return this.top;
  }

  /**
   * Apply layer `layer` (must be the next one) from its tar entries in tar order. Whiteouts
   * first, against the lower layers only, then the other entries.
   */
  applyLayer(layer: number, entries: readonly TarEntry[], note: TreeNote): void {
    if (layer !== this.top + 1) throw new Error(`layers must be applied in order: ${layer} after ${this.top}`);
    const lower = layer - 1;
    const isWhiteout = (e: TarEntry): boolean => (e.path.slice(e.path.lastIndexOf('/') + 1)).startsWith(WHITEOUT_PREFIX);
    for (const e of entries) {
      if (!isWhiteout(e)) continue;
      const slash = e.path.lastIndexOf('/');
      const dir = slash < 0 ? '' : e.path.slice(0, slash);
      const base = e.path.slice(slash + 1);
      if (base === OPAQUE_WHITEOUT) {
        const d = this.literal(dir, lower);
        if (d && d.version.entry.kind === 'dir') d.node.set({ layer, entry: d.version.entry, start: layer });
      } else if (!base.startsWith(WHITEOUT_META_PREFIX)) {
        const name = base.slice(WHITEOUT_PREFIX.length);
        if (name === '' || name === '.' || name === '..') continue;
        const t = this.literal(dir === '' ? name : `${dir}/${name}`, lower);
        if (t) t.node.set({ layer, entry: null, start: layer });
      }
    }
    // AUFS metadata at the root (`.wh..wh.plnk/`, `.wh..wh.aufs`) never shows, but the files
    // in `.wh..wh.plnk/` may be hardlink targets (as moby's applyLayer keeps them).
    const aufs = new Map<string, TreeEntry>();
    for (const e of entries) {
      if (isWhiteout(e)) continue;
      if (e.path.startsWith(WHITEOUT_META_PREFIX)) {
        if (e.type === 'file') aufs.set(e.path, { kind: 'file', layer, mode: e.mode, content: { layer, ordinal: e.ordinal, size: e.size } });
        continue;
      }
      this.applyEntry(layer, e, note, aufs);
    }
    this.top = layer;
  }

  private applyEntry(layer: number, e: TarEntry, note: TreeNote, aufs: ReadonlyMap<string, TreeEntry>): void {
    const parts = splitPath(e.path);
    let node = this.root;
    let v = this.root.at(layer) as LiveVersion;
    // Parents: literal path components; whatever is not a directory becomes one.
    for (let i = 0; i < parts.length - 1; i++) {
      const child = node.ensureChild(parts[i]!);
      let cv = visible(child, layer, v.start);
      if (cv?.entry.kind !== 'dir') {
        cv = { layer, entry: { kind: 'dir', layer, mode: 0o755 }, start: layer };
        child.set(cv);
      }
      node = child;
      v = cv;
    }
    const name = parts[parts.length - 1];
    const target = name === undefined ? node : node.ensureChild(name);
    const prev = name === undefined ? v : visible(target, layer, v.start);
    let entry: TreeEntry;
    let start = layer;
    switch (e.type) {
      case 'dir':
        entry = { kind: 'dir', layer, mode: e.mode };
        if (prev?.entry.kind === 'dir') start = prev.start;
        break;
      case 'file':
        entry = { kind: 'file', layer, mode: e.mode, content: { layer, ordinal: e.ordinal, size: e.size } };
        break;
      case 'symlink':
        entry = { kind: 'symlink', layer, mode: e.mode, target: e.linkname ?? '' };
        break;
      case 'hardlink':
        entry = this.hardlink(layer, e, note, aufs);
        break;
      default:
        entry = { kind: 'other', layer, mode: e.mode };
    }
    if (name === undefined) {
      // The root itself (`./`): only its attributes can change.
      if (entry.kind === 'dir') this.root.set({ layer, entry, start: v.start });
      return;
    }
    target.set({ layer, entry, start });
  }

  /** A hardlink names an earlier entry by its archive path (this layer or a lower one): it becomes a copy of it. */
  private hardlink(layer: number, e: TarEntry, note: TreeNote, aufs: ReadonlyMap<string, TreeEntry>): TreeEntry {
    const other: TreeEntry = { kind: 'other', layer, mode: e.mode };
    const name = e.linkname ?? '';
    const path = name.startsWith('/') ? undefined : joinPath(name);
    if (path === undefined) {
      note(e.path, layer, `hardlink to ${JSON.stringify(name)} leads outside the root: not followed`);
      return other;
    }
    const stashed = aufs.get(path);
    if (stashed) return stashed;
    const t = path === '' ? undefined : this.literal(path, layer);
    if (!t || (t.version.entry.kind !== 'file' && t.version.entry.kind !== 'symlink')) {
      note(e.path, layer, `hardlink to ${JSON.stringify(name)}, which is not an earlier file: not followed`);
      return other;
    }
    const te = t.version.entry;
    return te.kind === 'file'
      ? { kind: 'file', layer, mode: te.mode, content: te.content! }
      : { kind: 'symlink', layer, mode: te.mode, target: te.target ?? '' };
  }

  /** The node at `path` in state `at`, following no symlinks. */
  private literal(path: string, at: number): { node: PathNode; version: LiveVersion } | undefined {
    let node = this.root;
    let v = visible(this.root, at, -1);
    if (!v) return undefined;
    for (const part of splitPath(path)) {
      if (v.entry.kind !== 'dir') return undefined;
      const child = node.child(part);
      const cv = visible(child, at, v.start);
      if (!child || !cv) return undefined;
      node = child;
      v = cv;
    }
    return { node, version: v };
  }

  /**
   * Look `path` up in state `at` (default: the top), following symlinks on the way; the last
   * component too unless `follow` is false.
   */
  resolve(path: string, at: number = this.top, follow = true): Resolution {
    const rootV = visible(this.root, at, -1)!;
    const walk: { node: PathNode; version: LiveVersion }[] = [{ node: this.root, version: rootV }];
    const todo = splitPath(path).reverse();
    let hops = 0;
    let steps = 0;
    while (todo.length > 0) {
      if (++steps > MAX_RESOLVE_STEPS) return { ok: false, reason: 'loop' };
      const part = todo.pop()!;
      if (part === '..') {
        if (walk.length === 1) return { ok: false, reason: 'escape' };
        walk.pop();
        continue;
      }
      const here = walk[walk.length - 1]!;
      if (here.version.entry.kind !== 'dir') return { ok: false, reason: 'missing' };
      const child = here.node.child(part);
      const v = visible(child, at, here.version.start);
      if (!child || !v) return { ok: false, reason: 'missing' };
      if (v.entry.kind === 'symlink' && (todo.length > 0 || follow)) {
        if (++hops > MAX_SYMLINK_HOPS) return { ok: false, reason: 'loop' };
        const target = v.entry.target ?? '';
        if (target === '') return { ok: false, reason: 'missing' };
        if (target.startsWith('/')) walk.length = 1;
        const parts = splitPath(target);
        for (let i = parts.length - 1; i >= 0; i--) todo.push(parts[i]!);
        continue;
      }
      walk.push({ node: child, version: v });
    }
    const last = walk[walk.length - 1]!;
    return { ok: true, entry: last.version.entry, version: last.version };
  }

  /**
   * The files of state `at` in walk order (depth first, names sorted by UTF-16 code units, as
   * the directory source): regular files, hardlinks, and symlinks that resolve to a file.
   */
  list(at: number = this.top, note?: TreeNote): ListedFile[] {
    const out: ListedFile[] = [];
    const visit = (node: PathNode, start: number, prefix: string): void => {
      if (!node.children) return;
      const names = [...node.children.keys()].sort(compareNames);
      for (const name of names) {
        const child = node.children.get(name)!;
        const v = visible(child, at, start);
        if (!v) continue;
        const path = prefix + name;
        switch (v.entry.kind) {
          case 'dir':
            visit(child, v.start, `${path}/`);
            break;
          case 'file':
            out.push({ path, entry: v.entry });
            break;
          case 'symlink': {
            const r = this.resolve(path, at, true);
            if (r.ok && r.entry.kind === 'file') out.push({ path, entry: r.entry });
            else if (!r.ok && r.reason !== 'missing' && note) {
              note(path, v.layer, r.reason === 'escape' ? `symlink to ${JSON.stringify(v.entry.target)} leads outside the root: not followed` : 'symlink loop: not followed');
            }
            break;
          }
          default:
        }
      }
    };
    visit(this.root, visible(this.root, at, -1)!.start, '');
    return out;
  }

  /**
   * Every regular file (or hardlink) of every layer that the top state does not show: files
   * overwritten or deleted by a higher layer. Each as its path and the layer whose state shows
   * it; sorted by layer, then in walk order.
   */
  hidden(): { path: string; layer: number; entry: TreeEntry }[] {
    const out: { path: string; layer: number; entry: TreeEntry }[] = [];
    const visit = (node: PathNode, prefix: string): void => {
      if (!node.children) return;
      for (const name of [...node.children.keys()].sort(compareNames)) {
        const child = node.children.get(name)!;
        const path = prefix + name;
        for (const v of child.versions) {
          if (v.entry?.kind !== 'file') continue;
          if (this.literal(path, v.layer)?.version !== v) continue; // hidden within its own layer
          if (this.literal(path, this.top)?.version === v) continue; // the squashed view shows it
          out.push({ path, layer: v.layer, entry: v.entry });
        }
        visit(child, `${path}/`);
      }
    };
    visit(this.root, '');
    return out.sort((a, b) => a.layer - b.layer); // stable: walk order within a layer
  }
}
