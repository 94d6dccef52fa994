/**
 * scan/severity: base scores against values NVD and FIRST publish for these vectors, the
 * version preference, the qualitative levels, and the advisory-rating fallback.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cvssBaseScore, cvssLevel, preferSeverity, ratingLevel, severityOf, severityRank } from '../../../../src/scan/severity/index.ts';

test('base scores of known vectors (NVD and the FIRST v4.0 calculator)', () => {
  const known: [string, 'CVSS_V2' | 'CVSS_V3' | 'CVSS_V4', number][] = [
    // CVE-2021-44228 (Log4Shell), NVD: v3.1 10.0, v2 9.3
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', 'CVSS_V3', 10.0],
    ['AV:N/AC:M/Au:N/C:C/I:C/A:C', 'CVSS_V2', 9.3],
    // CVE-2014-0160 (Heartbleed), NVD: v3.1 7.5, v2 5.0
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N', 'CVSS_V3', 7.5],
    ['AV:N/AC:L/Au:N/C:P/I:N/A:N', 'CVSS_V2', 5.0],
    // CVE-2023-4911 (glibc GLIBC_TUNABLES), NVD v3.1 7.8
    ['CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', 'CVSS_V3', 7.8],
    // CVE-2017-5638 (Struts), NVD: v3.0 9.8, v2 10.0
    ['CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'CVSS_V3', 9.8],
    ['AV:N/AC:L/Au:N/C:C/I:C/A:C', 'CVSS_V2', 10.0],
    // CVSS v4.0: the specification's all-high network vector 9.3; no impact 0.0
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 'CVSS_V4', 9.3],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N', 'CVSS_V4', 0.0],
  ];
  for (const [vector, version, score] of known) assert.deepEqual(cvssBaseScore(vector), { version, score }, vector);
});

test('vectors that are not complete or not CVSS give no score', () => {
  for (const v of ['', 'bogus', 'CVSS:3.1/AV:N', 'CVSS:9.9/AV:N/AC:L', 'AV:N/AC:L', `CVSS:3.1/${'AV:N/'.repeat(200)}`]) assert.equal(cvssBaseScore(v), undefined, v);
});

test('qualitative levels: v3/v4 table boundaries, NVD v2 ratings', () => {
  assert.equal(cvssLevel('CVSS_V3', 0), 'none');
  assert.equal(cvssLevel('CVSS_V3', 0.1), 'low');
  assert.equal(cvssLevel('CVSS_V3', 3.9), 'low');
  assert.equal(cvssLevel('CVSS_V3', 4.0), 'medium');
  assert.equal(cvssLevel('CVSS_V4', 6.9), 'medium');
  assert.equal(cvssLevel('CVSS_V4', 7.0), 'high');
  assert.equal(cvssLevel('CVSS_V3', 8.9), 'high');
  assert.equal(cvssLevel('CVSS_V3', 9.0), 'critical');
  assert.equal(cvssLevel('CVSS_V2', 10), 'high');
  assert.equal(cvssLevel('CVSS_V2', 3.9), 'low');
});

test('v4 is preferred over v3 over v2; an unscorable vector falls through to the next', () => {
  const all = [
    { type: 'CVSS_V2', score: 'AV:N/AC:L/Au:N/C:C/I:C/A:C' },
    { type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N' },
    { type: 'CVSS_V4', score: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N' },
  ];
  assert.deepEqual(severityOf({ severity: all }), { level: 'critical', score: 9.3, vector: all[2]!.score, source: 'CVSS_V4' });
  assert.deepEqual(severityOf({ severity: all.slice(0, 2) }), { level: 'high', score: 7.5, vector: all[1]!.score, source: 'CVSS_V3' });
  assert.deepEqual(severityOf({ severity: [all[0]!, { type: 'CVSS_V3', score: 'CVSS:3.1/AV:N' }] }), { level: 'high', score: 10, vector: all[0]!.score, source: 'CVSS_V2' });
});

test("fallback to the advisory's own rating (GitHub, Debian urgency, Ubuntu), else unknown", () => {
  assert.deepEqual(severityOf({ severity: [], database_specific: { severity: 'MODERATE' } }), { level: 'medium', source: 'advisory' });
  assert.deepEqual(severityOf({ severity: [{ type: 'Ubuntu', score: 'negligible' }] }), { level: 'low', source: 'advisory' });
  assert.deepEqual(severityOf({ severity: [] }), { level: 'unknown', source: 'none' });
  assert.deepEqual(severityOf({ severity: [], database_specific: { severity: 42 } }), { level: 'unknown', source: 'none' });
  assert.equal(ratingLevel('medium**'), 'medium');
  assert.equal(ratingLevel('unimportant'), 'low');
  assert.equal(ratingLevel('not yet assigned'), undefined);
  // affected[].severity wins over the advisory's for that package
  const adv = { severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N' }] };
  assert.equal(severityOf(adv, { severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H' }] }).score, 10);
  assert.equal(severityOf(adv, {}).score, 7.5);
});

test('preferSeverity and severityRank', () => {
  const v3 = { level: 'high', score: 7.5, source: 'CVSS_V3' } as const;
  const rating = { level: 'critical', source: 'advisory' } as const;
  assert.deepEqual(preferSeverity([rating, v3]), v3);
  assert.deepEqual(preferSeverity([]), { level: 'unknown', source: 'none' });
  assert.ok(severityRank('critical') > severityRank('high') && severityRank('low') > severityRank('unknown'));
});
