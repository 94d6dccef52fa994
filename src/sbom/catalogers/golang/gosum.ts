/**
 * go.sum lines (https://go.dev/ref/mod#go-sum-files): `<module> <version>[/go.mod] <hash>`.
 * The hash is `h1:` + base64 SHA-256 of a dirhash (golang.org/x/mod/sumdb/dirhash Hash1): a
 * hash over the sorted file list of the module zip, not over any one file, so it is kept as
 * metadata and never as a Package hash. Lines ending in `/go.mod` hash only the module's
 * go.mod file: the module was consulted for the build graph, its code not necessarily downloaded.
 */
import { FileParseError } from '../../generic/index.ts';

export interface SumEntry {
  readonly path: string;
  /** Version without the `/go.mod` suffix. */
  readonly version: string;
  /** True for the `<version>/go.mod` line (hash of the go.mod file only). */
  readonly goMod: boolean;
  /** e.g. `h1:vj9j/u1bqnvCEfJOwUhtlOARqs3+rkHYY13jYWTU97c=`. */
  readonly hash: string;
  readonly line: number;
}

/** Parse go.sum text; throws FileParseError naming the first malformed line. Blank lines are skipped. */
export function parseGoSum(text: string): SumEntry[] {
  const out: SumEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '') continue;
    const f = raw.split(/\s+/);
    const [path, ver, hash] = f;
    if (f.length !== 3 || path === undefined || ver === undefined || hash === undefined || !ver.startsWith('v') || !/^[a-z0-9]+:/.test(hash)) {
      throw new FileParseError('malformed go.sum line: want "<module> <version> <hash>"', i + 1);
    }
    const goMod = ver.endsWith('/go.mod');
    out.push({ path, version: goMod ? ver.slice(0, -'/go.mod'.length) : ver, goMod, hash, line: i + 1 });
  }
  return out;
}
