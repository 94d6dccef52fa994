/**
 * Binary catalogers: packages recorded inside executables and shared libraries rather than in
 * manifests, for images and root filesystems where only the built artifacts remain.
 * - Go build info (`.go.buildinfo`): the main module, its dependencies and the toolchain.
 * - Rust cargo-auditable data (`.dep-v0`): the crate graph.
 * Only ELF files are read; candidates are picked by name and confirmed by their first bytes
 * (candidates.ts, probe.ts), so the catalogers cost little on trees of other files.
 *
 * Each is the generic cataloger run over the candidate view of the source (candidates.ts),
 * and looks under `node_modules` too (skipUnder: []): npm ships Go and Rust executables there
 * (esbuild, turbo, ...), and the name test keeps the `.js`/`.json` bulk from being read.
 */
import { genericCataloger, type Cataloger, type Parser } from '../../generic/index.ts';
import type { FileResolver } from '../../source/resolver.ts';
import { BINARY_GLOBS, candidateView, mayBeBinary } from './candidates.ts';
import { probeElf, readsPastHeaders } from './probe.ts';

type CatalogContext = Parameters<Cataloger['catalog']>[0];

export { candidateView, mayBeBinary } from './candidates.ts';

/** `load`: the parser, loaded on demand (ParserBinding.load) when the source holds candidates. */
function binaryCataloger(name: string, load: () => Promise<Parser>): Cataloger {
  const inner = genericCataloger(name, [{ globs: BINARY_GLOBS, load }], { skipUnder: [] });
  return {
    name,
    select: (resolver) => inner.select(candidateView(resolver)),
    // Candidates are only probed (readRange), not read whole: an image keeps their ends.
    wants: (path, info) => (mayBeBinary(path) && (info === undefined || (info.mode & 0o111) !== 0) ? 'probe' : false),
    async catalog(ctx) {
      const view = candidateView(ctx.resolver);
      if (view.prefetch) await fetchBinaries(view, inner.select(view), ctx);
      return inner.catalog({ ...ctx, resolver: view });
    },
  };
}

/**
 * For a source that reads in passes (an image): probe every candidate first (from the ends the
 * source kept, or one pass for the files it did not), then fetch the ELF files whose build info
 * will be read, together, rather than one pass for each binary's first read past its ends. A
 * failure is left for each file's own read to report.
 */
async function fetchBinaries(view: FileResolver, paths: readonly string[], ctx: CatalogContext): Promise<void> {
  try {
    await view.prefetch!(paths, { ranges: true });
    const elves = await Promise.all(paths.map((p) => probeElf(p, { ...ctx, resolver: view })));
    const more = paths.filter((_, i) => {
      const elf = elves[i]?.elf;
      return elf !== undefined && readsPastHeaders(elf);
    });
    if (more.length > 0) await view.prefetch!(more);
  } catch (err) {
    ctx.logger.debug(`binary catalogers: prefetch: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export const goBinaryCataloger: Cataloger = binaryCataloger('go-module-binary-cataloger', async () => (await import('./go-binary.ts')).parseGoBinary);
export const cargoAuditableCataloger: Cataloger = binaryCataloger('cargo-auditable-binary-cataloger', async () => (await import('./cargo-auditable.ts')).parseCargoAuditable);

export const catalogers: readonly Cataloger[] = [goBinaryCataloger, cargoAuditableCataloger];
