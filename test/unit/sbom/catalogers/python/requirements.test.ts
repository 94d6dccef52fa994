import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { logicalLines, MAX_INCLUDE_DEPTH, parseRequirementsTxt } from '../../../../../src/sbom/catalogers/python/requirements.ts';
import { parseFixture } from '../../../../helpers/catalog.ts';
import { canon, caseName, cases, expectedPackages, find, parse } from './expect.ts';

/**
 * Where our semantics differ on purpose from osv-scalibr's requirements extractor:
 *  - a range (`>=0.2.2`, `<=1.2.3`, `~=1.1`) is not a version: we record version '' and the
 *    specifier in metadata; scalibr takes the bound as the version (checked precisely below);
 *  - `foo7==1.0 unexpected_text...` is not a valid requirement (pip rejects it): we warn and
 *    skip it, scalibr keeps "1.0 unexpected_text..." as the version;
 *  - a direct reference `name @ url` names a dependency: we keep it (version ''), scalibr
 *    drops it; a wheel file name (PEP 427) names its project and version: we keep those too.
 */
const SCALIBR_DIFFERENCES: Readonly<Record<string, { dropped?: readonly string[]; added?: readonly string[] }>> = {
  'requirements/example.txt': { added: ['urllib3', 'numpy', 'wxPython_Phoenix'] },
  'requirements/invalid.txt': { added: ['urllib3'] },
  'requirements/per_req_options.txt': { dropped: ['foo7'] },
};

describe('requirements.txt: osv-scalibr fixtures', () => {
  for (const c of cases('osv-scalibr', 'requirements')) {
    test(caseName(c), async () => {
      const r = await parse(parseRequirementsTxt, c);
      const diff = SCALIBR_DIFFERENCES[c.file] ?? {};
      const want = expectedPackages(c).filter((p) => !(diff.dropped ?? []).includes(p.name));
      const ours = r.packages.filter((p) => !(diff.added ?? []).includes(p.name));
      assert.deepEqual(ours.map((p) => p.name).sort(), want.map((p) => p.name).sort());
      for (const w of want) {
        const got = find(r, w.name);
        if (got.version === w.version) continue;
        // scalibr's version came from a range bound: ours is unpinned and keeps the range.
        assert.equal(got.version, '', `${w.name}: only a pin is a version`);
        assert.match(got.metadata?.specifier ?? '', new RegExp(`(>=|<=|~=)${w.version.replace(/\./g, '\\.')}`), w.name);
      }
      for (const name of diff.added ?? []) find(r, name);
    });
  }

  test('ranges are not versions (with_versions.txt)', async () => {
    const r = await parse(parseRequirementsTxt, 'osv-scalibr/requirements/with_versions.txt');
    assert.equal(find(r, 'newspaper3k').version, '');
    assert.equal(find(r, 'newspaper3k').metadata?.specifier, '>=0.2.2');
    assert.equal(find(r, 'pkg').metadata?.specifier, '<=1.2.3');
    assert.equal(find(r, 'asdf').version, '', 'a wildcard == is no pin');
    assert.equal(find(r, 'yolo').version, '1.0', '=== pins');
    assert.equal(find(r, 'qwerty').version, '0.1', 'continued line');
    assert.equal(find(r, 'pkg.dot.name').purl, 'pkg:pypi/pkg-dot-name@5.0.0', 'PEP 503 name in the purl');
    assert.equal(find(r, 'combination-._-.also_-._valid').purl, 'pkg:pypi/combination-also-valid');
  });

  test('invalid lines are warnings with their line, the rest goes on', async () => {
    const r = await parse(parseRequirementsTxt, 'osv-scalibr/requirements/invalid.txt');
    assert.deepEqual(
      (r.warnings ?? []).map((w) => w.location.line),
      [1, 2, 3],
    );
    assert.equal(find(r, 'urllib3').metadata?.url, 'https://github.com/urllib3/urllib3/archive/refs/tags/==1.26.8.zip');
  });

  test('per-requirement options: hashes, markers, the bad line', async () => {
    const r = await parse(parseRequirementsTxt, 'osv-scalibr/requirements/per_req_options.txt');
    // "sha256:123" is not a SHA-256 digest: no hash is invented from it.
    assert.ok(r.packages.every((p) => (p.hashes ?? []).length === 0));
    assert.equal(find(r, 'foo5').metadata?.markers, 'python_version < "2.7"');
    assert.deepEqual(
      (r.warnings ?? []).map((w) => w.location.line),
      [13, 20, 30],
    );
    assert.match(r.warnings![0]!.message, /foo7/);
  });

  test('environment variables are not expanded', async () => {
    const r = await parse(parseRequirementsTxt, 'osv-scalibr/requirements/env_var.txt');
    assert.deepEqual(r.warnings?.map((w) => [w.location.line, w.message]), [[2, 'uses an environment variable: skipped']]);
  });

  test('-r includes: relative to the file, reported at their own location', async () => {
    const r = await parse(parseRequirementsTxt, 'osv-scalibr/requirements/example.txt');
    assert.deepEqual(find(r, 'pandas').locations, [{ path: 'other-requirements.txt', line: 1 }]);
    assert.deepEqual(r.warnings?.map((w) => w.location), [{ path: 'example.txt', line: 22 }], 'constraints.txt is missing');
    assert.deepEqual(find(r, 'docopt').locations, [{ path: 'example.txt', line: 8 }]);
    assert.equal(find(r, 'requests').metadata?.extras, 'security');
    assert.equal(find(r, 'wxPython_Phoenix').version, '3.0.3.dev1820+49a8884');
  });

  test('the self-including loop terminates', async () => {
    for (const f of ['loop.txt', 'other-loop.txt']) {
      const r = await parse(parseRequirementsTxt, `osv-scalibr/requirements/${f}`);
      assert.equal(r.packages.length, 0);
      assert.deepEqual(r.warnings, []);
    }
  });
});

describe('requirements.txt: trivy fixtures', () => {
  for (const c of cases('trivy', 'pip')) {
    test(caseName(c), async () => {
      const r = await parse(parseRequirementsTxt, c);
      const want = expectedPackages(c);
      if (c.file === 'pip/requirements_compatible.txt') {
        // Trivy's test turns on "use the minimum version of a range"; we never guess a version
        // from a range: the same names, all unpinned, each keeping its specifier.
        const names = new Set(want.map((p) => p.name));
        const ours = r.packages.filter((p) => names.has(p.name));
        assert.equal(ours.length, want.length);
        for (const p of ours) {
          assert.equal(p.version, '');
          assert.ok(p.metadata?.specifier, p.name);
        }
        return;
      }
      // Trivy reports pinned requirements only; ours are the pinned ones plus unpinned names with version ''.
      const pinned = r.packages.filter((p) => p.version !== '');
      assert.deepEqual(pinned.map((p) => `${p.name}@${p.version}`).sort(), want.map((p) => `${p.name}@${p.version}`).sort());
      assert.equal(c.expected.expectedPackageCount ?? want.length, pinned.length);
    });
  }

  test('hashes from --hash options, lower-case hex', async () => {
    const r = await parse(parseRequirementsTxt, 'trivy/pip/requirements_hash.txt');
    assert.deepEqual(find(r, 'FooProject').hashes, [
      { alg: 'SHA-256', value: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824' },
      { alg: 'SHA-256', value: '486ea46224d1bb4fb680f34f7c9ad96a8f24ec88be73ea8e5a6c65260e9cb8a7' },
    ]);
  });

  test('UTF-16LE with a BOM', async () => {
    const r = await parse(parseRequirementsTxt, 'trivy/pip/requirements_utf16le.txt');
    assert.deepEqual(
      r.packages.map((p) => p.purl),
      ['pkg:pypi/attrs@20.3.0'],
    );
  });

  test('template syntax is not a requirement', async () => {
    const r = await parse(parseRequirementsTxt, 'trivy/pip/requirements_with_templating_engine.txt');
    assert.equal(r.packages.length, 0);
    assert.equal(r.warnings?.length, 5);
  });
});

describe('requirements.txt: syft and cdxgen fixtures', () => {
  for (const c of cases('syft', 'requires')) {
    test(caseName(c), async () => {
      const r = await parse(parseRequirementsTxt, c);
      const slices = c.expected.expectedSlices as { var: string | null; packages: { name: string; purl: string }[] }[];
      const pinned = slices.find((s) => s.var === 'pinnedPkgs')!;
      assert.deepEqual(
        r.packages.filter((p) => p.version !== '').map((p) => p.purl).sort(),
        pinned.packages.map((p) => canon(p.purl)).sort(),
      );
      // syft's GuessUnpinnedRequirements slice: the same names, which we keep unpinned.
      const guessed = slices.find((s) => s.var === null)!;
      for (const g of guessed.packages) {
        const ours = r.packages.find((p) => p.purl === canon(g.purl).replace(/@.*$/, ''));
        assert.ok(ours, g.name);
        assert.equal(ours.version, '');
      }
      assert.equal(find(r, 'argh', '0.26.2').hashes?.length, 2, 'hashes on continuation lines');
      assert.equal(find(r, 'GithubSampleProject').metadata?.url, 'git+https://github.com/owner/repo@releases/tag/v3.7.1');
    });
  }

  for (const c of cases('cdxgen', 'requirements')) {
    test(caseName(c), async () => {
      const r = await parse(parseRequirementsTxt, c);
      const want = (c.expected.cdxgenAssertions as { deps: number }).deps;
      assert.equal(r.packages.length, want);
      assert.ok(r.packages.every((p) => p.version !== ''), 'pip-compile/pip freeze output is fully pinned');
      assert.deepEqual(r.warnings, []);
    });
  }
});

describe('requirements.txt: line handling (pip req_file.py)', () => {
  test('continuations join, comments go after joining, blank lines drop', () => {
    assert.deepEqual(logicalLines('a==1 \\\n  --hash=x\n# c \\\nb==2 # note\n\n  \nc \\'), [
      { line: 1, text: 'a==1   --hash=x' },
      { line: 4, text: 'b==2' },
      { line: 7, text: 'c' },
    ]);
    assert.deepEqual(logicalLines('url#frag==1\r\nx==1#glued'), [
      { line: 1, text: 'url#frag==1' },
      { line: 2, text: 'x==1#glued' },
    ]);
  });
});

describe('requirements.txt: includes and constraints (temp tree)', () => {
  let root: string;
  const put = async (rel: string, content: string | Buffer): Promise<void> => {
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await writeFile(join(root, rel), content);
  };
  before(async () => {
    const base = await mkdtemp(join(tmpdir(), 'vouch-pyreq-'));
    root = join(base, 'src');
    await writeFile(join(base, 'outside.txt'), 'secret==1.0\n');
    await put(
      'requirements.txt',
      [
        '-i https://example.invalid/simple',
        '--extra-index-url https://example.invalid/extra',
        '--pre',
        '-r sub/b.txt',
        '--requirement=c.txt',
        '-rc.txt',
        '-r ../outside.txt',
        '-r /etc/passwd',
        '-r https://example.invalid/remote.txt',
        '-c constraints.txt',
        'flask>=2',
        'requests',
        '-e git+https://github.com/owner/yname.git#egg=yname',
        '-e .',
        '-r requirements.txt',
      ].join('\n'),
    );
    await put('sub/b.txt', 'b-pkg==1.0\n-r ../c.txt\n');
    await put('c.txt', 'c-pkg==2.0\n');
    await put('short.txt', '-rc.txt\n');
    await put('long.txt', '--requirement = c.txt\n');
    await put('long2.txt', '--requirement c.txt\n');
    await put('constraints.txt', 'flask==2.0.1\nonly-constrained==9.9\n-c constraints.txt\n');
    // a chain deeper than MAX_INCLUDE_DEPTH
    for (let i = 0; i <= MAX_INCLUDE_DEPTH + 2; i++) await put(`chain/${i}.txt`, `chain${i}==1.0\n-r ${i + 1}.txt\n`);
    const utf16be = Buffer.from('\ufeffattrs==20.3.0\n', 'utf16le').swap16();
    await put('be/requirements.txt', utf16be);
  });
  after(async () => {
    await rm(dirname(root), { recursive: true, force: true });
  });

  test('follows -r forms, never leaves the root, never fetches, ends loops', async () => {
    const r = await parseFixture(parseRequirementsTxt, join(root, 'requirements.txt'));
    const byName = new Map(r.packages.map((p) => [p.name, p]));
    assert.equal(byName.get('b-pkg')?.locations?.[0]?.path, 'sub/b.txt');
    assert.equal(byName.get('c-pkg')?.locations?.[0]?.path, 'c.txt', '-r ../c.txt is relative to sub/');
    assert.equal(r.packages.filter((p) => p.name === 'c-pkg').length, 1, 'c.txt read once though included three times');
    assert.ok(!byName.has('secret'));
    assert.ok(!byName.has('only-constrained'), 'a constraints file adds no packages');
    const messages = (r.warnings ?? []).map((w) => `${w.location.line}: ${w.message}`);
    assert.deepEqual(messages, [
      '7: include ../outside.txt leads outside the source root: not followed',
      '8: absolute include /etc/passwd: outside the source, not followed',
      '9: remote include https://example.invalid/remote.txt: not fetched',
    ]);
  });

  test('-rFILE, --requirement = FILE, --requirement FILE', async () => {
    for (const f of ['short.txt', 'long.txt', 'long2.txt']) {
      const r = await parseFixture(parseRequirementsTxt, join(root, f));
      assert.deepEqual(
        r.packages.map((p) => p.purl),
        ['pkg:pypi/c-pkg@2.0'],
        f,
      );
    }
  });

  test('a constraint pin fills an unpinned requirement', async () => {
    const r = await parseFixture(parseRequirementsTxt, join(root, 'requirements.txt'));
    const flask = find(r, 'flask');
    assert.equal(flask.version, '2.0.1');
    assert.equal(flask.purl, 'pkg:pypi/flask@2.0.1');
    assert.equal(flask.metadata?.constraintsFile, 'constraints.txt');
    assert.equal(flask.metadata?.specifier, '>=2');
    assert.equal(find(r, 'requests').version, '');
  });

  test('editable VCS requirement with #egg= names a package; -e . does not', async () => {
    const r = await parseFixture(parseRequirementsTxt, join(root, 'requirements.txt'));
    const y = find(r, 'yname');
    assert.equal(y.version, '');
    assert.equal(y.metadata?.url, 'git+https://github.com/owner/yname.git#egg=yname');
    assert.equal(r.packages.length, 5); // b-pkg, c-pkg, flask, requests, yname
  });

  test('include depth is bounded', async () => {
    const r = await parseFixture(parseRequirementsTxt, join(root, 'chain/0.txt'));
    assert.equal(r.packages.length, MAX_INCLUDE_DEPTH + 1);
    assert.match(r.warnings?.[0]?.message ?? '', /nested deeper than/);
  });

  test('UTF-16BE with a BOM', async () => {
    const r = await parseFixture(parseRequirementsTxt, join(root, 'be/requirements.txt'));
    assert.deepEqual(
      r.packages.map((p) => p.purl),
      ['pkg:pypi/attrs@20.3.0'],
    );
  });
});
