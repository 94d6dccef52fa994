import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { VouchError } from '../../../../../src/core/index.ts';
import { parsePurl } from '../../../../../src/formats/purl/index.ts';
import { FileParseError, type ParseResult } from '../../../../../src/sbom/generic/index.ts';
import { gemfileLockCataloger } from '../../../../../src/sbom/catalogers/ruby/index.ts';
import { parseGemfileLock } from '../../../../../src/sbom/catalogers/ruby/gemfile-lock.ts';
import { catalogDir, LOCKFILES, loadExpected, parseFixture } from '../../../../helpers/catalog.ts';

const RUBY = join(LOCKFILES, 'ruby');
const tmp = mkdtempSync(join(tmpdir(), 'vouch-ruby-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
async function parseText(text: string): Promise<ParseResult> {
  const file = join(tmp, `Gemfile-${n++}.lock`);
  writeFileSync(file, text);
  return parseFixture(parseGemfileLock, file);
}

const sorted = (xs: Iterable<string>): string[] => [...xs].sort();
const edges = (r: ParseResult): string[] => sorted((r.relationships ?? []).map((x) => `${x.from} -> ${x.to}`));

describe('Gemfile.lock: osv-scalibr fixtures', () => {
  const expected = loadExpected('ruby', 'osv-scalibr');
  for (const [file, cases] of Object.entries(expected.files)) {
    for (const c of cases) {
      test(`${file} (${c.testCase})`, async () => {
        const r = await parseFixture(parseGemfileLock, join(RUBY, 'osv-scalibr', file));
        // osv-scalibr drops the platform from the version; so do we (it becomes a purl qualifier).
        assert.deepEqual(
          sorted(r.packages.map((p) => `${p.name}@${p.version}`)),
          sorted((c.packages ?? []).map((p) => `${String(p.name)}@${String(p.version)}`)),
        );
        assert.equal(r.packages.length, c.expectedPackageCount);
      });
    }
  }
});

describe('Gemfile.lock: trivy fixtures', () => {
  const expected = loadExpected('ruby', 'trivy');
  for (const [file, cases] of Object.entries(expected.files)) {
    for (const c of cases) {
      test(`${file} (${c.testCase})`, async () => {
        const r = await parseFixture(parseGemfileLock, join(RUBY, 'trivy', file));
        // trivy's direct/indirect is our metadata.direct (these lockfiles name no project, so no root).
        const ours = sorted(r.packages.map((p) => `${p.name}@${p.version} ${p.metadata?.direct === 'true' ? 'direct' : 'indirect'}`));
        const want = sorted((c.packages ?? []).map((p) => `${String(p.name)}@${String(p.version)} ${String(p.relationship)}`));
        assert.deepEqual(ours, want);
        assert.deepEqual(r.warnings, []);
      });
    }
  }
});

describe('Gemfile.lock: cdxgen fixtures', () => {
  const expected = loadExpected('ruby', 'cdxgen');
  for (const [file, cases] of Object.entries(expected.files)) {
    for (const c of cases) {
      test(file, async () => {
        const r = await parseFixture(parseGemfileLock, join(RUBY, 'cdxgen', file));
        const a = c.cdxgenAssertions as { pkgList: number; rootList: number; dependenciesList: number };
        assert.equal(r.packages.length, a.pkgList);
        // cdxgen's rootList is the DEPENDENCIES entries: our gems marked direct, plus the project gem itself.
        const direct = new Set(r.packages.filter((p) => p.metadata?.direct === 'true' || p.isRoot === true).map((p) => p.name));
        assert.equal(direct.size, a.rootList);
      });
    }
  }
});

describe('Gemfile.lock semantics', () => {
  test('spec dependencies are the graph; platform builds get a platform qualifier', async () => {
    const r = await parseFixture(parseGemfileLock, join(RUBY, 'osv-scalibr/gemfilelock/has-local-gem.lock'));
    const nokogiri = r.packages.find((p) => p.name === 'nokogiri')!;
    assert.equal(nokogiri.purl, 'pkg:gem/nokogiri@1.13.3?platform=x86_64-linux');
    assert.equal(nokogiri.metadata?.platform, 'x86_64-linux');
    assert.ok(edges(r).includes('pkg:gem/loofah@2.14.0 -> pkg:gem/nokogiri@1.13.3?platform=x86_64-linux'));
    assert.ok(edges(r).includes('pkg:gem/backbone-on-rails@1.2.0.0 -> pkg:gem/eco@1.0.0'));
    const local = r.packages.find((p) => p.name === 'backbone-on-rails')!;
    assert.deepEqual(local.metadata, { source: 'path', remote: 'vendor/gem/backbone-on-rails', direct: 'true' });
    assert.equal(local.isRoot, undefined, 'a PATH gem elsewhere than `.` is not the project');
    assert.deepEqual(local.locations, [{ path: 'has-local-gem.lock', line: 4 }]);
  });

  test('git gems carry vcs_url; DEPENDENCIES `name!` marks a direct dependency', async () => {
    const r = await parseFixture(parseGemfileLock, join(RUBY, 'osv-scalibr/gemfilelock/has-git-gem.lock'));
    const utils = r.packages.find((p) => p.name === 'hanami-utils')!;
    const parts = parsePurl(utils.purl);
    assert.deepEqual([parts.type, parts.name, parts.version], ['gem', 'hanami-utils', '2.0.0.alpha1']);
    assert.deepEqual({ ...parts.qualifiers }, { vcs_url: 'git+https://github.com/hanami/utils.git@5904fc9a70683b8749aa2861257d0c8c01eae4aa' });
    assert.equal(utils.metadata?.direct, 'true');
    assert.equal(utils.metadata?.branch, 'unstable');
    assert.deepEqual(
      edges(r).filter((e) => e.startsWith('pkg:gem/hanami-utils')),
      [`${utils.purl} -> pkg:gem/concurrent-ruby@1.1.7`, `${utils.purl} -> pkg:gem/transproc@1.1.1`],
    );
  });

  test('the gemspec project (PATH remote .) is the root and depends on DEPENDENCIES, not on itself', async () => {
    const r = await parseFixture(parseGemfileLock, join(RUBY, 'cdxgen/Gemfile6.lock'));
    const roots = r.packages.filter((p) => p.isRoot === true);
    assert.deepEqual(sorted(roots.map((p) => p.purl)), ['pkg:gem/chef@16.13.16', 'pkg:gem/chef@16.13.16?platform=universal-mingw32']);
    assert.equal(roots[0]!.metadata?.bundledWith, '2.1.4');
    const fromRoot = edges(r).filter((e) => e.startsWith('pkg:gem/chef@16.13.16 '));
    assert.ok(fromRoot.includes('pkg:gem/chef@16.13.16 -> pkg:gem/chef-bin@16.13.16'), 'DEPENDENCIES chef-bin!');
    assert.ok(fromRoot.includes('pkg:gem/chef@16.13.16 -> pkg:gem/rspec@3.10.0'), 'DEPENDENCIES rspec');
    assert.ok(!edges(r).some((e) => /^pkg:gem\/chef@\S+ -> pkg:gem\/chef@/.test(e)), 'no edge between the project gem variants');
  });

  test('CHECKSUMS (Bundler >= 2.5) become SHA-256 hashes, per platform', async () => {
    const sha1 = 'a'.repeat(64);
    const sha2 = 'B'.repeat(64);
    const r = await parseText(
      [
        'GEM',
        '  remote: https://rubygems.org/',
        '  specs:',
        '    nokogiri (1.16.0-x86_64-linux)',
        '      racc (~> 1.4)',
        '    racc (1.7.3)',
        '',
        'PLATFORMS',
        '  x86_64-linux',
        '',
        'DEPENDENCIES',
        '  nokogiri',
        '',
        'CHECKSUMS',
        `  nokogiri (1.16.0-x86_64-linux) sha256=${sha1}`,
        `  racc (1.7.3) md5=00,sha256=${sha2}`,
        '',
        'BUNDLED WITH',
        '   2.5.3',
        '',
      ].join('\r\n'),
    );
    assert.deepEqual(
      r.packages.map((p) => [p.purl, p.hashes]),
      [
        ['pkg:gem/nokogiri@1.16.0?platform=x86_64-linux', [{ alg: 'SHA-256', value: sha1 }]],
        ['pkg:gem/racc@1.7.3', [{ alg: 'SHA-256', value: sha2.toLowerCase() }]],
      ],
    );
    assert.deepEqual(edges(r), ['pkg:gem/nokogiri@1.16.0?platform=x86_64-linux -> pkg:gem/racc@1.7.3']);
  });

  test('the cataloger reads Gemfile.lock and gems.locked', async () => {
    const dir = join(tmp, 'cat');
    mkdirSync(join(dir, 'b'), { recursive: true });
    const one = readFileSync(join(RUBY, 'osv-scalibr/gemfilelock/one-gem.lock'));
    writeFileSync(join(dir, 'Gemfile.lock'), one);
    writeFileSync(join(dir, 'b/gems.locked'), one);
    writeFileSync(join(dir, 'b/Gemfile'), 'source "https://rubygems.org"\n');
    const r = await catalogDir(gemfileLockCataloger, dir);
    assert.deepEqual(r.packages.map((p) => p.locations[0]?.path), ['Gemfile.lock', 'b/gems.locked']);
  });
});

describe('Gemfile.lock: bad input', () => {
  test('tolerated: the malformed fixtures parse to nothing without an error', async () => {
    const a = await parseFixture(parseGemfileLock, join(RUBY, 'trivy/bundler/Gemfile_malformed.lock'));
    assert.deepEqual(a.packages, []);
    const b = await parseFixture(parseGemfileLock, join(RUBY, 'osv-scalibr/gemfilelock/invalid.lock'));
    assert.deepEqual(b.packages, []);
    assert.deepEqual(b.warnings?.map((w) => w.location.line), [4]);
  });

  test('truncated mid-section keeps what was read', async () => {
    const text = readFileSync(join(RUBY, 'trivy/bundler/Gemfile_normal.lock'), 'utf8');
    const r = await parseText(text.slice(0, text.indexOf('    pry (')));
    assert.deepEqual(r.packages.map((p) => p.name), ['coderay', 'concurrent-ruby', 'dotenv', 'faker', 'i18n', 'method_source']);
  });

  test('merge conflict markers are an error with the line, as in Bundler', async () => {
    const err = await parseText('GEM\n  specs:\n<<<<<<< HEAD\n    a (1.0)\n=======\n    a (2.0)\n>>>>>>> branch\n').then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof FileParseError);
    assert.equal(err.line, 3);
  });

  test('binary data is an error', async () => {
    await assert.rejects(parseText('GEM\n\u0000\u0001\u0002'), FileParseError);
  });

  test('over the file size limit', async () => {
    await assert.rejects(
      parseFixture(parseGemfileLock, join(RUBY, 'osv-scalibr/gemfilelock/rails.lock'), { maxFileBytes: 100 }),
      (e: unknown) => e instanceof VouchError && e.code === 'LIMIT_EXCEEDED',
    );
  });
});
