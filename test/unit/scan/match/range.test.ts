import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OsvEvent, OsvEventKind, OsvRange } from '../../../../src/formats/osv/index.ts';
import { evaluateAffected, isAffected } from '../../../../src/scan/match/index.ts';
import { goScheme, npmScheme, pypiScheme } from '../../../../src/scan/version/index.ts';

type Ev = Partial<Record<OsvEventKind, string>>;
const events = (list: Ev[]): OsvEvent[] =>
  list.map((e) => {
    const [kind, version] = Object.entries(e)[0] as [OsvEventKind, string];
    return { kind, version };
  });
const range = (list: Ev[], type: OsvRange['type'] = 'SEMVER'): OsvRange => ({ type, events: events(list), ...(type === 'GIT' ? { repo: 'https://example.com/r' } : {}) });
const aff = (ranges: OsvRange[], versions: string[] = []): { ranges: OsvRange[]; versions: string[] } => ({ ranges, versions });

test('introduced "0" with no fix affects every version', () => {
  const a = aff([range([{ introduced: '0' }])]);
  for (const v of ['0.0.0', '0.0.1-alpha', '1.0.0', '99.0.0']) assert.equal(isAffected(a, v, npmScheme), true, v);
});

test('introduced and fixed: [introduced, fixed) and the fix is reported', () => {
  const a = aff([range([{ introduced: '1.0.0' }, { fixed: '1.0.2' }])]);
  assert.equal(isAffected(a, '0.9.9', npmScheme), false);
  assert.deepEqual(evaluateAffected(a, '1.0.0', npmScheme), { affected: true, fixed: ['1.0.2'] });
  assert.equal(isAffected(a, '1.0.1', npmScheme), true);
  assert.equal(isAffected(a, '1.0.2-rc.1', npmScheme), true);
  assert.equal(isAffected(a, '1.0.2', npmScheme), false);
  assert.deepEqual(evaluateAffected(a, '1.0.2', npmScheme), { affected: false, fixed: [] });
});

test('last_affected: inclusive upper bound, no fix reported', () => {
  const a = aff([range([{ introduced: '0' }, { last_affected: '2.1.214' }], 'ECOSYSTEM')]);
  assert.deepEqual(evaluateAffected(a, '2.1.214', npmScheme), { affected: true, fixed: [] });
  assert.equal(isAffected(a, '2.1.215', npmScheme), false);
});

test('several intervals in one range, given unsorted, are evaluated in sorted order', () => {
  const sorted = [{ introduced: '1.0.0' }, { fixed: '1.0.2' }, { introduced: '3.0.0' }, { fixed: '3.2.5' }];
  const shuffled = [{ fixed: '3.2.5' }, { introduced: '3.0.0' }, { fixed: '1.0.2' }, { introduced: '1.0.0' }];
  for (const list of [sorted, shuffled]) {
    const a = aff([range(list)]);
    assert.deepEqual(evaluateAffected(a, '1.0.1', npmScheme), { affected: true, fixed: ['1.0.2'] });
    assert.equal(isAffected(a, '2.0.0', npmScheme), false);
    assert.deepEqual(evaluateAffected(a, '3.1.0', npmScheme), { affected: true, fixed: ['3.2.5'] });
    assert.equal(isAffected(a, '3.2.5', npmScheme), false);
  }
  // "0" sorts first even when listed last.
  assert.equal(isAffected(aff([range([{ fixed: '2.0.0' }, { introduced: '0' }])]), '1.0.0', npmScheme), true);
});

test('multiple ranges are OR-ed, and each contributes its own fix', () => {
  const a = aff([range([{ introduced: '1.0.0' }, { fixed: '1.5.0' }]), range([{ introduced: '1.2.0' }, { fixed: '1.3.0' }])]);
  assert.deepEqual(evaluateAffected(a, '1.2.5', npmScheme), { affected: true, fixed: ['1.3.0', '1.5.0'] });
  assert.deepEqual(evaluateAffected(a, '1.4.0', npmScheme), { affected: true, fixed: ['1.5.0'] });
  assert.equal(isAffected(a, '1.5.0', npmScheme), false);
});

test('limit: versions at or above every limit are outside the range; "*" is infinity', () => {
  const a = aff([range([{ introduced: '1.0.0' }, { limit: '2.0.0' }])]);
  assert.equal(isAffected(a, '1.9.9', npmScheme), true);
  assert.equal(isAffected(a, '2.0.0', npmScheme), false);
  assert.equal(isAffected(a, '3.0.0', npmScheme), false);
  const two = aff([range([{ introduced: '1.0.0' }, { limit: '2.0.0' }, { limit: '4.0.0' }])]);
  assert.equal(isAffected(two, '3.0.0', npmScheme), true, 'below one of the limits');
  assert.equal(isAffected(aff([range([{ introduced: '1.0.0' }, { limit: '*' }])]), '9.0.0', npmScheme), true);
});

test('explicit versions list matches exactly, also with no ranges and for unreadable versions', () => {
  const a = aff([], ['1.2.3', 'weird-build']);
  assert.equal(isAffected(a, '1.2.3', npmScheme), true);
  assert.equal(isAffected(a, '1.2.4', npmScheme), false);
  assert.equal(isAffected(a, 'weird-build', npmScheme), true);
  // Go: OSV writes versions without the `v`; equal by the scheme.
  assert.equal(isAffected(aff([], ['1.2.3']), 'v1.2.3', goScheme), true);
  // PEP 440 equality: 1.0 == 1.0.0.
  assert.equal(isAffected(aff([], ['1.0']), '1.0.0', pypiScheme), true);
});

test('GIT ranges are ignored for version matching', () => {
  const a = aff([range([{ introduced: '0' }], 'GIT')]);
  assert.equal(isAffected(a, '1.0.0', npmScheme), false);
});

test('invalid versions: an unreadable package version matches no range; unreadable events err towards affected', () => {
  const a = aff([range([{ introduced: '0' }])]);
  assert.equal(isAffected(a, 'not a version', npmScheme), false);
  // Unreadable introduced counts as "0".
  assert.equal(isAffected(aff([range([{ introduced: 'garbage' }, { fixed: '2.0.0' }])]), '1.0.0', npmScheme), true);
  // Unreadable fixed is ignored: the range stays open, no fix is reported.
  assert.deepEqual(evaluateAffected(aff([range([{ introduced: '1.0.0' }, { fixed: 'garbage' }])]), '5.0.0', npmScheme), { affected: true, fixed: [] });
  // Unreadable limit is ignored.
  assert.equal(isAffected(aff([range([{ introduced: '1.0.0' }, { limit: 'garbage' }])]), '5.0.0', npmScheme), true);
});

test('ECOSYSTEM ranges use the ecosystem order (PEP 440 pre-releases and post-releases)', () => {
  const a = aff([range([{ introduced: '2.0' }, { fixed: '2.0.1' }], 'ECOSYSTEM')]);
  assert.equal(isAffected(a, '2.0rc1', pypiScheme), false);
  assert.equal(isAffected(a, '2.0.post1', pypiScheme), true);
  assert.equal(isAffected(a, '2.0.1', pypiScheme), false);
});
