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
import { BINARY_GLOBS, candidateView } from './candidates.ts';
import { parseCargoAuditable } from './cargo-auditable.ts';
import { parseGoBinary } from './go-binary.ts';

export { parseGoBinary, goPackages, goPurl, stdlibVersion } from './go-binary.ts';
export { parseBuildInfo, readRawBuildInfo, type BuildInfo, type GoModule, type RawBuildInfo } from './go-buildinfo.ts';
export { parseCargoAuditable, auditablePackages, inflateAuditData, MAX_AUDIT_JSON_BYTES } from './cargo-auditable.ts';
export { candidateView, mayBeBinary } from './candidates.ts';

function binaryCataloger(name: string, parse: Parser): Cataloger {
  const inner = genericCataloger(name, [{ globs: BINARY_GLOBS, parse }], { skipUnder: [] });
  return {
    name,
    select: (resolver) => inner.select(candidateView(resolver)),
    catalog: (ctx) => inner.catalog({ ...ctx, resolver: candidateView(ctx.resolver) }),
  };
}

export const goBinaryCataloger: Cataloger = binaryCataloger('go-module-binary-cataloger', parseGoBinary);
export const cargoAuditableCataloger: Cataloger = binaryCataloger('cargo-auditable-binary-cataloger', parseCargoAuditable);

export const catalogers: readonly Cataloger[] = [goBinaryCataloger, cargoAuditableCataloger];
