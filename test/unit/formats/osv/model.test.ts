import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalizePackageName, parseOsv, parseOsvJson } from '../../../../src/formats/osv/index.ts';
import { isVouchError } from '../../../../src/core/index.ts';

const GHSA = '/work/shared/data/osv/ghsa-sample';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isVouchError(err) ? err.code : 'other';
  }
  return undefined;
}

test('every real GHSA sample advisory parses, and round-trips its known fields', () => {
  let n = 0;
  for (const eco of ['npm', 'Maven']) {
    for (const f of readdirSync(join(GHSA, eco)).filter((x) => x.endsWith('.json'))) {
      const raw = JSON.parse(readFileSync(join(GHSA, eco, f), 'utf8')) as Record<string, unknown>;
      const adv = parseOsv(raw);
      assert.equal(`${adv.id}.json`, f);
      assert.equal(adv.modified, raw.modified);
      assert.ok(adv.affected.some((a) => a.package?.ecosystem === eco), f);
      for (const a of adv.affected) for (const r of a.ranges) assert.ok(r.events.length > 0);
      n++;
    }
  }
  assert.equal(n, 170);
});

const minimal = { id: 'X-1', modified: '2024-01-01T00:00:00Z' };

test('a minimal advisory parses with empty lists', () => {
  const a = parseOsv(minimal);
  assert.deepEqual(a, { id: 'X-1', modified: '2024-01-01T00:00:00Z', aliases: [], related: [], upstream: [], severity: [], affected: [], references: [] });
});

test('unknown fields are kept where they were found', () => {
  const a = parseOsv({
    ...minimal,
    future: { x: 1 },
    affected: [{ package: { ecosystem: 'npm', name: 'a', extra: true }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }], zz: 2 }], newField: 'y' }],
  });
  assert.deepEqual(a.unknownFields, { future: { x: 1 } });
  assert.deepEqual(a.affected[0]?.unknownFields, { newField: 'y' });
  assert.deepEqual(a.affected[0]?.package?.unknownFields, { extra: true });
  assert.deepEqual(a.affected[0]?.ranges[0]?.unknownFields, { zz: 2 });
  assert.deepEqual(a.affected[0]?.ranges[0]?.events, [{ kind: 'introduced', version: '0' }]);
});

test('shape errors are PARSE_ERRORs naming the path', () => {
  const bad: unknown[] = [
    null,
    [],
    { modified: 'x' },
    { id: '', modified: 'x' },
    { id: 'a' },
    { ...minimal, aliases: 'CVE-1' },
    { ...minimal, aliases: [1] },
    { ...minimal, severity: [{ type: 'CVSS_V9', score: 'x' }] },
    { ...minimal, affected: [{ package: { ecosystem: 'npm' } }] },
    { ...minimal, affected: [{ ranges: [{ type: 'SEMVER', events: [] }] }] },
    { ...minimal, affected: [{ ranges: [{ type: 'SEMVER', events: [{ introduced: '0', fixed: '1' }] }] }] },
    { ...minimal, affected: [{ ranges: [{ type: 'SEMVER', events: [{ broken: '0' }] }] }] },
    { ...minimal, affected: [{ ranges: [{ type: 'GIT', events: [{ introduced: '0' }] }] }] },
    { ...minimal, affected: [{ ranges: [{ type: 'OTHER', events: [{ introduced: '0' }] }] }] },
    { ...minimal, references: [{ type: 'BLOG', url: 'u' }] },
    { ...minimal, database_specific: [] },
  ];
  for (const b of bad) assert.equal(code(() => parseOsv(b)), 'PARSE_ERROR', JSON.stringify(b));
  assert.match(String(((): unknown => { try { parseOsv({ ...minimal, affected: [{ versions: [1] }] }); } catch (e) { return (e as Error).message; } return ''; })()), /\$\.affected\[0\]\.versions\[0\]/);
  assert.equal(code(() => parseOsvJson('{"id": "x", ')), 'PARSE_ERROR');
});

test('limits refuse oversized advisories', () => {
  assert.equal(code(() => parseOsv({ ...minimal, aliases: ['a', 'b', 'c'] }, { maxListItems: 2 })), 'LIMIT_EXCEEDED');
  assert.equal(code(() => parseOsv({ ...minimal, details: 'x'.repeat(11) }, { maxStringLength: 10 })), 'LIMIT_EXCEEDED');
  assert.equal(code(() => parseOsv({ ...minimal, affected: [{ versions: ['1', '2'] }] }, { maxVersions: 1 })), 'LIMIT_EXCEEDED');
});

test('PyPI names are PEP 503-normalised, others kept', () => {
  assert.equal(normalizePackageName('PyPI', 'Zope.Interface__x-y'), 'zope-interface-x-y');
  assert.equal(normalizePackageName('npm', '@Scope/Name_x'), '@Scope/Name_x');
  assert.equal(normalizePackageName('Go', 'github.com/A/b'), 'github.com/A/b');
});
