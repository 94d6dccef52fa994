/**
 * Directory and single-file sources. The walk is done once, up front, and records only
 * names (no stat of regular files); contents are read on demand by the catalogers that
 * ask for them, and the size limit is checked on the open handle at read time.
 *
 * The walk and the reads use synchronous fs calls on purpose: a tree of 50,000 files and
 * 2,000 small manifests is three times faster that way than through the libuv thread pool
 * (four round trips per read), measured by bench/sbom.ts. Sources are read by the CLI or
 * by a worker, never on a server's request path.
 *
 * Symlinks: a link to a file is followed only when its real path stays inside the root;
 * links to directories are not followed (as syft does: no cycles, no escapes).
 */
import { closeSync, fstatSync, openSync, readdirSync, readSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { basename, dirname, resolve, sep } from 'node:path';
import { VouchError, wrapError, type Limits } from '../../core/index.ts';
import type { Warning } from '../../formats/model/index.ts';
import type { FileRef, FileResolver } from './resolver.ts';

/** Directory names never descended into. */
const SKIP_DIRS: readonly string[] = ['.git', '.hg', '.svn'];

export interface SourceOptions {
  readonly limits: Limits;
  /** Extra directory names to skip. */
  readonly exclude?: readonly string[];
}

interface Entry extends FileRef {
  /** Where to read it, when not at the root plus its path (an in-root symlink's target). */
  readonly abs?: string;
}

/** The walk's output: files in order, by path, and by file name. */
class FileIndex {
  readonly entries: Entry[] = [];
  readonly byPath = new Map<string, Entry>();
  readonly names = new Map<string, string[]>();

  add(path: string, name: string, abs?: string): void {
    // Most entries hold only their path: the absolute one is made at read time (48k fewer strings on a large tree).
    const e: Entry = abs === undefined ? { path } : { path, abs };
    this.entries.push(e);
    this.byPath.set(path, e);
    const list = this.names.get(name);
    if (list) list.push(path);
    else this.names.set(name, [path]);
  }

  get size(): number {
    return this.entries.length;
  }
}

export class FsResolver implements FileResolver {
  readonly root: string;
  readonly warnings: readonly Warning[];
  private readonly byPath: Map<string, Entry>;
  private readonly sorted: readonly FileRef[];
  private readonly names: Map<string, string[]>;
  private readonly maxFileBytes: number;
  private readonly rootPrefix: string;

  /** `files` must already be in walk order (see walk()); the indexes are filled as the walk goes. */
  private constructor(root: string, files: FileIndex, warnings: Warning[], maxFileBytes: number) {
    this.root = root;
    this.byPath = files.byPath;
    this.sorted = files.entries;
    this.names = files.names;
    this.warnings = warnings;
    this.maxFileBytes = maxFileBytes;
    this.rootPrefix = root.endsWith(sep) ? root : root + sep;
  }

  private absOf(entry: Entry): string {
    return entry.abs ?? this.rootPrefix + (sep === '/' ? entry.path : entry.path.replaceAll('/', sep));
  }

  files(): readonly FileRef[] {
    return this.sorted;
  }

  get(path: string): FileRef | undefined {
    return this.byPath.get(path);
  }

  byName(): ReadonlyMap<string, readonly string[]> {
    return this.names;
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async turns a throw into a rejection
  async read(path: string, maxBytes: number = this.maxFileBytes): Promise<Buffer> {
    return this.readSync(path, maxBytes);
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async turns a throw into a rejection
  async readRange(path: string, start: number, length: number): Promise<Buffer> {
    const entry = this.byPath.get(path);
    if (!entry) throw new VouchError('IO_ERROR', `${path}: not in source`);
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(length) || start < 0 || length < 0) {
      throw new VouchError('IO_ERROR', `${path}: invalid range ${start}+${length}`);
    }
    if (length > this.maxFileBytes) {
      throw new VouchError('LIMIT_EXCEEDED', `${path}: a read of ${length} bytes is over the ${this.maxFileBytes}-byte limit`);
    }
    let fd: number | undefined;
    try {
      fd = openSync(this.absOf(entry), 'r');
      // Allocate only what the file holds from `start`, not what was asked.
      const want = Math.min(length, Math.max(0, fstatSync(fd).size - start));
      const buf = Buffer.allocUnsafe(want);
      let off = 0;
      while (off < want) {
        const n = readSync(fd, buf, off, want - off, start + off);
        if (n === 0) break;
        off += n;
      }
      return buf.subarray(0, off);
    } catch (err) {
      throw wrapError(err, 'IO_ERROR', `cannot read ${path}`);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  private readSync(path: string, maxBytes: number): Buffer {
    const entry = this.byPath.get(path);
    if (!entry) throw new VouchError('IO_ERROR', `${path}: not in source`);
    let fd: number | undefined;
    try {
      fd = openSync(this.absOf(entry), 'r');
      const { size } = fstatSync(fd);
      if (size > maxBytes) {
        throw new VouchError('LIMIT_EXCEEDED', `${path}: ${size} bytes is over the ${maxBytes}-byte limit, skipped`);
      }
      // Read at most `size` bytes even if the file grows meanwhile.
      const buf = Buffer.allocUnsafe(size);
      let off = 0;
      while (off < size) {
        const n = readSync(fd, buf, off, size - off, off);
        if (n === 0) break;
        off += n;
      }
      return buf.subarray(0, off);
    } catch (err) {
      throw wrapError(err, 'IO_ERROR', `cannot read ${path}`);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /** Walk a directory once, recording regular files (and in-root file symlinks). */
  // eslint-disable-next-line @typescript-eslint/require-await -- async turns a throw into a rejection
  static async fromDirectory(dir: string, options: SourceOptions): Promise<FsResolver> {
    return FsResolver.walk(dir, options);
  }

  private static walk(dir: string, options: SourceOptions): FsResolver {
    const root = realTarget(dir);
    if (!statSync(root).isDirectory()) {
      throw new VouchError('BAD_TARGET', `${dir} is not a directory`, { hint: `use file:${dir}` });
    }
    const { maxDepth, maxFiles } = options.limits;
    const files = new FileIndex();
    const warnings: Warning[] = [];
    const exclude = new Set([...SKIP_DIRS, ...(options.exclude ?? [])]);
    const rootPrefix = root.endsWith(sep) ? root : root + sep;
    let truncated = false;
    // Depth-first, each directory's names sorted (by UTF-16 code units, locale-independent):
    // the walk itself yields the files in a stable order, so no sort of the whole list.
    const visit = (absDir: string, rel: string, depth: number): void => {
      if (depth > maxDepth) {
        warnings.push({ location: { path: rel }, message: `deeper than ${maxDepth} levels: not walked` });
        return;
      }
      let dirents: Dirent[];
      try {
        dirents = readdirSync(absDir, { withFileTypes: true });
      } catch (err) {
        warnings.push({ location: { path: rel || '.' }, message: `cannot list: ${(err as Error).message}` });
        return;
      }
      dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const d of dirents) {
        if (files.size >= maxFiles) {
          truncated = true;
          return;
        }
        const relPath = rel === '' ? d.name : `${rel}/${d.name}`;
        if (d.isDirectory()) {
          if (!exclude.has(d.name)) visit(absDir + sep + d.name, relPath, depth + 1);
        } else if (d.isFile()) {
          files.add(relPath, d.name);
        } else if (d.isSymbolicLink()) {
          const abs = absDir + sep + d.name;
          let target: string;
          try {
            target = realpathSync(abs);
          } catch {
            continue; // dangling link
          }
          if (!target.startsWith(rootPrefix)) {
            warnings.push({ location: { path: relPath }, message: 'symlink leads outside the target: not followed' });
            continue;
          }
          if (statSync(target, { throwIfNoEntry: false })?.isFile() === true) files.add(relPath, d.name, target);
        }
      }
    };
    visit(root, '', 0);
    if (truncated) warnings.push({ location: { path: '.' }, message: `more than ${maxFiles} files: the rest were not read` });
    return new FsResolver(root, files, warnings, options.limits.maxFileBytes);
  }

  /** A single file as a one-file source; its directory is the root but only the file is visible. */
  // eslint-disable-next-line @typescript-eslint/require-await -- async turns a throw into a rejection
  static async fromFile(file: string, options: SourceOptions): Promise<FsResolver> {
    const abs = realTarget(file);
    if (!statSync(abs).isFile()) throw new VouchError('BAD_TARGET', `${file} is not a regular file`, { hint: `use dir:${file}` });
    const files = new FileIndex();
    files.add(basename(abs), basename(abs), abs);
    return new FsResolver(dirname(abs), files, [], options.limits.maxFileBytes);
  }
}

function realTarget(p: string): string {
  try {
    return realpathSync(resolve(p));
  } catch (err) {
    throw new VouchError('TARGET_NOT_FOUND', `${p}: no such file or directory`, { cause: err });
  }
}
