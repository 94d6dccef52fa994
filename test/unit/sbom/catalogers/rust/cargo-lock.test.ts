import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { VouchError } from '../../../../../src/core/index.ts';
import { canonicalPurl, parsePurl } from '../../../../../src/formats/purl/index.ts';
import { FileParseError, type ParseResult } from '../../../../../src/sbom/generic/index.ts';
import { cargoLockCataloger } from '../../../../../src/sbom/catalogers/rust/index.ts';
import { cargoPurl, parseCargoLock } from '../../../../../src/sbom/catalogers/rust/cargo-lock.ts';
import { catalogDir, LOCKFILES, loadExpected, parseFixture } from '../../../../helpers/catalog.ts';

const RUST = join(LOCKFILES, 'rust');
const tmp = mkdtempSync(join(tmpdir(), 'vouch-rust-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
async function parseText(text: string): Promise<ParseResult> {
  const file = join(tmp, `Cargo-${n++}.lock`);
  writeFileSync(file, text);
  return parseFixture(parseCargoLock, file);
}

const sorted = (xs: Iterable<string>): string[] => [...xs].sort();
const nv = (r: ParseResult): string[] => sorted(r.packages.map((p) => `${p.name}@${p.version}`));
const edges = (r: ParseResult): string[] => sorted((r.relationships ?? []).map((x) => `${x.from} -> ${x.to}`));

for (const repo of ['osv-scalibr', 'trivy', 'syft']) {
  describe(`Cargo.lock: ${repo} fixtures`, () => {
    const expected = loadExpected('rust', repo);
    for (const [file, cases] of Object.entries(expected.files)) {
      for (const c of cases) {
        test(`${file} (${c.testCase ?? c.testFunction ?? 'default'})`, async () => {
          const path = join(RUST, repo, file);
          if (c.expectError !== undefined) {
            await assert.rejects(parseFixture(parseCargoLock, path), FileParseError);
            return;
          }
          const r = await parseFixture(parseCargoLock, path);
          const want = c.packages ?? [];
          // Every tool reports every [[package]], local crates included (we mark the roots).
          assert.deepEqual(nv(r), sorted(want.map((p) => `${String(p.name)}@${String(p.version)}`)));
          assert.equal(r.packages.length, c.expectedPackageCount);
          for (const p of want) {
            if (typeof p.purl !== 'string') continue;
            const ours = r.packages.filter((q) => q.name === p.name && q.version === p.version);
            if (p.purl === '') {
              // syft gives a local crate no purl; ours is the merge key, so it has one, and is a root.
              assert.ok(ours.every((q) => q.isRoot === true && q.purl === `pkg:cargo/${q.name}@${q.version}`));
            } else {
              // syft gives a git checkout the crates.io purl; we qualify it with vcs_url so that it
              // does not merge with the released crate of the same name and version.
              const want = canonicalPurl(p.purl);
              assert.ok(ours.some((q) => q.purl === want), `${want} missing`);
              for (const q of ours) if (q.purl !== want) assert.match(parsePurl(q.purl).qualifiers?.vcs_url ?? '', /^git\+https:/);
            }
          }
        });
      }
    }
  });
}

describe('Cargo.lock: cdxgen fixtures', () => {
  const expected = loadExpected('rust', 'cdxgen');
  for (const [file, cases] of Object.entries(expected.files)) {
    for (const c of cases) {
      test(file, async () => {
        const r = await parseFixture(parseCargoLock, join(RUST, 'cdxgen', file));
        const a = c.cdxgenAssertions as { dep_list: number };
        // cdxgen's dep_list holds one entry per [[package]]; so does our package list.
        assert.equal(r.packages.length, a.dep_list);
        const text = readFileSync(join(RUST, 'cdxgen', file), 'utf8');
        // one SHA-256 per inline `checksum` plus one per leftover v1 `[metadata]` checksum
        const inline = (text.match(/^checksum = "/gm) ?? []).length;
        const legacy = (text.match(/^"checksum /gm) ?? []).length;
        assert.equal(r.packages.filter((p) => (p.hashes ?? []).length === 1).length, inline + legacy);
        assert.deepEqual(r.warnings, []);
      });
    }
  }

  test('the hybrid v2 file takes checksums from its leftover [metadata] too', async () => {
    const r = await parseFixture(parseCargoLock, join(RUST, 'cdxgen/Cargo.v2-with-leftover-metadata.lock'));
    const base64 = r.packages.find((p) => p.name === 'base64' && p.version === '0.5.1')!;
    assert.deepEqual(base64.hashes, [{ alg: 'SHA-256', value: '124e5332dfc4e387b4ca058909aa175c0c3eccf03846b7c1a969b9ad067b8df2' }]);
  });
});

describe('Cargo.lock semantics', () => {
  test('v1: [metadata] checksums, `name version (source)` dependencies, the local crate is the root', async () => {
    const r = await parseFixture(parseCargoLock, join(RUST, 'trivy/cargo/cargo_normal.lock'));
    const libc = r.packages.find((p) => p.name === 'libc')!;
    assert.deepEqual(libc.hashes, [{ alg: 'SHA-256', value: 'c6785aa7dd976f5fbf3b71cfd9cd49d7f783c1ff565a858d71031c6c313aa5c6' }]);
    assert.equal(libc.metadata?.source, 'registry+https://github.com/rust-lang/crates.io-index');
    assert.deepEqual(r.packages.filter((p) => p.isRoot === true).map((p) => p.purl), ['pkg:cargo/normal@0.1.0']);
    assert.deepEqual(edges(r), [
      'pkg:cargo/normal@0.1.0 -> pkg:cargo/libc@0.2.54',
      'pkg:cargo/typemap@0.3.3 -> pkg:cargo/unsafe-any@0.4.2',
      'pkg:cargo/url@1.7.2 -> pkg:cargo/idna@0.1.5',
      'pkg:cargo/url@1.7.2 -> pkg:cargo/matches@0.1.8',
      'pkg:cargo/url@1.7.2 -> pkg:cargo/percent-encoding@1.0.1',
    ]);
  });

  test('v3: `name` and `name version` dependencies resolve to the right version', async () => {
    const r = await parseFixture(parseCargoLock, join(RUST, 'trivy/cargo/cargo_v3.lock'));
    assert.deepEqual(
      edges(r).filter((e) => e.startsWith('pkg:cargo/app@')),
      ['pkg:cargo/app@0.1.0 -> pkg:cargo/memchr@1.0.2', 'pkg:cargo/app@0.1.0 -> pkg:cargo/regex-syntax@0.5.6', 'pkg:cargo/app@0.1.0 -> pkg:cargo/regex@1.7.3'],
    );
    const regex = r.packages.find((p) => p.name === 'regex')!;
    assert.deepEqual(regex.hashes, [{ alg: 'SHA-256', value: '8b1f693b24f6ac912f4893ef08244d70b6067480d2f1a46e950c9691e6749d1d' }]);
  });

  test('git sources: `(git+URL)` references match the package whose source adds `#commit`', async () => {
    const r = await parseFixture(parseCargoLock, join(RUST, 'syft/Cargo.lock-with-git-deps'));
    const git = cargoPurl('regex', '1.11.1', 'git+https://github.com/rust-lang/regex.git#1a069b9232c607b34c4937122361aa075ef573fa');
    assert.deepEqual({ ...parsePurl(git).qualifiers }, { vcs_url: 'git+https://github.com/rust-lang/regex.git@1a069b9232c607b34c4937122361aa075ef573fa' });
    assert.ok(edges(r).includes(`pkg:cargo/hello_world@0.1.0 -> ${git}`));
    assert.ok(edges(r).includes('pkg:cargo/nom-regex@0.2.0 -> pkg:cargo/regex@1.11.1'));
    assert.equal(r.packages.find((p) => p.purl === git)?.hashes?.length, 0);
  });

  test('v4 and path dependencies: local crates depended on are not roots', async () => {
    const v4 = await parseFixture(parseCargoLock, join(RUST, 'syft/image-audit/Cargo.lock'));
    assert.deepEqual(v4.packages.filter((p) => p.isRoot === true).map((p) => p.name), ['hello_world']);
    assert.ok(edges(v4).includes('pkg:cargo/argh@0.1.12 -> pkg:cargo/argh_derive@0.1.12'));
    const path = await parseFixture(parseCargoLock, join(RUST, 'syft/path-deps/Cargo.lock'));
    assert.deepEqual(path.packages.filter((p) => p.isRoot === true).map((p) => p.name), ['app']);
    assert.deepEqual(edges(path), ['pkg:cargo/app@1.0.0 -> pkg:cargo/memchr@2.7.4', 'pkg:cargo/app@1.0.0 -> pkg:cargo/telemetry@0.1.0']);
  });

  test('another registry is a repository_url qualifier; crates.io sparse is the default', () => {
    assert.equal(cargoPurl('x', '1.0.0', 'sparse+https://index.crates.io/'), 'pkg:cargo/x@1.0.0');
    assert.deepEqual({ ...parsePurl(cargoPurl('x', '1.0.0', 'registry+https://my.example/index')).qualifiers }, {
      repository_url: 'https://my.example/index',
    });
  });

  test('a workspace has several roots', async () => {
    const r = await parseFixture(parseCargoLock, join(RUST, 'cdxgen/Cargom.v3.lock'));
    assert.deepEqual(sorted(r.packages.filter((p) => p.isRoot === true).map((p) => p.name)), ['rust-code-analysis-cli', 'rust-code-analysis-web']);
  });

  test('the cataloger finds Cargo.lock files by name only', async () => {
    const r = await catalogDir(cargoLockCataloger, join(RUST, 'syft'));
    assert.deepEqual(sorted(new Set(r.packages.flatMap((p) => p.locations.map((l) => l.path)))), ['Cargo.lock', 'image-audit/Cargo.lock', 'path-deps/Cargo.lock']);
    assert.deepEqual(r.warnings, []);
  });
});

describe('Cargo.lock: bad input', () => {
  test('not TOML: a parse error with the line', async () => {
    const err = await parseText('version = 3\n\n[[package]]\nname = "x"\nversion =\n').then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof FileParseError);
    assert.equal(err.line, 5);
  });

  test('truncated in a string', async () => {
    await assert.rejects(parseText('[[package]]\nname = "x'), FileParseError);
  });

  test('wrong types: `package` not an array is an error, a bad entry is a warning', async () => {
    await assert.rejects(parseText('package = "x"\n'), FileParseError);
    await assert.rejects(parseText('version = "3"\n'), FileParseError);
    await assert.rejects(parseText('metadata = 1\n'), FileParseError);
    const r = await parseText(
      '[[package]]\nname = 1\nversion = "1"\n\n[[package]]\nname = "ok"\nversion = "1.0.0"\ndependencies = "nope"\nchecksum = "not-hex"\n',
    );
    assert.deepEqual(nv(r), ['ok@1.0.0']);
    assert.deepEqual(r.packages[0]!.hashes, []);
    assert.equal(r.warnings?.length, 2);
  });

  test('deep nesting is refused', async () => {
    await assert.rejects(parseText(`x = ${'['.repeat(200)}${']'.repeat(200)}\n`), FileParseError);
  });

  test('over the file size limit', async () => {
    await assert.rejects(
      parseFixture(parseCargoLock, join(RUST, 'syft/Cargo.lock'), { maxFileBytes: 100 }),
      (e: unknown) => e instanceof VouchError && e.code === 'LIMIT_EXCEEDED',
    );
  });
});
