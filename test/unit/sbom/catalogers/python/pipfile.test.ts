import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parsePipfileLock } from '../../../../../src/sbom/catalogers/python/pipfile.ts';
import { parseFixture } from '../../../../helpers/catalog.ts';
import { assertParseError, canon, caseName, cases, checkScalibrCase, expectedPackages, find, keys, parse, tempTree } from './expect.ts';

describe('Pipfile.lock: osv-scalibr fixtures', () => {
  for (const c of cases('osv-scalibr', 'pipfile')) {
    test(caseName(c), async () => {
      if (c.file === 'pipfile/no-version.json') {
        // Differs on purpose: scalibr drops entries without a version (here two editable git
        // checkouts); we keep them unversioned, with their source, in their section's scope.
        const r = await parse(parsePipfileLock, c);
        assert.equal(expectedPackages(c).length, 0);
        assert.deepEqual(
          r.packages.map((p) => [p.purl, p.scope, p.metadata?.git]),
          [
            ['pkg:pypi/markupsafe', 'required', 'https://github.com/pallets/markupsafe'],
            ['pkg:pypi/itsdangerous', 'dev', 'https://github.com/pallets/itsdangerous'],
          ],
        );
        return;
      }
      await checkScalibrCase(parsePipfileLock, c, { scopes: true });
    });
  }

  test('a package in default and develop is one required package; hashes are kept', async () => {
    const r = await parse(parsePipfileLock, 'osv-scalibr/pipfile/multiple-packages.json');
    assert.equal(r.packages.filter((p) => p.name === 'itsdangerous').length, 1);
    assert.deepEqual(find(r, 'itsdangerous').hashes, [
      { alg: 'SHA-256', value: '2c2349112351b88699d8d4b6b075022c0808887cb7ad10069318a8b0bc88db44' },
      { alg: 'SHA-256', value: '5dbbc68b317e5e42f327f9021763545dc3fc3bfe22e6deb96aaf1fc38874156a' },
    ]);
    assert.equal(find(r, 'markupsafe').hashes?.length, 40);
    assert.equal(find(r, 'pluggy', '1.0.0').scope, 'dev');
    assert.equal(find(r, 'pluggy', '1.0.1').metadata?.markers, "python_version >= '3.6'");
  });
});

describe('Pipfile.lock: trivy, syft, cdxgen fixtures', () => {
  for (const c of cases('trivy', 'pipenv')) {
    test(caseName(c), async () => {
      const r = await parse(parsePipfileLock, c);
      assert.deepEqual(keys(r.packages), keys(expectedPackages(c)));
      assert.equal(r.relationships, undefined, 'Pipfile.lock records no graph');
    });
  }

  for (const c of cases('syft', 'pipfile-lock')) {
    test(caseName(c), async () => {
      const r = await parse(parsePipfileLock, c);
      // syft reads only `default`; we keep `develop` too, as scope dev (dropped later when
      // the user asks for no dev packages).
      assert.deepEqual(
        r.packages.filter((p) => p.scope !== 'dev').map((p) => p.purl).sort(),
        expectedPackages(c).map((p) => canon(p.purl!)).sort(),
      );
      assert.deepEqual(
        r.packages.filter((p) => p.scope === 'dev').map((p) => p.name),
        ['astroid', 'autopep8'],
      );
    });
  }

  for (const c of cases('cdxgen', 'pipfile')) {
    test(caseName(c), async () => {
      const r = await parse(parsePipfileLock, c);
      // cdxgen counts the entries of both sections (9 + 37 = 46); the 7 names locked in both
      // at the same version are one package each here, with the wider scope.
      const doc = JSON.parse(readFileSync(c.abs, 'utf8')) as { default: object; develop: object };
      const entries = Object.keys(doc.default).length + Object.keys(doc.develop).length;
      assert.equal(entries, (c.expected.cdxgenAssertions as { deps: number }).deps);
      assert.equal(r.packages.length, 39);
      assert.equal(r.packages.filter((p) => p.scope === 'required').length, 9);
      assert.ok(r.packages.every((p) => p.version !== '' && (p.hashes ?? []).length > 0));
    });
  }
});

describe('Pipfile.lock: bad input', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  test('not JSON, truncated, wrong types', async () => {
    const dir = await tempTree({
      'truncated.json': '{\n  "default": {\n    "a": {"version": "==1',
      'array.json': '[]',
      'section.json': '{"default": ["a"]}',
      'entries.json': '{"default": {"ok": {"version": "==1.0", "hashes": ["sha256:zz", 5, "md5:00"]}, "bad": 5, "in valid": {}}, "develop": null}',
    });
    dirs.push(dir);
    await assertParseError(parsePipfileLock, 'osv-scalibr/pipfile/not-json.txt', /invalid JSON/);
    await assertParseError(parsePipfileLock, join(dir, 'truncated.json'), /invalid JSON/);
    await assertParseError(parsePipfileLock, join(dir, 'array.json'), /not a JSON object/);
    await assertParseError(parsePipfileLock, join(dir, 'section.json'), /"default" is not an object/);
    const r = await parseFixture(parsePipfileLock, join(dir, 'entries.json'));
    assert.deepEqual(
      r.packages.map((p) => [p.purl, p.hashes]),
      [['pkg:pypi/ok@1.0', undefined]],
      'malformed hashes are dropped',
    );
    assert.equal(r.warnings?.length, 2);
  });
});
