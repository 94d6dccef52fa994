import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SBOM_FORMATS, sbomWriter } from '../../../../src/formats/sbom-writers/all.ts';
import { loadSbomWriter, SBOM_FORMAT_NAMES } from '../../../../src/formats/sbom-writers/index.ts';
import { sampleInventory } from '../inventory-fixture.ts';
import { cycloneDxSchema, spdxSchema, xmllintAvailable, xsdErrors } from '../schemas.ts';

describe('SBOM_FORMATS', () => {
  it("offers syft's names, with @version for CycloneDX", () => {
    assert.deepEqual(Object.keys(SBOM_FORMATS).sort(), [
      'cyclonedx-json',
      'cyclonedx-json@1.5',
      'cyclonedx-json@1.6',
      'cyclonedx-xml',
      'cyclonedx-xml@1.5',
      'cyclonedx-xml@1.6',
      'json',
      'spdx-json',
      'spdx-json@2.3',
    ]);
    assert.equal(sbomWriter('table'), undefined);
    assert.equal(sbomWriter('toString'), undefined);
  });

  it('the lazy loader offers the same names and writes the same bytes as the eager table', async () => {
    assert.deepEqual([...SBOM_FORMAT_NAMES].sort(), Object.keys(SBOM_FORMATS).sort());
    const deterministic = { ...sampleInventory(), deterministic: true };
    for (const name of SBOM_FORMAT_NAMES) {
      const lazy = await loadSbomWriter(name);
      assert.ok(lazy, name);
      assert.equal(lazy(deterministic), SBOM_FORMATS[name]!(deterministic), name);
    }
    assert.equal(await loadSbomWriter('table'), undefined);
    assert.equal(await loadSbomWriter('toString'), undefined);
  });

  const inv = sampleInventory();
  for (const [name, spec] of [
    ['cyclonedx-json', '1.6'],
    ['cyclonedx-json@1.6', '1.6'],
    ['cyclonedx-json@1.5', '1.5'],
  ] as const) {
    it(`${name} writes valid CycloneDX ${spec} JSON`, () => {
      const d = JSON.parse(SBOM_FORMATS[name]!(inv)) as { specVersion: string };
      assert.equal(d.specVersion, spec);
      assert.deepEqual(cycloneDxSchema(spec)(d), []);
    });
  }

  for (const [name, spec] of [
    ['cyclonedx-xml', '1.6'],
    ['cyclonedx-xml@1.6', '1.6'],
    ['cyclonedx-xml@1.5', '1.5'],
  ] as const) {
    it(`${name} writes CycloneDX ${spec} XML`, () => {
      const xml = SBOM_FORMATS[name]!(inv);
      assert.ok(xml.includes(`xmlns="http://cyclonedx.org/schema/bom/${spec}"`));
      if (xmllintAvailable()) assert.equal(xsdErrors(xml, spec), '');
    });
  }

  it('spdx-json writes valid SPDX 2.3', () => {
    for (const name of ['spdx-json', 'spdx-json@2.3']) {
      const d = JSON.parse(SBOM_FORMATS[name]!(inv)) as { spdxVersion: string };
      assert.equal(d.spdxVersion, 'SPDX-2.3');
      assert.deepEqual(spdxSchema()(d), []);
    }
  });

  it('json writes the native document', () => {
    const d = JSON.parse(SBOM_FORMATS.json!(inv)) as { schemaVersion: string; packages: unknown[] };
    assert.equal(d.schemaVersion, '1.0.0');
    assert.equal(d.packages.length, inv.packages.length);
  });
});
