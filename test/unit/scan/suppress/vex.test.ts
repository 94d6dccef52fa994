/**
 * VEX application against the scenarios grype's and trivy's own tests state
 * (../shared/data/vex/expected.json): the same package, the same input matches, the same result.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { applySuppressions, parseIgnoreFile, parseVex, type SuppressionTarget } from '../../../../src/scan/index.ts';
import { SHARED_DATA } from '../../../helpers/catalog.ts';

const VEX = join(SHARED_DATA, 'vex');
const read = (p: string): string => readFileSync(join(VEX, p), 'utf8');

interface Case { ignoreRule: Record<string, string>; remainingMatches: string[]; ignoredMatches: string[] }
const expected = JSON.parse(read('expected.json')) as { files: Record<string, { cases?: Case[] }[]> };

// grype's scenario: alpine:3.17 image (this manifest digest), libcrypto3 3.0.8-r3 with three matches.
const IMAGE_DIGEST = 'sha256:124c7d2707904eea7431fffe91522a01e5a861a624ee31d03372cc1d138a3126';
const LIBCRYPTO = 'pkg:apk/alpine/libcrypto3@3.0.8-r3?arch=x86_64&upstream=openssl&distro=alpine-3.17.3';
const matches: SuppressionTarget[] = ['CVE-2023-3817', 'CVE-2023-1255', 'CVE-2023-2975'].map((id) => ({ id, aliases: [], purl: LIBCRYPTO, name: 'libcrypto3' }));

for (const file of ['grype/openvex-demo1.json', 'grype/openvex-demo2.json', 'grype/csaf-demo1.json', 'grype/csaf-demo2.json']) {
  test(`${file}: the ignore rules of grype's TestProcessor_ApplyVEX`, () => {
    const statements = parseVex(read(file), file);
    for (const c of expected.files[file]![0]!.cases!) {
      // grype applies one rule at a time: the statements it selects are those with the rule's status (and justification, vulnerability).
      const selected = statements.filter(
        (s) => s.status === c.ignoreRule['vex-status'] &&
          (c.ignoreRule['vex-justification'] === undefined || s.justification === c.ignoreRule['vex-justification']) &&
          (c.ignoreRule.vulnerability === undefined || s.ids.includes(c.ignoreRule.vulnerability)),
      );
      const out = applySuppressions(matches, (m) => m, { ignore: [], vex: selected }, { subjectDigests: [IMAGE_DIGEST] });
      assert.deepEqual(out.suppressed.map((s) => s.finding.id).sort(), [...c.ignoredMatches].sort(), JSON.stringify(c.ignoreRule));
      assert.deepEqual(out.kept.map((k) => k.id).sort(), [...c.remainingMatches].sort());
    }
  });
}

test('an image product without subcomponents covers every package; a package product only that package; another image nothing', () => {
  const noSubs = parseVex(read('grype/openvex-image-no-subcomponents.json'), 'x');
  const pkgProduct = parseVex(read('grype/openvex-package-product.json'), 'y');
  const ids = [...new Set([...noSubs, ...pkgProduct].flatMap((s) => s.ids))];
  const digests = [...new Set(noSubs.flatMap((s) => s.products.map((p) => p.id)))];
  assert.ok(ids.length > 0 && digests.length > 0);
  const subject = decodeURIComponent(digests[0]!.split('@')[1]!.split('?')[0]!);
  const other: SuppressionTarget = { id: noSubs[0]!.ids[0]!, aliases: [], purl: 'pkg:deb/debian/anything@1.0', name: 'anything' };
  assert.equal(applySuppressions([other], (m) => m, { ignore: [], vex: noSubs }, { subjectDigests: [subject] }).suppressed.length, noSubs[0]!.status === 'fixed' || noSubs[0]!.justification !== undefined ? 1 : 0);
  assert.equal(applySuppressions([other], (m) => m, { ignore: [], vex: noSubs }, { subjectDigests: ['sha256:' + '0'.repeat(64)] }).suppressed.length, 0);
  assert.equal(applySuppressions([other], (m) => m, { ignore: [], vex: pkgProduct }, {}).suppressed.length, 0);
});

test("trivy's OpenVEX and CycloneDX VEX: spring-boot CVE-2021-44228; BOM-Links only for the matching serial", () => {
  const spring: SuppressionTarget = { id: 'CVE-2021-44228', aliases: [], purl: 'pkg:maven/org.springframework.boot/spring-boot@2.6.0', name: 'org.springframework.boot:spring-boot' };
  const other: SuppressionTarget = { ...spring, id: 'CVE-2021-0001' };
  const ov = parseVex(read('trivy/openvex-multiple.json'), 'ov');
  const r = applySuppressions([spring, other], (m) => m, { ignore: [], vex: ov });
  assert.deepEqual(r.suppressed.map((s) => s.finding.id), ['CVE-2021-44228']);
  assert.deepEqual(r.kept.map((s) => s.id), ['CVE-2021-0001']);
  const cdx = parseVex(read('trivy/cyclonedx.json'), 'cdx');
  assert.equal(applySuppressions([spring], (m) => m, { ignore: [], vex: cdx }, { bomSerial: 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79', bomVersion: 1 }).suppressed.length, 1);
  assert.equal(applySuppressions([spring], (m) => m, { ignore: [], vex: cdx }, { bomSerial: 'urn:uuid:00000000-395b-41f5-a30f-a58921a69b79', bomVersion: 1 }).suppressed.length, 0);
  assert.equal(applySuppressions([spring], (m) => m, { ignore: [], vex: cdx }, {}).suppressed.length, 0);
});

test("trivy's CSAF: go-transitive CVE-2024-0001 not affected; through a relationship only inside go-direct1", () => {
  const transitive: SuppressionTarget = { id: 'CVE-2024-0001', aliases: [], purl: 'pkg:golang/github.com/aquasecurity/go-transitive@v4.0.0', name: 'github.com/aquasecurity/go-transitive' };
  const plain = parseVex(read('trivy/csaf.json'), 'csaf');
  const r = applySuppressions([transitive], (m) => m, { ignore: [], vex: plain });
  assert.deepEqual(r.suppressed.map((s) => [s.finding.id, s.by.kind === 'vex' ? s.by.statement : '']), [['CVE-2024-0001', 'vulnerable_code_not_in_execute_path']]);
  const rel = parseVex(read('trivy/csaf-relationships.json'), 'rel');
  const inDirect1 = new Set(['pkg:golang/github.com/aquasecurity/go-direct1@v2.0.0', transitive.purl]);
  assert.equal(applySuppressions([transitive], (m) => m, { ignore: [], vex: rel }, { packagePurls: inDirect1 }).suppressed.length, 1);
  assert.equal(applySuppressions([transitive], (m) => m, { ignore: [], vex: rel }, { packagePurls: new Set([transitive.purl]) }).suppressed.length, 0);
});

test("trivy's OCI statements: the image by repository name, bash inside it; another image's statement does not filter", () => {
  const bash: SuppressionTarget = { id: 'CVE-2022-3715', aliases: [], purl: 'pkg:deb/debian/bash@5.3?distro=debian-12', name: 'bash' };
  const oci = parseVex(read('trivy/openvex-oci.json'), 'oci');
  const mismatch = parseVex(read('trivy/openvex-oci-mismatch.json'), 'mismatch');
  assert.equal(applySuppressions([bash], (m) => m, { ignore: [], vex: oci }, { subjectNames: ['debian'] }).suppressed.length, 1);
  assert.equal(applySuppressions([bash], (m) => m, { ignore: [], vex: mismatch }, { subjectNames: ['debian'] }).suppressed.length, 0);
  assert.equal(applySuppressions([bash], (m) => m, { ignore: [], vex: oci }, {}).suppressed.length, 0, 'not an image scan');
});

test('malformed VEX and CSAF are clear errors', () => {
  assert.throws(() => parseVex(read('trivy/unknown.json'), 'unknown.json'), { code: 'VEX_INVALID', message: /unable to load VEX/ });
  assert.throws(() => parseVex('['.repeat(10_000), 'deep'), { code: 'VEX_INVALID' });
  assert.throws(() => parseVex('{"@context":"https://openvex.dev/ns/v0.2.0","statements":[{"vulnerability":{"name":"X"},"status":"bogus"}]}', 's'), { code: 'VEX_INVALID', message: /unknown status/ });
});

test('.vouchignore: shapes, expiry at the end of the day (UTC), bad input', () => {
  const rules = parseIgnoreFile('- CVE-1\n- id: CVE-2\n  package: pkg:npm/a\n  expires: 2026-03-01\n  reason: r\n', '.vouchignore');
  assert.equal(rules.length, 2);
  const f: SuppressionTarget = { id: 'GHSA-x', aliases: ['CVE-2'], purl: 'pkg:npm/a@1.0.0', name: 'a' };
  const at = (iso: string) => applySuppressions([f], (m) => m, { ignore: rules, vex: [] }, { now: new Date(iso) });
  assert.equal(at('2026-03-01T23:59:59Z').suppressed.length, 1);
  assert.equal(at('2026-03-02T00:00:00Z').suppressed.length, 0);
  assert.equal(at('2026-03-02T00:00:00Z').expired.length, 1);
  assert.throws(() => parseIgnoreFile('ignore: 3', 'f'), { code: 'IGNORE_FILE_INVALID' });
  assert.throws(() => parseIgnoreFile('- id: X\n  expires: someday\n', 'f'), { code: 'IGNORE_FILE_INVALID', message: /expires/ });
  assert.throws(() => parseIgnoreFile('- id: X\n  colour: red\n', 'f'), { code: 'IGNORE_FILE_INVALID', message: /unknown key/ });
  assert.throws(() => parseIgnoreFile('a: &a [*a, *a]\n', 'f'), { code: 'IGNORE_FILE_INVALID' });
  assert.deepEqual(parseIgnoreFile('', 'f'), []);
});
