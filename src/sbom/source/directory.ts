/**
 * Directory and single-file sources. The walk is done once, up front, and records only
 * names (no stat of regular files); contents are read on demand by the catalogers that
 * ask for them, and the size limit is checked on the open handle at read time.
 *
 * Symlinks: a link to a file is followed only when its real path stays inside the root;
 * links to directories are not followed (as syft does: no cycles, no escapes).
 */
import { open, readdir, realpath, stat } from 'node:fs/promises';
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
  readonly abs: string;
}

export class FsResolver implements FileResolver {
  readonly root: string;
  readonly warnings: readonly Warning[];
  private readonly byPath: Map<string, Entry>;
  private readonly sorted: readonly FileRef[];
  private readonly maxFileBytes: number;

  private constructor(root: string, entries: Entry[], warnings: Warning[], maxFileBytes: number) {
    this.root = root;
    entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    this.byPath = new Map(entries.map((e) => [e.path, e]));
    this.sorted = entries.map(({ path }) => ({ path }));
    this.warnings = warnings;
    this.maxFileBytes = maxFileBytes;
  }

  files(): readonly FileRef[] {
    return this.sorted;
  }

  get(path: string): FileRef | undefined {
    return this.byPath.get(path);
  }

  async read(path: string, maxBytes: number = this.maxFileBytes): Promise<Buffer> {
    const entry = this.byPath.get(path);
    if (!entry) throw new VouchError('IO_ERROR', `${path}: not in source`);
    let fh;
    try {
      fh = await open(entry.abs, 'r');
      const { size } = await fh.stat();
      if (size > maxBytes) {
        throw new VouchError('LIMIT_EXCEEDED', `${path}: ${size} bytes is over the ${maxBytes}-byte limit, skipped`);
      }
      // Read at most `size` bytes even if the file grows meanwhile.
      const buf = Buffer.allocUnsafe(size);
      let off = 0;
      while (off < size) {
        const { bytesRead } = await fh.read(buf, off, size - off, off);
        if (bytesRead === 0) break;
        off += bytesRead;
      }
      return buf.subarray(0, off);
    } catch (err) {
      throw wrapError(err, 'IO_ERROR', `cannot read ${path}`);
    } finally {
      await fh?.close();
    }
  }

  /** Walk a directory once, recording regular files (and in-root file symlinks). */
  static async fromDirectory(dir: string, options: SourceOptions): Promise<FsResolver> {
    const root = await realTarget(dir);
    if (!(await stat(root)).isDirectory()) {
      throw new VouchError('BAD_TARGET', `${dir} is not a directory`, { hint: `use file:${dir}` });
    }
    const { maxDepth, maxFiles } = options.limits;
    const entries: Entry[] = [];
    const warnings: Warning[] = [];
    const exclude = new Set([...SKIP_DIRS, ...(options.exclude ?? [])]);
    const rootPrefix = root.endsWith(sep) ? root : root + sep;
    let truncated = false;

    const walk = async (absDir: string, rel: string, depth: number): Promise<void> => {
      if (depth > maxDepth) {
        warnings.push({ location: { path: rel }, message: `deeper than ${maxDepth} levels: not walked` });
        return;
      }
      let dirents;
      try {
        dirents = await readdir(absDir, { withFileTypes: true });
      } catch (err) {
        warnings.push({ location: { path: rel || '.' }, message: `cannot list: ${(err as Error).message}` });
        return;
      }
      const subdirs: Promise<void>[] = [];
      for (const d of dirents) {
        const relPath = rel === '' ? d.name : `${rel}/${d.name}`;
        const abs = absDir + sep + d.name;
        if (entries.length >= maxFiles) {
          truncated = true;
          break;
        }
        if (d.isDirectory()) {
          if (!exclude.has(d.name)) subdirs.push(walk(abs, relPath, depth + 1));
        } else if (d.isFile()) {
          entries.push({ path: relPath, abs });
        } else if (d.isSymbolicLink()) {
          const target = await realpath(abs).catch(() => undefined);
          if (target === undefined) continue; // dangling link
          if (!target.startsWith(rootPrefix)) {
            warnings.push({ location: { path: relPath }, message: 'symlink leads outside the target: not followed' });
            continue;
          }
          if ((await stat(target).catch(() => undefined))?.isFile()) entries.push({ path: relPath, abs: target });
        }
      }
      await Promise.all(subdirs);
    };
    await walk(root, '', 0);
    if (truncated) warnings.push({ location: { path: '.' }, message: `more than ${maxFiles} files: the rest were not read` });
    return new FsResolver(root, entries, warnings, options.limits.maxFileBytes);
  }

  /** A single file as a one-file source; its directory is the root but only the file is visible. */
  static async fromFile(file: string, options: SourceOptions): Promise<FsResolver> {
    const abs = await realTarget(file);
    if (!(await stat(abs)).isFile()) throw new VouchError('BAD_TARGET', `${file} is not a regular file`, { hint: `use dir:${file}` });
    return new FsResolver(dirname(abs), [{ path: basename(abs), abs }], [], options.limits.maxFileBytes);
  }
}

async function realTarget(p: string): Promise<string> {
  try {
    return await realpath(resolve(p));
  } catch (err) {
    throw new VouchError('TARGET_NOT_FOUND', `${p}: no such file or directory`, { cause: err });
  }
}
