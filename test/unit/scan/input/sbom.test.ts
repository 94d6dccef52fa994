/** SBOM input on real third-party and spec documents (../shared/data/cyclonedx, spdx). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { looksLikeSbom, readSbom } from '../../../../src/scan/index.ts';
import { SHARED_DATA } from '../../../helpers/catalog.ts';

const read = (p: string): string => readFileSync(join(SHARED_DATA, p), 'utf8');

test('trivy CycloneDX: components by purl, dependencies through bom-refs, serial number', () => {
  const s = readSbom(read('cyclonedx/third-party/trivy/npm-cyclonedx.json'), 'npm-cyclonedx.json');
  assert.equal(s.format, 'cyclonedx');
  assert.equal(s.serialNumber, 'urn:uuid:3ff14136-e09f-4df9-80ea-000000000015');
  // 13 components, one of them the package-lock.json application without a purl.
  assert.equal(s.inventory.packages.length, 12);
  assert.ok(s.inventory.packages.some((p) => p.purl === 'pkg:npm/jquery@3.3.9' && p.name === 'jquery' && p.version === '3.3.9'));
  assert.ok(s.inventory.relationships.length > 0);
  assert.ok(s.inventory.relationships.every((r) => r.from.startsWith('pkg:npm/') && r.to.startsWith('pkg:npm/')));
});

test('trivy SPDX 2.2 (schema-invalid: no downloadLocation) and CycloneDX 1.5 of centos-7 give the same packages', () => {
  const spdx = readSbom(read('spdx/third-party/trivy/centos-7-spdx.json'), 'centos-7-spdx.json');
  const cdx = readSbom(read('cyclonedx/third-party/trivy/centos-7-cyclonedx.json'), 'centos-7-cyclonedx.json');
  assert.equal(spdx.format, 'spdx');
  const names = (s: typeof spdx) => s.inventory.packages.map((p) => `${p.purl} ${p.version}`);
  assert.deepEqual(names(spdx), names(cdx));
  assert.ok(names(spdx).some((n) => n.startsWith('pkg:rpm/centos/bash@4.2.46-31.el7') && n.endsWith(' 4.2.46-31.el7')));
  // No location in the SBOM: the SBOM itself is where the package was declared.
  assert.deepEqual(spdx.inventory.packages[0]!.locations, [{ path: 'centos-7-spdx.json' }]);
});

test('package counts of the SPDX examples with purls; SPDX 3 and non-SBOM JSON refused', () => {
  const ex = read('spdx/examples/spdx-spec/SPDXJSONExample-v2.3.spdx.json');
  const s = readSbom(ex, 'ex.json');
  const purls = (JSON.parse(ex) as { packages: { externalRefs?: { referenceType: string }[] }[] }).packages.filter((p) => p.externalRefs?.some((r) => r.referenceType === 'purl')).length;
  assert.equal(s.inventory.packages.length, purls);
  assert.throws(() => readSbom('{"hello": 1}', 'x.json'), { code: 'SBOM_INVALID' });
  assert.throws(() => readSbom('not json', 'x.json'), { code: 'SBOM_INVALID' });
  assert.throws(() => readSbom('{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"}', 'x.json'), { code: 'SBOM_INVALID', message: /SPDX 3/ });
});

test('bounds: nesting, component count; nested components are found', () => {
  assert.throws(() => readSbom(`{"bomFormat":"CycloneDX","components":${'['.repeat(1000)}${']'.repeat(1000)}}`, 'deep.json'), { code: 'LIMIT_EXCEEDED' });
  const many = { bomFormat: 'CycloneDX', specVersion: '1.6', components: Array.from({ length: 11 }, (_, i) => ({ type: 'library', name: `p${i}`, purl: `pkg:npm/p${i}@1.0.0` })) };
  assert.throws(() => readSbom(JSON.stringify(many), 'many.json', { maxPackages: 10 }), { code: 'LIMIT_EXCEEDED' });
  const nested = { bomFormat: 'CycloneDX', specVersion: '1.6', components: [{ type: 'library', name: 'outer', purl: 'pkg:maven/g/outer@1', components: [{ type: 'library', name: 'inner', purl: 'pkg:maven/g/inner@2', evidence: { occurrences: [{ location: '/app/lib/inner.jar' }] } }] }] };
  const r = readSbom(JSON.stringify(nested), 'n.json');
  assert.deepEqual(r.inventory.packages.map((p) => [p.purl, p.locations[0]!.path]), [['pkg:maven/g/inner@2', 'app/lib/inner.jar'], ['pkg:maven/g/outer@1', 'n.json']]);
  const badPurl = readSbom(JSON.stringify({ bomFormat: 'CycloneDX', components: [{ name: 'x', purl: 'not a purl' }] }), 'b.json');
  assert.equal(badPurl.inventory.packages.length, 0);
  assert.match(badPurl.inventory.warnings[0]!.message, /not valid/);
});

test('detection by content: SBOM markers, not lockfiles that mention the words', () => {
  assert.equal(looksLikeSbom(read('cyclonedx/third-party/trivy/npm-cyclonedx.json')), true);
  assert.equal(looksLikeSbom(read('spdx/third-party/trivy/centos-7-spdx.json')), true);
  assert.equal(looksLikeSbom(read('lockfiles/npm/syft/pkg-lock/package-lock.json')), false);
  assert.equal(looksLikeSbom('{"name": "x", "dependencies": {"bomFormat": "1.0.0", "@context": "2"}}'), false);
});

test("trivy's aquasecurity:trivy:FilePath property and file_path purl qualifier are locations", () => {
  const s = readSbom(read('cyclonedx/third-party/trivy/fluentd-multiple-lockfiles-cyclonedx.json'), 'fluentd.json');
  const gem = s.inventory.packages.find((p) => p.purl === 'pkg:gem/activesupport@6.0.2.1')!;
  assert.deepEqual(gem.locations, [{ path: 'var/lib/gems/2.5.0/specifications/activesupport-6.0.2.1.gemspec' }]);
  const q = readSbom(JSON.stringify({ bomFormat: 'CycloneDX', components: [{ name: 'a', purl: 'pkg:gem/a@1?file_path=app%2FGemfile.lock' }] }), 'q.json');
  assert.deepEqual(q.inventory.packages[0]!.locations, [{ path: 'app/Gemfile.lock' }]);
});
