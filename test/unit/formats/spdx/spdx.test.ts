import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Inventory } from '../../../../src/formats/model/index.ts';
import { packageSpdxId, sourceSpdxId, spdxJson, type SpdxDocument } from '../../../../src/formats/spdx/index.ts';
import { APP, EMPTY_INVENTORY, GENERIC, GOLANG, LEFTPAD, MAVEN, PYPI, SCOPED, hostileInventory, rootlessInventory, sampleInventory } from '../inventory-fixture.ts';
import { spdxErrataSchema, spdxSchema } from '../schemas.ts';

function doc(inv: Inventory): SpdxDocument {
  return JSON.parse(spdxJson(inv)) as SpdxDocument;
}

function rels(d: SpdxDocument, type: string): string[] {
  return d.relationships
    .filter((r) => r.relationshipType === type)
    .map((r) => `${r.spdxElementId} ${r.relatedSpdxElement}`)
    .sort();
}

function pkgOf(d: SpdxDocument, purl: string): SpdxDocument['packages'][number] {
  const p = d.packages.find((x) => x.externalRefs?.some((r) => r.referenceLocator === purl));
  assert.ok(p, `no package ${purl}`);
  return p;
}

const CASES = [
  ['sample', sampleInventory()],
  ['rootless', rootlessInventory()],
  ['empty', EMPTY_INVENTORY],
  ['non-deterministic', sampleInventory({ deterministic: false })],
  ['hostile', hostileInventory()],
] as const;

describe('SPDX 2.3 JSON', () => {
  it('the schema validators can fail', () => {
    const d = doc(sampleInventory()) as unknown as Record<string, unknown>;
    const { creationInfo: _omit, ...bad } = d;
    assert.notDeepEqual(spdxSchema()(bad), []);
    assert.notDeepEqual(spdxSchema()({ ...d, relationships: [{ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'LIKES', relatedSpdxElement: 'x' }] }), []);
    assert.notDeepEqual(spdxErrataSchema()({ ...d, packages: [{ name: 'x' }] }), []);
  });

  for (const [label, inv] of CASES) {
    it(`${label} inventory validates against the SPDX 2.3 schema and the 2.3.1 errata schema`, () => {
      const d = doc(inv);
      assert.deepEqual(spdxSchema()(d), []);
      assert.deepEqual(spdxErrataSchema()(d), []);
    });
  }

  it('writes the document header and creation info', () => {
    const inv = sampleInventory();
    const d = doc(inv);
    assert.equal(d.spdxVersion, 'SPDX-2.3');
    assert.equal(d.dataLicense, 'CC0-1.0');
    assert.equal(d.SPDXID, 'SPDXRef-DOCUMENT');
    assert.equal(d.name, 'my-app');
    assert.match(d.documentNamespace, /^https:\/\/spdx\.org\/spdxdocs\/my-app-[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(d.creationInfo, { created: '2024-01-02T03:04:05Z', creators: ['Tool: vouch-0.1.0'] });
    assert.equal(doc(sampleInventory({ timestamp: '2024-01-02T03:04:05.678Z' })).creationInfo.created, '2024-01-02T03:04:05Z');
  });

  it('describes the source, which contains every package', () => {
    const inv = sampleInventory();
    const d = doc(inv);
    const src = sourceSpdxId(inv);
    assert.equal(src, 'SPDXRef-DocumentRoot-Directory-my-app');
    assert.deepEqual(rels(d, 'DESCRIBES'), [`SPDXRef-DOCUMENT ${src}`]);
    assert.deepEqual(rels(d, 'CONTAINS'), inv.packages.map((p) => `${src} ${packageSpdxId(p)}`).sort());
    assert.equal(d.packages[0]?.SPDXID, src);
    assert.equal(d.packages[0]?.primaryPackagePurpose, 'SOURCE');
    assert.equal(doc(EMPTY_INVENTORY).packages[0]?.SPDXID, 'SPDXRef-DocumentRoot-File-requirements.txt');
    assert.equal(doc(EMPTY_INVENTORY).packages[0]?.primaryPackagePurpose, 'FILE');
  });

  it('round-trips: packages, purls and DEPENDS_ON are the inventory; dev/optional edges from the root are marked', () => {
    const inv = sampleInventory();
    const d = doc(inv);
    const purlOf = new Map(d.packages.map((p) => [p.SPDXID, p.externalRefs?.[0]?.referenceLocator]));
    assert.deepEqual(
      d.packages.slice(1).map((p) => purlOf.get(p.SPDXID)),
      inv.packages.map((p) => p.purl),
    );
    assert.deepEqual(
      rels(d, 'DEPENDS_ON').map((r) => r.split(' ').map((id) => purlOf.get(id)).join(' -> ')).sort(),
      inv.relationships.map((r) => `${r.from} -> ${r.to}`).sort(),
    );
    assert.deepEqual(rels(d, 'DEV_DEPENDENCY_OF'), [`${packageSpdxId(SCOPED)} ${packageSpdxId(APP)}`]);
    assert.deepEqual(rels(d, 'OPTIONAL_DEPENDENCY_OF'), [`${packageSpdxId(LEFTPAD)} ${packageSpdxId(APP)}`]);
    // SCOPED → LEFTPAD is a runtime edge of a dev package, not a dev edge of the project
    assert.equal(rels(d, 'OPTIONAL_DEPENDENCY_OF').length + rels(d, 'DEV_DEPENDENCY_OF').length, 2);
    assert.equal(pkgOf(d, APP.purl).primaryPackagePurpose, 'APPLICATION');
    assert.equal(pkgOf(d, MAVEN.purl).primaryPackagePurpose, 'LIBRARY');
  });

  it('derives SPDX ids from the purl alone: valid idstrings, unique, equal across documents', () => {
    const inv = sampleInventory();
    const ids = doc(inv).packages.map((p) => p.SPDXID);
    for (const id of ids) assert.match(id, /^SPDXRef-[A-Za-z0-9.-]+$/);
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(packageSpdxId(SCOPED), packageSpdxId({ ...SCOPED }));
    assert.match(packageSpdxId(SCOPED), /^SPDXRef-Package-npm-babel-core-[0-9a-f]{12}$/);
    assert.notEqual(packageSpdxId(SCOPED), packageSpdxId({ ...SCOPED, purl: `${SCOPED.purl}x` }));
    assert.deepEqual(
      doc(rootlessInventory()).packages.find((p) => p.name === GOLANG.name)?.SPDXID,
      doc(inv).packages.find((p) => p.name === GOLANG.name)?.SPDXID,
    );
  });

  it('writes versions, checksums, download locations and purls', () => {
    const d = doc(sampleInventory());
    assert.deepEqual(pkgOf(d, SCOPED.purl).checksums, [{ algorithm: 'SHA512', checksumValue: SCOPED.hashes[0]!.value }]);
    assert.deepEqual(pkgOf(d, LEFTPAD.purl).checksums, [{ algorithm: 'SHA1', checksumValue: LEFTPAD.hashes[0]!.value }]);
    assert.equal(pkgOf(d, SCOPED.purl).downloadLocation, SCOPED.metadata!.resolved);
    assert.equal(pkgOf(d, MAVEN.purl).downloadLocation, 'NOASSERTION');
    assert.equal(pkgOf(d, MAVEN.purl).versionInfo, '3.14.0');
    assert.equal(pkgOf(d, GENERIC.purl).versionInfo, undefined);
    for (const p of d.packages) assert.equal(p.filesAnalyzed, false);
  });

  it('declares licenses: expressions as they are, names as defined LicenseRefs', () => {
    const d = doc(sampleInventory());
    assert.equal(pkgOf(d, MAVEN.purl).licenseDeclared, 'Apache-2.0');
    assert.equal(pkgOf(d, GOLANG.purl).licenseDeclared, '(GPL-2.0-only WITH Classpath-exception-2.0 OR MIT)');
    assert.equal(pkgOf(d, LEFTPAD.purl).licenseDeclared, 'WTFPL AND (MIT OR Apache-2.0)');
    assert.equal(pkgOf(d, PYPI.purl).licenseDeclared, 'LicenseRef-BSD-License AND ISC');
    assert.equal(pkgOf(d, GENERIC.purl).licenseDeclared, 'LicenseRef-Proprietary-see-LICENSE.txt');
    assert.equal(d.packages[0]?.licenseDeclared, 'NOASSERTION');
    assert.deepEqual(d.hasExtractedLicensingInfos, [
      { licenseId: 'LicenseRef-BSD-License', extractedText: 'BSD License', name: 'BSD License' },
      { licenseId: 'LicenseRef-Proprietary-see-LICENSE.txt', extractedText: 'Proprietary – see LICENSE.txt', name: 'Proprietary – see LICENSE.txt' },
    ]);
    for (const p of d.packages) assert.equal(p.licenseConcluded, 'NOASSERTION');
  });

  it('defines every LicenseRef it uses, and keeps different names apart', () => {
    const inv = sampleInventory();
    const odd: Inventory = {
      ...inv,
      packages: inv.packages.map((p) =>
        p.purl === GOLANG.purl
          ? { ...p, licenses: ['MIT OR LicenseRef-acme', 'Foo License'] }
          : p.purl === MAVEN.purl
            ? { ...p, licenses: ['Foo/License'] }
            : p,
      ),
    };
    const d = doc(odd);
    assert.deepEqual(spdxSchema()(d), []);
    const defined = new Set((d.hasExtractedLicensingInfos ?? []).map((l) => l.licenseId));
    for (const p of d.packages) {
      for (const ref of p.licenseDeclared.match(/LicenseRef-[A-Za-z0-9.-]+/g) ?? []) assert.ok(defined.has(ref), `${ref} is not defined`);
    }
    assert.equal(pkgOf(d, GOLANG.purl).licenseDeclared, '(MIT OR LicenseRef-acme) AND LicenseRef-Foo-License');
    assert.match(pkgOf(d, MAVEN.purl).licenseDeclared, /^LicenseRef-Foo-License-[0-9a-f]{8}$/);
  });

  it('is byte-identical for the same deterministic input; random namespace otherwise', () => {
    const a = spdxJson(sampleInventory());
    assert.equal(spdxJson(sampleInventory()), a);
    const inv = sampleInventory();
    assert.equal(spdxJson({ ...inv, packages: [...inv.packages].reverse(), relationships: [...inv.relationships].reverse() }), a);
    assert.notEqual(doc(sampleInventory({ timestamp: '2025-01-01T00:00:00Z' })).documentNamespace, doc(inv).documentNamespace);
    const nd = sampleInventory({ deterministic: false });
    assert.notEqual(doc(nd).documentNamespace, doc(nd).documentNamespace);
  });

  it('refuses a bad timestamp or a duplicated purl with SERIALIZE_ERROR', () => {
    assert.throws(() => spdxJson(sampleInventory({ timestamp: 'soon' })), { code: 'SERIALIZE_ERROR' });
    const inv = sampleInventory();
    assert.throws(() => spdxJson({ ...inv, packages: [...inv.packages, MAVEN] }), { code: 'SERIALIZE_ERROR' });
  });
});
