/**
 * End to end on real third-party data: every lockfile in ../shared/data/lockfiles (602 files
 * from osv-scalibr, trivy, syft and cdxgen, malformed ones included) through buildInventory and
 * every writer, each output checked against the official schema.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Inventory } from '../../src/formats/model/index.ts';
import { loadSbomWriter } from '../../src/formats/sbom-writers/index.ts';
import { buildInventory } from '../../src/sbom/index.ts';
import { LOCKFILES } from '../helpers/catalog.ts';
import { cycloneDxSchema, spdxSchema, xmllintAvailable, xsdErrors } from '../unit/formats/schemas.ts';

let inv: Inventory;

before(async () => {
  inv = await buildInventory(LOCKFILES, { sourceDateEpoch: 1_700_000_000 });
});

describe('vouch sbom of ../shared/data/lockfiles', () => {
  test('finds every ecosystem, warns about the malformed files, and crashes on none', () => {
    const types = new Set(inv.packages.map((p) => p.type));
    for (const t of ['npm', 'pypi', 'golang', 'cargo', 'gem', 'composer', 'maven', 'nuget'] as const) assert.ok(types.has(t), t);
    assert.ok(inv.packages.length > 1500, `${inv.packages.length} packages`);
    const warned = new Set(inv.warnings.map((w) => w.location.path));
    // Fixtures the source repositories' own tests expect to fail (lockfiles/README.md).
    // (Most must-fail fixtures carry names no cataloger reads, such as cargo_invalid.lock.)
    for (const bad of ['npm/syft/corrupt/package-lock.json', 'npm/syft/corrupt/pnpm-lock.yaml']) {
      assert.ok(warned.has(bad), `warning for ${bad}`);
    }
    for (const p of inv.packages) assert.match(p.purl, /^pkg:[a-z]+\//, p.purl);
  });

  test('CycloneDX 1.6 and 1.5 JSON are valid against the official schemas', async () => {
    for (const [format, version] of [
      ['cyclonedx-json', '1.6'],
      ['cyclonedx-json@1.5', '1.5'],
    ] as const) {
      const doc = JSON.parse((await loadSbomWriter(format))!(inv)) as { components: unknown[]; dependencies: unknown[] };
      assert.deepEqual(cycloneDxSchema(version)(doc), [], format);
      assert.equal(doc.components.length, inv.packages.length);
    }
  });

  test('SPDX 2.3 JSON is valid against the official schema', async () => {
    const doc = JSON.parse((await loadSbomWriter('spdx-json'))!(inv)) as { packages: unknown[] };
    assert.deepEqual(spdxSchema()(doc), []);
    assert.ok(doc.packages.length >= inv.packages.length);
  });

  test('CycloneDX XML is valid against the official XSD', { skip: xmllintAvailable() ? false : 'xmllint not installed (apt-get install libxml2-utils)' }, async () => {
    assert.equal(xsdErrors((await loadSbomWriter('cyclonedx-xml'))!(inv), '1.6'), '');
  });
});
