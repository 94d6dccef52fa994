/**
 * The probe every candidate file goes through: the name test, one read of its first bytes,
 * the ELF magic, then the ELF headers. Both binary catalogers probe the same files, so the
 * outcome (not ELF, or the few headers they need) is kept per source and per path, and the
 * second cataloger reads nothing for a file the first found not to be ELF.
 *
 * Nothing here is a warning: an unreadable file, a file over the size limit or a malformed
 * ELF file is logged at debug level and skipped, since nearly every file probed is not what
 * the catalogers look for.
 */
import { VouchError } from '../../../core/index.ts';
import type { ParseContext } from '../../generic/index.ts';
import type { FileResolver } from '../../source/resolver.ts';
import { mayBeBinary } from './candidates.ts';
import { ElfFormatError, readElf, type ElfFile } from './elf.ts';
import { byteSource, PROBE_BYTES, type ByteSource } from './reader.ts';

/** The sections either cataloger looks at. */
export const GO_BUILDINFO_SECTION = '.go.buildinfo';
export const CARGO_AUDITABLE_SECTION = '.dep-v0';
/** Sections only Go's linker writes: a Go binary without .go.buildinfo (older than Go 1.13) still has them. */
export const GO_MARKER_SECTIONS: readonly string[] = ['.gopclntab', '.note.go.buildid', '.gosymtab'];
const WANTED: ReadonlySet<string> = new Set([GO_BUILDINFO_SECTION, CARGO_AUDITABLE_SECTION, ...GO_MARKER_SECTIONS]);

/** Most probe outcomes kept per source: beyond it, files are probed again by the second cataloger. */
const MAX_CACHED = 200_000;

const cache = new WeakMap<FileResolver, Map<string, Promise<ElfFile | undefined>>>();

export interface Probed {
  readonly src: ByteSource;
  readonly elf: ElfFile;
}

/** The ELF headers of `path` and a bounded reader for the rest, or undefined when it is not an ELF file we can read. */
export async function probeElf(path: string, ctx: Pick<ParseContext, 'resolver' | 'limits' | 'logger'>): Promise<Probed | undefined> {
  if (!mayBeBinary(path)) return undefined;
  const src = byteSource(ctx.resolver, path, ctx.limits);
  let perSource = cache.get(ctx.resolver);
  if (!perSource) {
    perSource = new Map();
    cache.set(ctx.resolver, perSource);
  }
  let outcome = perSource.get(path);
  if (!outcome) {
    outcome = headersOf(src, ctx.logger);
    if (perSource.size < MAX_CACHED) perSource.set(path, outcome);
  }
  const elf = await outcome;
  return elf ? { src, elf } : undefined;
}

/**
 * Whether either cataloger reads more of this ELF file than its headers: it has one of the
 * sections they look for (only those are kept), or no section table (Go's build info is then
 * searched for in the data segment).
 */
export function readsPastHeaders(elf: ElfFile): boolean {
  return !elf.hasSectionTable || elf.sections.size > 0;
}

async function headersOf(src: ByteSource, logger: ParseContext['logger']): Promise<ElfFile | undefined> {
  try {
    return await readElf(src, await src.read(0, PROBE_BYTES), WANTED);
  } catch (err) {
    // RangeError: a Buffer read past a bound that a check above should have caught; still not a warning.
    if (err instanceof ElfFormatError || err instanceof VouchError || err instanceof RangeError) {
      logger.debug(`binary probe: ${src.path}: ${err.message}`);
      return undefined;
    }
    throw err;
  }
}
