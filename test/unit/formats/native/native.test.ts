import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import type { FormatsPlugin } from 'ajv-formats';
import { NATIVE_JSON_SCHEMA, NATIVE_SCHEMA_VERSION, nativeJson, type NativeDocument } from '../../../../src/formats/native/index.ts';
import { EMPTY_INVENTORY, GOLANG, SCOPED, hostileInventory, rootlessInventory, sampleInventory } from '../inventory-fixture.ts';

const addFormats = createRequire(import.meta.url)('ajv-formats') as FormatsPlugin;
const ajv = new Ajv({ allErrors: true });
addFormats(ajv);
const validate = ajv.compile(NATIVE_JSON_SCHEMA);

function doc(json: string): NativeDocument {
  return JSON.parse(json) as NativeDocument;
}

describe('native JSON', () => {
  for (const [label, inv] of [
    ['sample', sampleInventory()],
    ['rootless', rootlessInventory()],
    ['empty', EMPTY_INVENTORY],
    ['hostile', hostileInventory()],
  ] as const) {
    it(`${label} inventory validates against NATIVE_JSON_SCHEMA`, () => {
      assert.ok(validate(JSON.parse(nativeJson(inv))), JSON.stringify(validate.errors));
    });
  }

  it('the schema can fail', () => {
    const d = JSON.parse(nativeJson(sampleInventory())) as Record<string, unknown>;
    assert.equal(validate({ ...d, extra: 1 }), false);
    assert.equal(validate({ ...d, schemaVersion: '0.0.1' }), false);
  });

  it('keeps everything in the inventory', () => {
    const inv = sampleInventory();
    const d = doc(nativeJson(inv));
    assert.equal(d.schemaVersion, NATIVE_SCHEMA_VERSION);
    assert.deepEqual(d.tool, inv.tool);
    assert.equal(d.timestamp, inv.timestamp);
    assert.deepEqual(d.source, inv.source);
    assert.deepEqual(d.relationships, inv.relationships);
    assert.deepEqual(
      d.packages.map((p) => p.purl),
      inv.packages.map((p) => p.purl),
    );
    const scoped = d.packages.find((p) => p.purl === SCOPED.purl)!;
    assert.deepEqual(scoped, {
      purl: SCOPED.purl,
      name: '@babel/core',
      version: '7.24.0',
      type: 'npm',
      scope: 'dev',
      isRoot: false,
      licenses: ['MIT'],
      hashes: SCOPED.hashes,
      locations: [{ path: 'package-lock.json', line: 42 }],
      foundBy: 'javascript-lock-cataloger',
      metadata: { integrity: 'sha512-q80=', resolved: SCOPED.metadata!.resolved },
    });
    assert.deepEqual(d.packages.find((p) => p.purl === GOLANG.purl)?.locations, [{ path: 'go.mod', line: 5 }, { path: 'go.sum' }]);
    assert.deepEqual(d.warnings, [
      { location: { path: 'a/go.mod' }, message: 'no module line' },
      { location: { path: 'broken/package-lock.json', line: 3 }, message: 'unexpected token' },
    ]);
  });

  it('writes keys in the documented order', () => {
    const d = JSON.parse(nativeJson(sampleInventory())) as Record<string, unknown>;
    assert.deepEqual(Object.keys(d), ['schemaVersion', 'tool', 'timestamp', 'source', 'packages', 'relationships', 'warnings']);
    const p = (d.packages as Record<string, unknown>[])[0]!;
    assert.deepEqual(Object.keys(p), ['purl', 'name', 'version', 'type', 'scope', 'isRoot', 'licenses', 'hashes', 'locations', 'foundBy', 'metadata']);
  });

  it('is byte-identical for the same inventory in any order', () => {
    const inv = sampleInventory();
    const a = nativeJson(inv);
    assert.equal(nativeJson(sampleInventory()), a);
    const shuffled = {
      ...inv,
      packages: [...inv.packages].reverse().map((p) => ({
        ...p,
        locations: [...p.locations].reverse(),
        metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).reverse()),
      })),
      relationships: [...inv.relationships].reverse(),
      warnings: [...inv.warnings].reverse(),
    };
    assert.equal(nativeJson(shuffled), a);
    assert.ok(a.endsWith('}\n'));
  });
});
